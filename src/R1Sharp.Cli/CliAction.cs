// The boundary between the CLI and the library: turns exceptions into one-line errors and exit
// codes, and Ctrl+C into a cancellation token.
using System.CommandLine;

namespace R1Sharp.Cli;

internal static class CliAction
{
    /// <summary>Runs an asynchronous verb body with error handling: R1SharpException and bad files → exit 2.
    /// System.CommandLine cancels <c>token</c> on Ctrl+C and ends the process shortly after.</summary>
    public static void Set(Command command, Func<ParseResult, CancellationToken, Task<int>> body)
    {
        command.SetAction(async (parse, token) =>
        {
            try
            {
                return await body(parse, token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                Console.Error.WriteLine("interrupted");
                return R1Cli.Interrupted;
            }
            catch (Exception e)
            {
                return Report(parse, e);
            }
        });
    }

    /// <summary>Synchronous overload for verbs that do not await.</summary>
    public static void Set(Command command, Func<ParseResult, CancellationToken, int> body) =>
        Set(command, (p, t) => Task.FromResult(body(p, t)));

    /// <summary>
    /// A synchronous action with the same error handling, for verbs that handle Ctrl+C themselves
    /// (`r1 chat`: Ctrl+C stops the answer, not the program). System.CommandLine installs its
    /// process-termination handler only for asynchronous actions.
    /// </summary>
    public static void SetHandlingCtrlC(Command command, Func<ParseResult, int> body)
    {
        command.SetAction(parse =>
        {
            try { return body(parse); }
            catch (Exception e) { return Report(parse, e); }
        });
    }

    /// <summary>
    /// A synchronous action for long training verbs: SIGINT (Ctrl+C) and SIGTERM stop the run after its current step
    /// through <see cref="Training.Infrastructure.Interrupt"/> (the body checkpoints), and the verb exits 130 or 143. A
    /// body that returns normally after a stop returns <see cref="Training.Infrastructure.Interrupt.ExitCode"/> itself.
    /// System.CommandLine's own handler (asynchronous actions only) would end the process 2 s after the signal,
    /// before a checkpoint could be written.
    /// </summary>
    public static void SetTraining(Command command, Func<ParseResult, Training.Infrastructure.Interrupt, int> body)
    {
        command.SetAction(parse =>
        {
            using var interrupt = new Training.Infrastructure.Interrupt();
            try { return body(parse, interrupt); }
            catch (OperationCanceledException) when (interrupt.Requested)
            {
                Console.Error.WriteLine("interrupted");
                return interrupt.ExitCode;
            }
            catch (Exception e) { return Report(parse, e); }
        });
    }

    /// <summary>
    /// <see cref="SetTraining(Command, Func{ParseResult, Training.Infrastructure.Interrupt, int})"/> for a verb whose work
    /// is asynchronous (`r1 distill`): the same Ctrl+C / SIGTERM contract, the body awaited on the action's thread.
    /// </summary>
    public static void SetTraining(Command command, Func<ParseResult, Training.Infrastructure.Interrupt, Task<int>> body) =>
        SetTraining(command, (parse, interrupt) => body(parse, interrupt).GetAwaiter().GetResult());

    // User errors → one line and exit 2; anything else → type and message, exit 1; stack traces under --verbose.
    static int Report(ParseResult parse, Exception e)
    {
        int code = ReportLine(parse, e);
        // In an mpirun job the other ranks wait in a collective for this one: end the whole job, naming this rank.
        if (Training.Distributed.DataParallel.Joined is { IsDistributed: true } dp)
        {
            Console.Error.WriteLine($"error: rank {dp.Rank} of {dp.Size} failed; ending the job (the last checkpoint is kept)");
            Console.Error.Flush();
            dp.Abort(code);
        }
        return code;
    }

    static int ReportLine(ParseResult parse, Exception e)
    {
        bool verbose = parse.GetValue(R1Cli.Verbose);
        if (IsUserError(e))
        {
            Console.Error.WriteLine($"error: {UserMessage(e).ReplaceLineEndings(" ")}");
            if (verbose) Console.Error.WriteLine(e);
            return R1Cli.UsageError;
        }
        Console.Error.WriteLine($"error: {e.GetType().Name}: {e.Message}");
        Console.Error.WriteLine(verbose ? e.ToString() : "(run with --verbose for the stack trace)");
        return 1;
    }

    // I/O failures the user can fix (disk full, quota, read-only mount, path too long, no permission) count too.
    static bool IsUserError(Exception e) =>
        e is R1SharpException or FileNotFoundException or DirectoryNotFoundException || IO.IoErrors.UserCause(e) is not null;

    // .NET's own messages name the path ("No space left on device : '/x'"); the cause is added when they do not say it.
    static string UserMessage(Exception e) =>
        e.GetType() != typeof(IOException) || IO.IoErrors.UserCause(e) is not { } cause || e.Message.Contains(cause, StringComparison.OrdinalIgnoreCase)
            ? e.Message
            : $"{e.Message} ({cause})";
}
