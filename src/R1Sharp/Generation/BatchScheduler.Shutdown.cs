// Graceful stop of the scheduler (vLLM / uvicorn graceful shutdown): refuse new work, fail queued jobs at once, let
// running sequences finish within a grace period, fail the rest, then join the thread, so that nothing runs in
// libtorch when the caller disposes the model or the process exits.
namespace R1Sharp.Generation;

public sealed partial class BatchScheduler
{
    /// <summary>
    /// Stops gracefully: from now on <see cref="TrySubmit"/> throws <see cref="SchedulerStoppingException"/> and queued jobs
    /// fail with it at once; running sequences go on for up to <paramref name="grace"/> (or until <paramref name="force"/>
    /// is cancelled), then every job still running fails with it. Completes once the scheduler thread has ended.
    /// </summary>
    /// <param name="grace">How long running sequences may take to finish; <see cref="TimeSpan.Zero"/> ends them now.</param>
    /// <param name="force">Cancel to end the grace period early (e.g. a second Ctrl+C).</param>
    public async Task ShutdownAsync(TimeSpan grace, CancellationToken force = default)
    {
        if (_disposed) return;
        List<GenerationJob> queued;
        lock (_gate)
        {
            _stopping = true;
            queued = [.. _queue];
            _queue.Clear();
        }
        foreach (var job in queued) job.Fail(Stopping());
        _signal.Release(); // an idle loop wakes up, sees _stopping and ends
        using (var graceOver = CancellationTokenSource.CreateLinkedTokenSource(force))
        {
            graceOver.CancelAfter(grace);
            try { await _exited.Task.WaitAsync(graceOver.Token).ConfigureAwait(false); }
            catch (OperationCanceledException)
            {
                _abortError = new SchedulerStoppingException(
                    $"The server shut down before this generation finished (shutdown grace {grace.TotalSeconds:0.###} s).");
                _stop.Cancel();
            }
        }
        await _exited.Task.ConfigureAwait(false); // within one decode step once _stop is cancelled
        _thread.Join();
    }

    private static SchedulerStoppingException Stopping() =>
        new("The server is shutting down and takes no new requests; retry later or on another instance.");

    // End of the scheduler thread: sequences still running are cancelled (Dispose) or failed (grace over).
    private void EndRunning()
    {
        if (_abortError is { } error)
            foreach (var job in RunningJobs()) job.Fail(error);
        else
            Batch.CancelAll();
        Reset();
        _exited.TrySetResult();
    }
}
