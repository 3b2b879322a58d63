// Stop requests for long training runs (STYLE.md: interruptible, leaving a resumable state): the first Ctrl+C (SIGINT)
// or SIGTERM (what systemd, Docker, Kubernetes and Slurm send to stop a job) asks the loop to stop after the current
// step; it then writes a checkpoint and the CLI exits 130 (SIGINT) or 143 (SIGTERM), 128 + the signal number, as a
// shell reports a process that signal ended. A second signal aborts at once.
using System.Runtime.InteropServices;

namespace R1Sharp.Training.Infrastructure;

/// <summary>Turns SIGINT (Ctrl+C) and SIGTERM into a graceful-stop token while alive; dispose to restore the default behaviour.</summary>
public sealed class Interrupt : IDisposable
{
    /// <summary>Exit code after a SIGINT stop (128 + 2).</summary>
    public const int SigIntExitCode = 130;
    /// <summary>Exit code after a SIGTERM stop (128 + 15).</summary>
    public const int SigTermExitCode = 143;

    private readonly CancellationTokenSource _cts = new();
    private readonly TextWriter _log;
    private readonly PosixSignalRegistration? _sigterm;
    private int _presses;
    private volatile int _exitCode = SigIntExitCode;

    /// <summary>Starts listening; <paramref name="log"/> (default stderr) gets one line on the first signal.</summary>
    public Interrupt(TextWriter? log = null)
    {
        _log = log ?? Console.Error;
        Console.CancelKeyPress += OnCancel;
        try { _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSigTerm); }
        catch (PlatformNotSupportedException) { } // no SIGTERM here (browser, mobile): Ctrl+C still works
    }

    /// <summary>Cancelled on the first signal.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>True once a stop was requested.</summary>
    public bool Requested => _cts.IsCancellationRequested;

    /// <summary>The exit code that reports the first signal: 130 for SIGINT (and <see cref="Request"/>), 143 for SIGTERM.</summary>
    public int ExitCode => _exitCode;

    /// <summary>Simulates a Ctrl+C (tests, or other stop signals).</summary>
    public void Request() => Press("Ctrl+C", SigIntExitCode);

    private void OnCancel(object? sender, ConsoleCancelEventArgs e) => e.Cancel = Press("Ctrl+C", SigIntExitCode);

    private void OnSigTerm(PosixSignalContext context) => context.Cancel = Press("SIGTERM", SigTermExitCode);

    // True keeps the process running (first signal); false lets the runtime end it (a second signal).
    private bool Press(string what, int exitCode)
    {
        if (Interlocked.Increment(ref _presses) != 1) return false;
        _exitCode = exitCode;
        _log.WriteLine($"interrupt ({what}): finishing the current step and writing a checkpoint (send it again to abort)");
        _cts.Cancel();
        return true;
    }

    /// <summary>Stops listening.</summary>
    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancel;
        _sigterm?.Dispose();
        _cts.Dispose();
    }
}
