// Prompt prefill in the managed kernels: a chunk of left-padded prompts goes through the same layers as a decode step,
// one fed row per real token, each writing its key and value into its own slot and attending its row's slots up to
// it (causal). Taken for fp32 models wide enough for the GEMM (MatMul.Gemm), where it beats libtorch's fp32 GEMM;
// bf16 and int8/int4 models keep the TorchSharp prefill, whose bf16 GEMMs are faster still.
using static TorchSharp.torch;
using R1Sharp.Tensors.Kernels;

namespace R1Sharp.Models;

public sealed unsafe partial class DenseDecodeStep
{
    /// <summary>Real tokens of one <see cref="TryPrefill"/> call at most (its scratch rows grow with them).</summary>
    public const int MaxPrefillRows = 256;

    /// <summary>Whether prompts prefill through the kernels: fp32 weights, none quantized, hidden size wide enough
    /// for the GEMM.</summary>
    public bool Prefills { get; private set; }

    private void DecidePrefill() =>
        Prefills = _format == WeightFormat.F32 && MatMul.UsesGemm(MatMul.GemmMinRows, _hidden)
            && !_tensors.Any(t => t is QuantizedMatrix);

    /// <summary>
    /// Feeds a (P, width) chunk of left-padded prompts (<paramref name="ids"/> and <paramref name="positions"/> row-major,
    /// <paramref name="real"/> false at padding) into the cache's next width slots, padding slots marked invalid, as
    /// <see cref="DecoderModel.Forward"/> with a mask does. With <paramref name="lastLogits"/>, writes prompt p's logits from
    /// its last column at logits[p·V]. Returns false, touching nothing, when it cannot run the chunk (not
    /// <see cref="Prefills"/>, more than <see cref="MaxPrefillRows"/> real tokens, another cache layout, weights replaced,
    /// or the step busy on another thread); the caller then runs the TorchSharp forward.
    /// </summary>
    public bool TryPrefill(ReadOnlySpan<long> ids, ReadOnlySpan<long> positions, ReadOnlySpan<bool> real, int prompts, KvCache cache,
        bool lastLogits, Span<float> logits)
    {
        if (!Prefills || prompts < 1 || ids.Length == 0 || ids.Length % prompts != 0 || positions.Length != ids.Length
            || real.Length != ids.Length || cache.BatchSize != prompts || cache.DType != _model.DType || cache.SharesPrompts
            || (lastLogits && logits.Length < (long)prompts * _vocab)) return false;
        int width = ids.Length / prompts, count = 0;
        foreach (bool r in real) if (r) count++;
        if (count == 0 || count > MaxPrefillRows) return false;
        if (lastLogits)
            for (int p = 0; p < prompts; p++)
                if (!real[p * width + width - 1]) return false;
        for (int i = 0; i < ids.Length; i++)
            if (real[i] && (ids[i] < 0 || ids[i] >= _vocab))
                throw new ArgumentOutOfRangeException(nameof(ids), $"token id {ids[i]} outside 0..{_vocab - 1}");
        if (!_gate.TryEnter()) return false;
        try
        {
            if (!Unchanged()) return false;
            long start = Reserve(cache, real, prompts, width, count);
            var fedIds = new long[count];
            var fedPositions = new long[count];
            var rows = new int[count];
            var lengths = new int[count];
            var logitRows = new int[lastLogits ? prompts : 0];
            for (int p = 0, n = 0; p < prompts; p++)
                for (int c = 0; c < width; c++)
                {
                    int i = p * width + c;
                    if (!real[i]) continue;
                    (fedIds[n], fedPositions[n], rows[n], lengths[n]) = (ids[i], positions[i], p, (int)start + c + 1);
                    if (lastLogits && c == width - 1) logitRows[p] = n;
                    n++;
                }
            Forward(fedIds, fedPositions, cache, new Placement(rows, lengths, (int)start + width), logitRows, logits);
            cache.Commit(width);
            return true;
        }
        finally { _gate.Exit(); }
    }

    // The chunk's slots, with the padding ones marked invalid.
    private static long Reserve(KvCache cache, ReadOnlySpan<bool> real, int prompts, int width, int count)
    {
        if (count == real.Length) return cache.Reserve(width, null);
        using var mask = tensor(real.ToArray(), new long[] { prompts, width });
        return cache.Reserve(width, mask);
    }
}
