// SIGINT / SIGTERM for long-running verbs that stop gracefully (`r1 serve`): the first signal asks for a graceful stop,
// a second one cuts it short (uvicorn's second Ctrl+C). The default handling (end the process at once) is cancelled,
// so the verb can join its native worker threads before the runtime exits.
using System.Runtime.InteropServices;

namespace R1Sharp.Cli;

/// <summary>Catches SIGINT and SIGTERM while alive; dispose to restore the default handling.</summary>
internal sealed class ShutdownSignals : IDisposable
{
    private readonly PosixSignalRegistration[] _registrations;
    private readonly TaskCompletionSource<PosixSignal> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _again = new();
    private int _count;

    public ShutdownSignals() =>
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle)];

    /// <summary>Completes with the first signal.</summary>
    public Task<PosixSignal> Requested => _first.Task;

    /// <summary>Cancelled by a second signal: stop now.</summary>
    public CancellationToken Forced => _again.Token;

    /// <summary>"SIGINT" / "SIGTERM".</summary>
    public static string Name(PosixSignal signal) => signal == PosixSignal.SIGINT ? "SIGINT" : signal == PosixSignal.SIGTERM ? "SIGTERM" : signal.ToString();

    private void Handle(PosixSignalContext context)
    {
        context.Cancel = true;
        if (Interlocked.Increment(ref _count) == 1) _first.TrySetResult(context.Signal);
        else _again.Cancel();
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _again.Dispose();
    }
}
