// Prompt prefill in the managed kernels: a chunk of left-padded prompts goes through the same layers as a decode step,
// one fed row per real token, each writing its key and value into its own slot and attending its row's slots up to
// it (causal). Taken for models wide enough for the GEMM (MatMul.Gemm). fp32 weights run the managed GEMM, which beats
// libtorch's fp32 GEMM; bf16 and int8/int4 weights run libtorch's bf16 GEMM (over int8/int4 matrices dequantized a
// slice at a time, QuantizedLinear), faster than any managed product, on the activations rounded to bf16 as the
// TorchSharp forward has them, while norms, RoPE, attention and SiLU stay in the kernels (fp32), where the TorchSharp
// forward spent a third of a bf16 prefill in small ops.
using static TorchSharp.torch;
using R1Sharp.Tensors.Kernels;

namespace R1Sharp.Models;

public sealed unsafe partial class DenseDecodeStep
{
    /// <summary>Real tokens of one <see cref="TryPrefill"/> call at most (its scratch rows grow with them). 512 against 256:
    /// a 512-token prefill of the 0.5B shape in 0.90 × the time in int4 (half the dequantizing), 0.89 × in bf16, 1.00 × in
    /// f32 (medians of 6 paired runs).</summary>
    public const int MaxPrefillRows = 512;

    /// <summary>Whether prompts prefill through the kernels: a hidden size wide enough for the GEMM.</summary>
    public bool Prefills { get; private set; }

    // True while TryPrefill runs: projections of GemmMinRows rows or more over bf16 or int8/int4 weights then take
    // libtorch's GEMM (TorchProject). Decode steps never do, so a decoded row's logits stay independent of its batch.
    private bool _prefilling;

    private void DecidePrefill() => Prefills = MatMul.UsesGemm(MatMul.GemmMinRows, _hidden);

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
            _prefilling = true;
            Forward(fedIds, fedPositions, cache, new Placement(rows, lengths, (int)start + width), logitRows, logits);
            cache.Commit(width);
            return true;
        }
        finally
        {
            _prefilling = false;
            _gate.Exit();
        }
    }

    // The chunk's slots, with the padding ones marked invalid.
    private static long Reserve(KvCache cache, ReadOnlySpan<bool> real, int prompts, int width, int count)
    {
        if (count == real.Length) return cache.Reserve(width, null);
        using var mask = tensor(real.ToArray(), new long[] { prompts, width });
        return cache.Reserve(width, mask);
    }

    // y = x·Wᵀ + b through libtorch for a prefill's rows: x rounded to bf16 (fp32 for an int8/int4 model of fp32
    // weights), W as is (bf16) or dequantized a slice at a time, the products widened back to fp32.
    private bool TorchProject(object weight, Tensor? bias, float* x, int xStride, float* y, int yStride, int rows)
    {
        if (!_prefilling || rows < MatMul.GemmMinRows || (weight is not QuantizedMatrix && _format != WeightFormat.Bf16)) return false;
        using var scope = NewDisposeScope();
        var (inputs, outputs) = weight is QuantizedMatrix q ? (q.Columns, q.Rows) : ((int)((Tensor)weight).shape[1], (int)((Tensor)weight).shape[0]);
        var input = empty(rows, inputs, dtype: _model.DType);
        nint px = (nint)TensorMemory.Pointer(input), xs = (nint)x, ys = (nint)y;
        int size = _format == WeightFormat.F32 ? 4 : 2;
        ForRows(rows, inputs, (first, end) =>
        {
            for (int r = first; r < end; r++) DecodeOps.FromSingle((float*)xs + (long)r * xStride, inputs, (byte*)px + (long)r * inputs * size, _format);
        });
        KernelPool.Shared.Park(); // workers of the kernels before would spin into libtorch's OpenMP threads
        var output = (weight is QuantizedMatrix m ? QuantizedLinear.Forward(input, m, bias) : nn.functional.linear(input, (Tensor)weight, bias)).contiguous();
        nint py = (nint)TensorMemory.Pointer(output);
        ForRows(rows, outputs, (first, end) =>
        {
            for (int r = first; r < end; r++) DecodeOps.ToSingle((byte*)py + (long)r * outputs * size, _format, outputs, (float*)ys + (long)r * yStride);
        });
        GC.KeepAlive(input);
        GC.KeepAlive(output);
        return true;
    }
}
