// The batched loop: left-padded prefill of every distinct prompt (in column chunks), cache rows copied per
// sample, then one decode step per token for all live rows; finished rows are dropped from the batch and cache
// (HF generate's left padding + per-row positions; vLLM-style shrinking batch without continuous admission).
using R1Sharp.Models;
using R1Sharp.Text.Reasoning;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Generation;

public sealed partial class Generator
{
    private void Run(IReadOnlyList<GenerationRequest> requests, List<GeneratorSequence> sequences, GenerationOptions options,
        Action<GenerationDelta>? onDelta, CancellationToken cancellationToken)
    {
        using var noGrad = no_grad();
        int vocab = Model.Config.VocabSize;
        int longest = requests.Max(r => r.PromptIds.Count);
        int maxNew = sequences.Max(s => s.Request.MaxNewTokens ?? options.MaxNewTokens);
        // Every row advances one slot per step, so the cache needs the padded prompt plus the longest continuation.
        long capacity = longest + Math.Min(maxNew, (options.ContextLength ?? ModelContextLength) - requests.Min(r => r.PromptIds.Count));
        using var cache = Model.CreateCache(requests.Count, capacity);
        var logits = new float[(long)Math.Max(requests.Count, sequences.Count) * vocab];

        if (!Prefill(requests, cache, logits, options.PrefillChunkTokens, cancellationToken))
        {
            CancelAll(sequences, onDelta);
            return;
        }
        // First token of every sample from its prompt's prefill logits; then keep the live rows, copied per sample.
        var live = new List<GeneratorSequence>(sequences.Count);
        var rows = new List<long>(sequences.Count);
        foreach (var s in sequences)
        {
            Report(s, s.Advance(logits.AsSpan(s.PromptIndex * vocab, vocab)), onDelta);
            if (!s.IsFinished) { live.Add(s); rows.Add(s.PromptIndex); }
        }
        if (live.Count > 0 && !IsIdentity(rows, requests.Count)) cache.SelectRows(rows.ToArray());

        while (live.Count > 0)
        {
            if (cancellationToken.IsCancellationRequested) { CancelAll(live, onDelta); return; }
            DecodeStep(live, cache, logits);
            rows.Clear();
            var next = new List<GeneratorSequence>(live.Count);
            for (int i = 0; i < live.Count; i++)
            {
                var s = live[i];
                Report(s, s.Advance(logits.AsSpan(i * vocab, vocab)), onDelta);
                if (!s.IsFinished) { next.Add(s); rows.Add(i); }
            }
            if (next.Count > 0 && next.Count < live.Count) cache.SelectRows(rows.ToArray());
            live = next;
        }
    }

    /// <summary>
    /// Left-pads the prompts into (P, T) with per-row positions from 0 and runs them through the cache in column
    /// chunks of at most <paramref name="chunkTokens"/>/P columns; writes each row's last logits into
    /// <paramref name="logits"/>. Returns false when cancelled between chunks.
    /// </summary>
    internal bool Prefill(IReadOnlyList<GenerationRequest> requests, KvCache cache, float[] logits, int chunkTokens, CancellationToken token)
    {
        int p = requests.Count, t = requests.Max(r => r.PromptIds.Count);
        var ids = new long[p * t];
        var positions = new long[p * t];
        var mask = new long[p * t];
        for (int r = 0; r < p; r++)
        {
            var prompt = requests[r].PromptIds;
            int offset = t - prompt.Count;
            for (int i = 0; i < prompt.Count; i++)
            {
                ids[r * t + offset + i] = prompt[i];
                positions[r * t + offset + i] = i;
                mask[r * t + offset + i] = 1;
            }
        }
        bool padded = requests.Any(r => r.PromptIds.Count != t);
        int columns = Math.Max(1, chunkTokens / p);
        var device = Model.model.embed_tokens.weight.device;
        // Outside a dispose scope, so no temporary: a tensor only referenced as the `this` of a native call can be
        // finalized (its native tensor freed) while the call runs.
        using var idsHost = tensor(ids, new long[] { p, t });
        using var positionsHost = tensor(positions, new long[] { p, t });
        using var maskHost = tensor(mask, new long[] { p, t });
        using var allIds = idsHost.to(device);
        using var allPositions = positionsHost.to(device);
        using var allMask = maskHost.to(device);
        for (int start = 0; start < t; start += columns)
        {
            if (token.IsCancellationRequested) return false;
            using var scope = NewDisposeScope();
            int width = Math.Min(columns, t - start);
            var chunkMask = padded ? allMask.narrow(1, start, width) : null;
            var output = Model.Forward(allIds.narrow(1, start, width), allPositions.narrow(1, start, width), chunkMask, cache, lastOnly: true);
            if (start + width == t) CopyLogits(output, logits);
        }
        return true;
    }

    /// <summary>Feeds every live row's last token at its own position; writes (B, V) logits into <paramref name="logits"/>.</summary>
    internal void DecodeStep(List<GeneratorSequence> live, KvCache cache, float[] logits)
    {
        using var scope = NewDisposeScope();
        int b = live.Count;
        var ids = new long[b];
        var positions = new long[b];
        for (int i = 0; i < b; i++) { ids[i] = live[i].LastToken; positions[i] = live[i].LastPosition; }
        var device = Model.model.embed_tokens.weight.device;
        var idTensor = tensor(ids, new long[] { b, 1 }).to(device);
        var posTensor = tensor(positions, new long[] { b, 1 }).to(device);
        CopyLogits(Model.Forward(idTensor, posTensor, cache: cache), logits);
    }

    // (B, 1, V) in any dtype/device → the first B·V floats of the buffer.
    private static void CopyLogits(Tensor output, float[] destination)
    {
        using var rows = output.reshape(output.shape[0], output.shape[^1]).to(ScalarType.Float32, CPU).contiguous();
        rows.data<float>().CopyTo(destination);
    }

    private static bool IsIdentity(List<long> rows, int count)
    {
        if (rows.Count != count) return false;
        for (int i = 0; i < rows.Count; i++) if (rows[i] != i) return false;
        return true;
    }

    private static void CancelAll(IEnumerable<GeneratorSequence> sequences, Action<GenerationDelta>? onDelta)
    {
        foreach (var s in sequences)
            if (!s.IsFinished) Report(s, s.Cancel(), onDelta);
    }

    internal static void Report(GeneratorSequence s, ReasoningDelta delta, Action<GenerationDelta>? onDelta)
    {
        if (onDelta is null || (delta.IsEmpty && !s.IsFinished)) return;
        onDelta(new GenerationDelta(s.Index, s.PromptIndex, s.SampleIndex, delta.Reasoning, delta.Content,
            s.IsFinished ? s.ToResult() : null));
    }
}
