// The scheduler thread: wait for work → drop cancelled rows → admit queued jobs (batched left-padded prefill,
// rows copied per sample, KvCache.AppendRows into the running cache) → one decode step for every live row.
using R1Sharp.Models;
using static TorchSharp.torch;

namespace R1Sharp.Generation;

public sealed partial class BatchScheduler
{
    // Owned by the scheduler thread only.
    private readonly SamplerWorkspace _workspace;
    private readonly List<GeneratorSequence> _live = new();
    private readonly List<GenerationJob> _liveJobs = new();
    private KvCache? _cache;
    private float[] _logits = [];

    private void Loop()
    {
        using var noGrad = no_grad();
        while (!_stop.IsCancellationRequested)
        {
            if (_live.Count == 0 && QueuedJobs == 0)
            {
                if (_stopping) break; // graceful shutdown: nothing left to finish
                try { _signal.Wait(_stop.Token); } catch (OperationCanceledException) { break; }
                continue;
            }
            try
            {
                DropCancelled();
                Admit();
                if (_live.Count > 0) Step();
            }
            catch (Exception e) { FailRunning(e); }
        }
        EndRunning();
    }

    // Cancelled jobs (client gone) leave before the next step, so their rows cost at most the step in flight.
    private void DropCancelled()
    {
        bool any = false;
        for (int i = 0; i < _live.Count; i++)
        {
            if (!_liveJobs[i].Cancellation.IsCancellationRequested) continue;
            Generator.Report(_live[i], _live[i].Cancel(), _liveJobs[i].Sink);
            any = true;
        }
        if (any) KeepUnfinished();
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
        int rows = _live.Count;
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
        }
        return admitted;
    }

    // One batched prefill for every admitted prompt; each sample's first token comes from its prompt's logits.
    private void Prefill(List<GenerationJob> jobs)
    {
        var requests = jobs.Select(j => j.Request).ToArray();
        int vocab = Generator.Model.Config.VocabSize;
        var fresh = Generator.Model.CreateCache(requests.Length, requests.Max(r => r.PromptIds.Count) + 64);
        try
        {
            var logits = Logits(Math.Max(requests.Length, _live.Count + jobs.Sum(j => j.Samples)));
            if (!Generator.Prefill(requests, fresh, logits, Options.PrefillChunkTokens, _stop.Token))
            {
                foreach (var job in jobs)
                    if (_abortError is { } error) job.Fail(error); else job.CancelUnstarted();
                return;
            }
            var rows = new List<long>();
            for (int p = 0; p < jobs.Count; p++)
            {
                var job = jobs[p];
                foreach (var s in Generator.CreateSequences([job.Request], job.Options, job.ContextLength, _workspace))
                {
                    Generator.Report(s, s.Advance(logits.AsSpan(p * vocab, vocab)), job.Sink);
                    Interlocked.Increment(ref _generatedTokens);
                    if (s.IsFinished) continue;
                    _live.Add(s);
                    _liveJobs.Add(job);
                    rows.Add(p);
                }
            }
            if (rows.Count == 0) return;
            if (rows.Count != requests.Length || rows.Select((r, i) => r != i).Any(x => x)) fresh.SelectRows(rows.ToArray());
            if (_cache is null) { _cache = fresh; fresh = null; }
            else _cache.AppendRows(fresh);
        }
        finally
        {
            fresh?.Dispose();
            Volatile.Write(ref _running, _live.Count);
        }
    }

    private void Step()
    {
        if (Options.StepDelay > TimeSpan.Zero) Thread.Sleep(Options.StepDelay);
        int vocab = Generator.Model.Config.VocabSize;
        var logits = Logits(_live.Count);
        Generator.DecodeStep(_live, _cache!, logits);
        Interlocked.Increment(ref _steps);
        Interlocked.Add(ref _generatedTokens, _live.Count);
        bool finished = false;
        for (int i = 0; i < _live.Count; i++)
        {
            var s = _live[i];
            Generator.Report(s, s.Advance(logits.AsSpan(i * vocab, vocab)), _liveJobs[i].Sink);
            finished |= s.IsFinished;
        }
        if (finished) KeepUnfinished();
    }

    // Drops finished rows from the batch and the cache; compacts slots that no remaining row uses.
    private void KeepUnfinished()
    {
        var rows = new List<long>(_live.Count);
        for (int i = 0; i < _live.Count; i++) if (!_live[i].IsFinished) rows.Add(i);
        if (rows.Count == 0) { Reset(); return; }
        if (rows.Count < _live.Count)
        {
            _cache!.SelectRows(rows.ToArray());
            var keep = rows.Select(r => ((int)r, _live[(int)r], _liveJobs[(int)r])).ToArray();
            _live.Clear();
            _liveJobs.Clear();
            foreach (var (_, s, j) in keep) { _live.Add(s); _liveJobs.Add(j); }
            if (_cache.UnusedLeadingSlots() >= 16) _cache.TrimLeadingSlots();
        }
        Volatile.Write(ref _running, _live.Count);
    }

    private void FailRunning(Exception error)
    {
        foreach (var job in _liveJobs.Distinct()) job.Fail(error);
        Reset();
    }

    private void Reset()
    {
        _live.Clear();
        _liveJobs.Clear();
        _cache?.Dispose();
        _cache = null;
        Volatile.Write(ref _running, 0);
    }

    private float[] Logits(int rows)
    {
        long needed = (long)rows * Generator.Model.Config.VocabSize;
        if (_logits.Length < needed) _logits = new float[needed];
        return _logits;
    }
}
