// The TorchSharp side of int8/int4 weights (`--dtype int8|int4`): a projection whose matrix lives in a QuantizedMatrix.
// A few rows (decode, the last prompt position's head) run the managed quantized matvec; many rows (a prefill) run
// libtorch's GEMM in the activations' dtype (bf16 for a BF16 checkpoint, else fp32) over the matrix dequantized a slice
// of output rows at a time, so no full-precision copy ever exists.
using R1Sharp.Tensors.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Models;

/// <summary><c>y = x·Wᵀ + b</c> for a quantized W; x of any float dtype, y in x's dtype.</summary>
internal static unsafe class QuantizedLinear
{
    /// <summary>Rows up to which the managed matvec runs; above, slices of W are dequantized for a GEMM.</summary>
    public const int MaxMatvecRows = 16;

    /// <summary>Values per dequantized slice (64 MB in fp32).</summary>
    private const long SliceElements = 1 << 24;

    /// <summary>Projects the last dimension of <paramref name="x"/> (…, in) to (…, out).</summary>
    public static Tensor Forward(Tensor x, QuantizedMatrix w, Tensor? bias)
    {
        if (x.shape[^1] != w.Columns)
            throw new ArgumentException($"input has {x.shape[^1]} features, the quantized matrix takes {w.Columns}");
        using var scope = NewDisposeScope();
        long n = x.numel() / w.Columns;
        Tensor y;
        if (n <= MaxMatvecRows)
        {
            var rows = x.reshape(n, w.Columns).to_type(ScalarType.Float32).contiguous();
            var b32 = bias?.to_type(ScalarType.Float32).contiguous();
            y = empty(n, w.Rows, dtype: ScalarType.Float32);
            if (n > 0)
                MatMul.Run(w, b32 is null ? null : (float*)TensorMemory.Pointer(b32), (float*)TensorMemory.Pointer(rows), w.Columns,
                    (float*)TensorMemory.Pointer(y), w.Rows, (int)n);
            GC.KeepAlive(rows);
            GC.KeepAlive(b32);
        }
        else
        {
            // The GEMM runs in the activations' dtype: bf16 for a model loaded from a BF16 checkpoint, else fp32.
            var dtype = x.dtype == ScalarType.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32;
            y = Sliced(x.reshape(n, w.Columns).to_type(dtype).contiguous(), w, bias?.to_type(dtype));
        }
        var shape = x.shape.ToArray();
        shape[^1] = w.Rows;
        return y.reshape(shape).to_type(x.dtype).MoveToOuterDisposeScope();
    }

    private static Tensor Sliced(Tensor rows, QuantizedMatrix w, Tensor? bias)
    {
        int slice = (int)Math.Clamp(SliceElements / w.Columns, 1, w.Rows);
        var parts = new List<Tensor>();
        for (int start = 0; start < w.Rows; start += slice)
        {
            int count = Math.Min(slice, w.Rows - start);
            using var weights = empty(count, w.Columns, dtype: rows.dtype);
            w.Dequantize(start, count, TensorMemory.Pointer(weights), rows.dtype == ScalarType.BFloat16 ? WeightFormat.Bf16 : WeightFormat.F32);
            KernelPool.Shared.Park(); // the dequantizing workers would spin into the GEMM's OpenMP threads
            parts.Add(nn.functional.linear(rows, weights, bias?.narrow(0, start, count)));
        }
        return parts.Count == 1 ? parts[0] : cat(parts, 1);
    }
}
