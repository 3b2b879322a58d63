// Work that must not overlap a decode step (SGLang's update_weights_from_disk): queued here, it runs on the scheduler
// thread once the running batch has finished; queued jobs wait (are not admitted) until then, as SGLang's model update
// lock holds new requests while the weights change.
namespace R1Sharp.Generation;

public sealed partial class BatchScheduler
{
    private readonly Queue<(Action Action, TaskCompletionSource Done)> _exclusive = new();   // under _gate

    private bool ExclusivePending
    {
        get { lock (_gate) return _exclusive.Count > 0; }
    }

    /// <summary>
    /// Runs <paramref name="action"/> on the scheduler thread after every running sequence has finished and before any
    /// queued job is admitted (no generation sees half-changed weights). Completes with the action's exception if it throws.
    /// </summary>
    public Task RunWhenIdleAsync(Action action)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_stopping || _stop.IsCancellationRequested) throw new SchedulerStoppingException("the scheduler is stopping; the action did not run");
            _exclusive.Enqueue((action, done));
        }
        _signal.Release();
        return done.Task;
    }

    // On the scheduler thread with an empty batch: runs every queued action.
    private void RunExclusive()
    {
        while (true)
        {
            (Action Action, TaskCompletionSource Done) next;
            lock (_gate)
            {
                if (_exclusive.Count == 0) return;
                next = _exclusive.Dequeue();
            }
            try { next.Action(); next.Done.SetResult(); }
            catch (Exception e) { next.Done.SetException(e); }
        }
    }

    // At the end of the loop: actions that never ran fail.
    private void FailExclusive()
    {
        lock (_gate)
            while (_exclusive.Count > 0) _exclusive.Dequeue().Done.TrySetException(new SchedulerStoppingException("the scheduler is stopping; the action did not run"));
    }
}
