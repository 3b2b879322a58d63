// y = x·Wᵀ (+ b) for a QuantizedMatrix W. Each input row is rounded once to int16 with one scale (max|x| / 32767: 15
// bits, so the activations add almost no error, unlike Q8_0's 8-bit activation blocks); per weight block, 32 int8 (or
// unpacked int4) weights widen to int16, vpmaddwd sums their products with x in 16 int32 lanes, and the lanes are
// converted and added with the block's scale: y = x_scale · Σ_blocks d_block · Σ q·x_q.
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace R1Sharp.Tensors.Kernels;

public static unsafe partial class MatMul
{
    /// <summary>True where the quantized kernels run vectorised (AVX-512BW); elsewhere they run a scalar loop.</summary>
    public static bool IsQuantizedAccelerated => Avx512BW.IsSupported;

    /// <summary>
    /// <c>y[b, r] = Σₖ x[b, k]·W[r, k] (+ bias[r])</c> for a quantized W; x rows <paramref name="xStride"/> floats
    /// apart, y rows <paramref name="yStride"/> apart. Splits W's rows over the pool.
    /// </summary>
    public static void Run(QuantizedMatrix w, float* bias, float* x, int xStride, float* y, int yStride, int batch, KernelPool? pool = null)
    {
        int k = w.Columns;
        short[] quantized = ArrayPool<short>.Shared.Rent(batch * k);
        float[] scales = ArrayPool<float>.Shared.Rent(batch);
        try
        {
            fixed (short* xq = quantized)
            fixed (float* xs = scales)
            {
                for (int b = 0; b < batch; b++) xs[b] = QuantizeRow(x + (long)b * xStride, k, xq + (long)b * k);
                nint pq = (nint)xq, ps = (nint)xs, py = (nint)y, pb = (nint)bias;
                (pool ?? KernelPool.Shared).Run((part, parts) =>
                {
                    var (start, end) = KernelPool.Split(w.Rows, part, parts, 4);
                    QuantizedRows(w, (float*)pb, (short*)pq, (float*)ps, (float*)py, yStride, batch, start, end);
                }, (long)w.Rows * k * batch);
                GC.KeepAlive(w);
            }
        }
        finally
        {
            ArrayPool<short>.Shared.Return(quantized);
            ArrayPool<float>.Shared.Return(scales);
        }
    }

    /// <summary>Rounds <paramref name="n"/> values to int16 with scale max|x| / 32767 (returned; 0 for a zero row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float QuantizeRow(float* x, int n, short* output)
    {
        float amax = 0;
        for (int i = 0; i < n; i++) amax = MathF.Max(amax, MathF.Abs(x[i]));
        float scale = amax / 32767, inverse = scale != 0 ? 1 / scale : 0;
        for (int i = 0; i < n; i++) output[i] = (short)MathF.Round(x[i] * inverse);
        return scale;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void QuantizedRows(QuantizedMatrix w, float* bias, short* xq, float* xs, float* y, int yStride, int batch, int start, int end)
    {
        int k = w.Columns, nb = w.BlocksPerRow, r = start;
        bool int8 = w.Format == QuantFormat.Int8;
        for (; r < end; r++)
        {
            byte* row = w.Data + (long)r * w.RowBytes;
            float* d = w.Scales + (long)r * nb;
            for (int b = 0; b < batch; b++)
            {
                float s = !IsQuantizedAccelerated ? ScalarQuantizedDot(w, r, xq + (long)b * k)
                    : int8 ? DotInt8((sbyte*)row, d, nb, xq + (long)b * k) : DotInt4(row, d, nb, xq + (long)b * k);
                y[(long)b * yStride + r] = s * xs[b] + (bias != null ? bias[r] : 0f);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static float DotInt8(sbyte* w, float* d, int nb, short* x)
    {
        var a0 = Vector512<float>.Zero; var a1 = a0;
        int b = 0;
        for (; b + 2 <= nb; b += 2)
        {
            var p0 = Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(w + b * 32)), Vector512.Load(x + b * 32));
            var p1 = Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(w + b * 32 + 32)), Vector512.Load(x + b * 32 + 32));
            a0 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(p0), Vector512.Create(d[b]), a0);
            a1 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(p1), Vector512.Create(d[b + 1]), a1);
        }
        for (; b < nb; b++)
        {
            var p = Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(w + b * 32)), Vector512.Load(x + b * 32));
            a0 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(p), Vector512.Create(d[b]), a0);
        }
        return Vector512.Sum(a0 + a1);
    }

    // A block's 16 bytes widen to 16 shorts; the low nibbles are weights 0..15 and the high ones 16..31, so the two
    // halves side by side line up with x's block in its natural order.
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static float DotInt4(byte* w, float* d, int nb, short* x)
    {
        var a0 = Vector512<float>.Zero; var a1 = a0;
        var low = Vector256.Create((short)0xF);
        var eight = Vector512.Create((short)8);
        int b = 0;
        for (; b + 2 <= nb; b += 2)
        {
            var v0 = Avx2.ConvertToVector256Int16(Vector128.Load(w + b * 16));
            var v1 = Avx2.ConvertToVector256Int16(Vector128.Load(w + b * 16 + 16));
            var q0 = Vector512.Create(v0 & low, Vector256.ShiftRightLogical(v0, 4)) - eight;
            var q1 = Vector512.Create(v1 & low, Vector256.ShiftRightLogical(v1, 4)) - eight;
            var p0 = Avx512BW.MultiplyAddAdjacent(q0, Vector512.Load(x + b * 32));
            var p1 = Avx512BW.MultiplyAddAdjacent(q1, Vector512.Load(x + b * 32 + 32));
            a0 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(p0), Vector512.Create(d[b]), a0);
            a1 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(p1), Vector512.Create(d[b + 1]), a1);
        }
        for (; b < nb; b++)
        {
            var v = Avx2.ConvertToVector256Int16(Vector128.Load(w + b * 16));
            var q = Vector512.Create(v & low, Vector256.ShiftRightLogical(v, 4)) - eight;
            var p = Avx512BW.MultiplyAddAdjacent(q, Vector512.Load(x + b * 32));
            a0 = Vector512.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(p), Vector512.Create(d[b]), a0);
        }
        return Vector512.Sum(a0 + a1);
    }

    private static float ScalarQuantizedDot(QuantizedMatrix w, int r, short* x)
    {
        float* d = w.Scales + (long)r * w.BlocksPerRow;
        float s = 0;
        for (int b = 0; b < w.BlocksPerRow; b++)
        {
            int sum = 0;
            for (int i = 0; i < QuantizedMatrix.BlockSize; i++) sum += w.Value(r, b * QuantizedMatrix.BlockSize + i) * x[b * QuantizedMatrix.BlockSize + i];
            s += sum * d[b];
        }
        return s;
    }
}
