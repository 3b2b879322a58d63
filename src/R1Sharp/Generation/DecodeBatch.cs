// The one decode loop's state (llama.cpp's batch + slots, vLLM's running queue): the live rows and their KV cache,
// admission of new prompts (batched left-padded prefill, cache rows shared or copied per sample), one decode step for
// every row, and dropping rows that finished or were cancelled. TextGenerator.Generate and BatchScheduler both drive it, so a
// faster step or prefill lands in both. The forward passes are in DecodeBatch.Forward.cs.
using R1Sharp.Diagnostics;
using R1Sharp.Models;

namespace R1Sharp.Generation;

/// <summary>One sequence of a <see cref="DecodeBatch"/>: where its deltas go, what cancels it, and its scheduler job (if any).</summary>
internal sealed record BatchRow(GeneratorSequence Sequence, Action<GenerationDelta>? Sink, CancellationToken Cancellation,
    GenerationJob? Job = null);

/// <summary>
/// The running batch of one model: rows in cache order, the cache (null while empty), and the logits buffer.
/// Row i of the batch is row i of the cache. Not thread-safe: one thread drives it (the caller of
/// <see cref="TextGenerator.Generate(IReadOnlyList{GenerationRequest}, GenerationOptions?, Action{GenerationDelta}?, CancellationToken)"/>
/// or the scheduler thread). Call inside <c>torch.no_grad()</c>.
/// </summary>
internal sealed partial class DecodeBatch(TextGenerator generator, int? trimLeadingSlotsAt = null, bool sharePrompts = false) : IDisposable
{
    private readonly int _vocab = generator.Model.Config.VocabSize;
    private List<BatchRow> _rows = new();
    private KvCache? _cache;
    private float[] _logits = [];

    /// <summary>The generator whose model runs the batch.</summary>
    public TextGenerator TextGenerator { get; } = generator;
    /// <summary>Live rows, in cache order.</summary>
    public IReadOnlyList<BatchRow> Rows => _rows;
    /// <summary>Number of live rows.</summary>
    public int Count => _rows.Count;

    /// <summary>
    /// Prefills <paramref name="prompts"/> into a new cache of <paramref name="capacity"/> slots, gives every sample its first
    /// token from its prompt's last logits (Prompt = index into <paramref name="prompts"/>), reports it, and appends the
    /// unfinished samples to the batch (their cache rows copied per sample). Returns false, with nothing sampled or
    /// added, when <paramref name="cancel"/> fires between prefill chunks.
    /// </summary>
    public bool Admit(IReadOnlyList<GenerationRequest> prompts, IReadOnlyList<(int Prompt, BatchRow Row)> samples, long capacity,
        int chunkTokens, CancellationToken cancel)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        var fresh = TextGenerator.Model.CreateCache(prompts.Count, capacity);
        try
        {
            var logits = Logits(prompts.Count);
            if (!Prefill(prompts, fresh, logits, chunkTokens, cancel)) return false;
            var rows = new List<long>(samples.Count);
            foreach (var (prompt, row) in samples)
            {
                var s = row.Sequence;
                s.PrefillStartedAt = started;
                TextGenerator.Report(s, s.Advance(logits.AsSpan(prompt * _vocab, _vocab)), row.Sink);
                if (s.IsFinished) continue;
                _rows.Add(row);
                rows.Add(prompt);
            }
            if (rows.Count == 0) return true;
            if (ShouldShare(rows.Count, prompts.Count)) fresh.SharePrompts(rows.ToArray());
            else if (!IsIdentity(rows, prompts.Count)) fresh.SelectRows(rows.ToArray());
            if (_cache is null) { _cache = fresh; fresh = null; }
            else _cache.AppendRows(fresh);
            return true;
        }
        finally { fresh?.Dispose(); }
    }

    /// <summary>One decode step: feeds every row its last token, advances and reports it, then drops the rows that finished.</summary>
    public void Step()
    {
        var profiler = PhaseProfiler.Current;
        profiler?.BeginStep();
        var logits = Logits(_rows.Count);
        DecodeStep(logits);
        bool finished = false;
        for (int i = 0; i < _rows.Count; i++)
        {
            var row = _rows[i];
            TextGenerator.Report(row.Sequence, row.Sequence.Advance(logits.AsSpan(i * _vocab, _vocab)), row.Sink);
            finished |= row.Sequence.IsFinished;
        }
        if (finished) DropFinished();
        profiler?.EndStep();
    }

    /// <summary>Ends (as cancelled) and drops the rows whose token has been cancelled; they cost at most the step in flight.</summary>
    public void DropCancelled()
    {
        bool any = false;
        foreach (var row in _rows)
        {
            if (!row.Cancellation.IsCancellationRequested) continue;
            TextGenerator.Report(row.Sequence, row.Sequence.Cancel(), row.Sink);
            any = true;
        }
        if (any) DropFinished();
    }

    /// <summary>Ends every live row as cancelled and empties the batch.</summary>
    public void CancelAll()
    {
        foreach (var row in _rows)
            if (!row.Sequence.IsFinished) TextGenerator.Report(row.Sequence, row.Sequence.Cancel(), row.Sink);
        Clear();
    }

    /// <summary>Empties the batch without reporting anything (the caller fails the rows' jobs) and frees the cache.</summary>
    public void Clear()
    {
        _rows.Clear();
        _cache?.Dispose();
        _cache = null;
    }

    /// <summary>Frees the cache.</summary>
    public void Dispose() => Clear();

    // Drops finished rows from the batch and the cache; with a trim threshold, also compacts leading slots no row uses.
    private void DropFinished()
    {
        var keep = new List<long>(_rows.Count);
        for (int i = 0; i < _rows.Count; i++) if (!_rows[i].Sequence.IsFinished) keep.Add(i);
        if (keep.Count == 0) { Clear(); return; }
        if (keep.Count == _rows.Count) return;
        _cache!.SelectRows(keep.ToArray());
        _rows = keep.Select(i => _rows[(int)i]).ToList();
        if (trimLeadingSlotsAt is { } trim && _cache.UnusedLeadingSlots() >= trim) _cache.TrimLeadingSlots();
    }

    private float[] Logits(int rows)
    {
        long needed = (long)rows * _vocab;
        if (_logits.Length < needed) _logits = new float[needed];
        return _logits;
    }

    // Samples of one prompt share its cache slots (no copy per sample) when the batch starts with them and the managed
    // step will run it: the TorchSharp forward and later admissions would lay the prompts out per row again.
    private bool ShouldShare(int rows, int prompts) =>
        sharePrompts && _cache is null && rows > prompts && rows <= DenseDecodeStep.MaxRows && TextGenerator.DecodeKernels is not null;

    private static bool IsIdentity(List<long> rows, int count)
    {
        if (rows.Count != count) return false;
        for (int i = 0; i < rows.Count; i++) if (rows[i] != i) return false;
        return true;
    }
}
