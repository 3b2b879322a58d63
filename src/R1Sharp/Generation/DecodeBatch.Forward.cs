// The forward passes of a DecodeBatch: the left-padded, column-chunked prefill of newly admitted prompts (HF generate's
// left padding + per-row positions) and the one-token decode step of every live row.
using R1Sharp.Models;
using static TorchSharp.torch;

namespace R1Sharp.Generation;

internal sealed partial class DecodeBatch
{
    /// <summary>
    /// Left-pads the prompts into (P, T) with per-row positions from 0 and runs them through the cache in column
    /// chunks of at most <paramref name="chunkTokens"/>/P columns; writes each row's last logits into
    /// <paramref name="logits"/>. Returns false when cancelled between chunks.
    /// </summary>
    private bool Prefill(IReadOnlyList<GenerationRequest> requests, KvCache cache, float[] logits, int chunkTokens, CancellationToken token)
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
        var kernels = TextGenerator.DecodeKernels is { Prefills: true } k ? k : null;
        int columns = Math.Max(1, (kernels is null ? chunkTokens : Math.Min(chunkTokens, DenseDecodeStep.MaxPrefillRows)) / p);
        var device = TextGenerator.Model.model.embed_tokens.weight.device;
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
            int width = Math.Min(columns, t - start);
            if (kernels is not null && KernelChunk(kernels, ids, positions, mask, p, t, start, width, cache, logits)) continue;
            using var scope = NewDisposeScope();
            var chunkMask = padded ? allMask.narrow(1, start, width) : null;
            var output = TextGenerator.Model.Forward(allIds.narrow(1, start, width), allPositions.narrow(1, start, width), chunkMask, cache, lastOnly: true);
            if (start + width == t) CopyLogits(output, logits);
        }
        return true;
    }

    // Columns [start, start + width) of the padded (P, T) prompts through the managed kernels; false when they cannot
    // take the chunk (the TorchSharp forward then runs it: both fill the same cache layout).
    private static bool KernelChunk(DenseDecodeStep kernels, long[] ids, long[] positions, long[] mask, int p, int t, int start, int width,
        KvCache cache, float[] logits)
    {
        var chunkIds = new long[p * width];
        var chunkPositions = new long[p * width];
        var real = new bool[p * width];
        for (int r = 0; r < p; r++)
            for (int c = 0; c < width; c++)
            {
                int from = r * t + start + c, to = r * width + c;
                (chunkIds[to], chunkPositions[to], real[to]) = (ids[from], positions[from], mask[from] != 0);
            }
        return kernels.TryPrefill(chunkIds, chunkPositions, real, p, cache, start + width == t, logits);
    }

    /// <summary>Feeds every live row's last token at its own position; writes (B, V) logits into <paramref name="logits"/>.</summary>
    private void DecodeStep(float[] logits)
    {
        using var scope = NewDisposeScope();
        int b = _rows.Count;
        var ids = new long[b];
        var positions = new long[b];
        for (int i = 0; i < b; i++) { ids[i] = _rows[i].Sequence.LastToken; positions[i] = _rows[i].Sequence.LastPosition; }
        if (TextGenerator.DecodeKernels?.TryStep(ids, positions, _cache!, logits) == true) return;
        var device = TextGenerator.Model.model.embed_tokens.weight.device;
        var idTensor = tensor(ids, new long[] { b, 1 }).to(device);
        var posTensor = tensor(positions, new long[] { b, 1 }).to(device);
        CopyLogits(TextGenerator.Model.Forward(idTensor, posTensor, cache: _cache), logits);
    }

    // (B, 1, V) in any dtype/device → the first B·V floats of the buffer.
    private static void CopyLogits(Tensor output, float[] destination)
    {
        using var rows = output.reshape(output.shape[0], output.shape[^1]).to(ScalarType.Float32, CPU).contiguous();
        rows.data<float>().CopyTo(destination);
    }
}
