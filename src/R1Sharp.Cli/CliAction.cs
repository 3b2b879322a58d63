// The boundary between the CLI and the library: turns exceptions into one-line errors and exit
// codes, and Ctrl+C into a cancellation token.
using System.CommandLine;

namespace R1Sharp.Cli;

internal static class CliAction
{
    /// <summary>Runs a verb body with error handling: R1SharpException and bad files → exit 2.</summary>
    public static void Set(Command command, Func<ParseResult, CancellationToken, Task<int>> body)
    {
        command.SetAction(async (parse, token) =>
        {
            bool verbose = parse.GetValue(R1Cli.Verbose);
            try
            {
                return await body(parse, token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                Console.Error.WriteLine("interrupted");
                return R1Cli.Interrupted;
            }
            catch (Exception e) when (IsUserError(e))
            {
                Console.Error.WriteLine($"error: {e.Message}");
                if (verbose) Console.Error.WriteLine(e);
                return R1Cli.UsageError;
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"error: {e.GetType().Name}: {e.Message}");
                Console.Error.WriteLine(verbose ? e.ToString() : "(run with --verbose for the stack trace)");
                return 1;
            }
        });
    }

    /// <summary>Synchronous overload for verbs that do not await.</summary>
    public static void Set(Command command, Func<ParseResult, CancellationToken, int> body) =>
        Set(command, (p, t) => Task.FromResult(body(p, t)));

    static bool IsUserError(Exception e) =>
        e is R1SharpException or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException;
}
