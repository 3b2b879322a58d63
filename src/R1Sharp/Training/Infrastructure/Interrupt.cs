// Ctrl+C for long training runs (STYLE.md: interruptible, leaving a resumable state): the first press asks the loop
// to stop after the current step (it then writes a checkpoint and the CLI exits 130); a second press aborts at once.
namespace R1Sharp.Training.Infrastructure;

/// <summary>Turns Ctrl+C into a graceful-stop token while alive; dispose to restore the default behaviour.</summary>
public sealed class Interrupt : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly TextWriter _log;
    private int _presses;

    /// <summary>Starts listening; <paramref name="log"/> (default stderr) gets one line on the first press.</summary>
    public Interrupt(TextWriter? log = null)
    {
        _log = log ?? Console.Error;
        Console.CancelKeyPress += OnCancel;
    }

    /// <summary>Cancelled on the first Ctrl+C.</summary>
    public CancellationToken Token => _cts.Token;

    /// <summary>True once Ctrl+C was pressed.</summary>
    public bool Requested => _cts.IsCancellationRequested;

    /// <summary>Simulates a press (tests, or other stop signals).</summary>
    public void Request() => Press(null);

    private void OnCancel(object? sender, ConsoleCancelEventArgs e) => Press(e);

    private void Press(ConsoleCancelEventArgs? e)
    {
        if (Interlocked.Increment(ref _presses) == 1)
        {
            if (e is not null) e.Cancel = true; // keep running: the loop stops after this step and checkpoints
            _log.WriteLine("interrupt: finishing the current step and writing a checkpoint (Ctrl+C again to abort)");
            _cts.Cancel();
        }
        else if (e is not null) e.Cancel = false; // second press: let the runtime end the process (exit 130)
    }

    /// <summary>Stops listening.</summary>
    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancel;
        _cts.Dispose();
    }
}
