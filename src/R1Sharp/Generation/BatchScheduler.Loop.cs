// The scheduler thread: wait for work → drop cancelled rows → admit queued jobs (one DecodeBatch.Admit: batched
// left-padded prefill, rows copied per sample, appended to the running cache) → one decode step for every live row.
// The batch itself (rows, cache, prefill, step, drop) is DecodeBatch, shared with TextGenerator.Generate.
using static TorchSharp.torch;

namespace R1Sharp.Generation;

public sealed partial class BatchScheduler
{
    // Leading cache slots that no live row uses any more (its longest prompt left) are compacted past this many.
    private const int TrimLeadingSlotsAt = 16;

    // Owned by the scheduler thread only.
    private readonly SamplerWorkspace _workspace;
    private DecodeBatch? _batchState;

    private DecodeBatch Batch => _batchState ??= new DecodeBatch(TextGenerator, TrimLeadingSlotsAt);

    private void Loop()
    {
        using var noGrad = no_grad();
        while (!_stop.IsCancellationRequested)
        {
            if (Batch.Count == 0 && QueuedJobs == 0 && !ExclusivePending)
            {
                if (_stopping) break; // graceful shutdown: nothing left to finish
                try { _signal.Wait(_stop.Token); } catch (OperationCanceledException) { break; }
                continue;
            }
            try
            {
                Batch.DropCancelled(); // cancelled jobs (client gone) leave before the next step
                Volatile.Write(ref _running, Batch.Count);
                bool exclusive = ExclusivePending;                       // RunWhenIdleAsync: drain the batch, admit nothing
                if (exclusive && Batch.Count == 0) { RunExclusive(); continue; }
                if (!exclusive) Admit();
                if (Batch.Count > 0) Step();
            }
            catch (Exception e) { FailRunning(e); }
        }
        EndRunning();
        FailExclusive();
    }

    private void Admit()
    {
        var admitted = TakeAdmissible();
        if (admitted.Count == 0) return;
        try { Prefill(admitted); }
        catch (Exception e)
        {
            foreach (var job in admitted) job.Fail(e);
            throw;
        }
    }

    private List<GenerationJob> TakeAdmissible()
    {
        var admitted = new List<GenerationJob>();
        int rows = Batch.Count;
        lock (_gate)
        {
            while (_queue.Count > 0)
            {
                var job = _queue.Peek();
                if (job.Cancellation.IsCancellationRequested) { _queue.Dequeue().CancelUnstarted(); continue; }
                if (rows + job.Samples > Options.MaxBatchRows) break;
                admitted.Add(_queue.Dequeue());
                rows += job.Samples;
            }
            // Taken jobs hold their rows from here (TryReserve reads _running under _gate), not only after the prefill.
            Volatile.Write(ref _running, rows);
        }
        return admitted;
    }

    // One batched prefill for every admitted prompt; each sample's first token comes from its prompt's logits.
    private void Prefill(List<GenerationJob> jobs)
    {
        var requests = jobs.Select(j => j.Request).ToArray();
        var samples = new List<(int, BatchRow)>();
        for (int p = 0; p < jobs.Count; p++)
        {
            var job = jobs[p];
            foreach (var s in TextGenerator.CreateSequences([job.Request], job.Options, job.ContextLength, _workspace))
                samples.Add((p, new BatchRow(s, job.Sink, job.Cancellation, job)));
        }
        try
        {
            if (!Batch.Admit(requests, samples, requests.Max(r => r.PromptIds.Count) + 64, Options.PrefillChunkTokens, _stop.Token))
            {
                foreach (var job in jobs)
                    if (_abortError is { } error) job.Fail(error); else job.CancelUnstarted();
                return;
            }
            Interlocked.Add(ref _generatedTokens, samples.Count);
        }
        finally { Volatile.Write(ref _running, Batch.Count); }
    }

    private void Step()
    {
        if (Options.StepDelay > TimeSpan.Zero) Thread.Sleep(Options.StepDelay);
        int rows = Batch.Count;
        Batch.Step();
        Interlocked.Increment(ref _steps);
        Interlocked.Add(ref _generatedTokens, rows);
        Volatile.Write(ref _running, Batch.Count);
    }

    private void FailRunning(Exception error)
    {
        foreach (var job in RunningJobs()) job.Fail(error);
        Reset();
    }

    private IEnumerable<GenerationJob> RunningJobs() => Batch.Rows.Select(r => r.Job!).Distinct().ToArray();

    private void Reset()
    {
        Batch.Clear();
        Volatile.Write(ref _running, 0);
    }
}
