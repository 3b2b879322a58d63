// y = x·Wᵀ (+ b) for a few input rows: the decode step's projections. Weights are read once per call (4 weight rows
// at a time, then every input row against them from L1/L2; a batch-1 fp32 call one row at a time), so a batch-1 call
// streams the matrix at memory bandwidth; weights are fp32 or bf16 (widened in registers: a bf16 value is the top half
// of an fp32), activations and accumulation fp32.
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace R1Sharp.Tensors.Kernels;

/// <summary>Weight element types the managed kernels read.</summary>
public enum WeightFormat
{
    /// <summary>IEEE fp32.</summary>
    F32,
    /// <summary>bfloat16 (the upper 16 bits of an fp32).</summary>
    Bf16,
}

/// <summary>A row-major (rows, columns) weight matrix in native memory, with an optional fp32 bias per row.</summary>
public readonly unsafe struct WeightMatrix(void* data, WeightFormat format, int rows, int columns, float* bias = null)
{
    /// <summary>First element of row 0.</summary>
    public readonly void* Data = data;
    /// <summary>Element type.</summary>
    public readonly WeightFormat Format = format;
    /// <summary>Output features.</summary>
    public readonly int Rows = rows;
    /// <summary>Input features.</summary>
    public readonly int Columns = columns;
    /// <summary>fp32 bias per row, or null.</summary>
    public readonly float* Bias = bias;
}

/// <summary>Multi-row matrix–vector products on the <see cref="KernelPool"/>.</summary>
public static unsafe partial class MatMul
{
    /// <summary>Bytes ahead of each weight stream that the bf16 matvec prefetches: a bf16 0.5B decode (`r1 run`, 128
    /// tokens) went from 28.7 to 31.9 tok/s on average over eight alternating pairs of runs, faster in seven. The fp32
    /// and int8/int4 loops measured slower with it (f32 20.2 → 18.3, int4 50.1 → 48.6 tok/s, two pairs each) and do
    /// without.</summary>
    internal const int PrefetchBytes = 8192;
    /// <summary>Bytes ahead that a batch-1 fp32 matvec prefetches (non-temporal hint), reading one weight row at a time.
    /// Small and within this host's noise: on the 0.5B shape's matrices, probes of alternating runs gave paired step-time
    /// ratios of 0.95–1.0 against no prefetch (4 KB; 2 KB and 8 KB alike), and one row at a time 0.99 against four rows
    /// interleaved; `r1 run` (128 tokens, five alternating pairs) was faster with 4 KB in four.</summary>
    internal const int StreamPrefetchBytes = 4096;
    /// <summary>True where the kernels run vectorised (AVX-512 or equivalent 512-bit SIMD).</summary>
    public static bool IsAccelerated => Vector512.IsHardwareAccelerated;

    /// <summary>
    /// <c>y[b, r] = Σₖ x[b, k]·W[r, k] (+ bias[r])</c> for b in 0..<paramref name="batch"/>−1, x rows
    /// <paramref name="xStride"/> floats apart, y rows <paramref name="yStride"/> apart. Splits W's rows over the pool.
    /// </summary>
    public static void Run(WeightMatrix w, float* x, int xStride, float* y, int yStride, int batch, KernelPool? pool = null)
    {
        if (w.Format == WeightFormat.F32 && UsesGemm(batch, w.Columns))
        {
            Gemm(w, x, xStride, y, yStride, batch, pool);
            return;
        }
        // bf16: x is handed to the row kernels de-interleaved (see Deinterleave), so a weight load needs no shuffle.
        float[]? split = w.Format == WeightFormat.Bf16 ? ArrayPool<float>.Shared.Rent(batch * w.Columns) : null;
        try
        {
            fixed (float* xs = split)
            {
                if (xs != null)
                    for (int b = 0; b < batch; b++) Deinterleave(x + (long)b * xStride, w.Columns, xs + (long)b * w.Columns);
                nint px = (nint)x, pxs = (nint)xs, py = (nint)y;
                (pool ?? KernelPool.Shared).Run((part, parts) =>
                {
                    var (start, end) = KernelPool.Split(w.Rows, part, parts, 4);
                    Rows(w, (float*)px, xStride, (float*)pxs, (float*)py, yStride, batch, start, end);
                }, (long)w.Rows * w.Columns * batch);
            }
        }
        finally
        {
            if (split is not null) ArrayPool<float>.Shared.Return(split);
        }
    }

    /// <summary>
    /// Each full block of 32 values as its 16 even-indexed values, then its 16 odd-indexed ones; the tail is copied as
    /// is. A 512-bit load of 32 bf16 weights holds weight 2j in the low and 2j+1 in the high half of lane j, so
    /// <c>lane &lt;&lt; 16</c> and <c>lane &amp; 0xFFFF0000</c> are the even and odd weights as fp32, matching these halves.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Deinterleave(float* x, int n, float* output)
    {
        int i = 0;
        for (; i + 32 <= n; i += 32)
            for (int j = 0; j < 16; j++)
            {
                output[i + j] = x[i + 2 * j];
                output[i + 16 + j] = x[i + 2 * j + 1];
            }
        for (; i < n; i++) output[i] = x[i];
    }

    /// <summary>Rows [<paramref name="start"/>, <paramref name="end"/>) of <see cref="Run(WeightMatrix, float*, int, float*, int, int, KernelPool?)"/> on the calling thread;
    /// <paramref name="split"/> holds x de-interleaved (<see cref="Deinterleave"/>, rows <c>Columns</c> apart) for bf16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows(WeightMatrix w, float* x, int xStride, float* split, float* y, int yStride, int batch, int start, int end)
    {
        int k = w.Columns, r = start;
        if (batch == 1 && w.Format == WeightFormat.F32)
        {
            // One weight row at a time, so each thread reads one sequential stream, with a non-temporal prefetch
            // StreamPrefetchBytes ahead. Each output is the same FMA chain as Dot4F32's, so batch-1 results equal the
            // batched ones bit for bit.
            for (; r < end; r++)
            {
                float s = DotStreaming((float*)w.Data + (long)r * k, x, k);
                y[r] = w.Bias != null ? s + w.Bias[r] : s;
            }
            return;
        }
        for (; r + 4 <= end; r += 4)
        {
            int b = 0;
            if (w.Format == WeightFormat.F32)
                for (; b + 4 <= batch; b += 4)
                    Block4x4F32((float*)w.Data + (long)r * k, k, x + (long)b * xStride, xStride, y + (long)b * yStride + r, yStride,
                        w.Bias == null ? null : w.Bias + r);
            for (; b < batch; b++)
            {
                float* xb = x + (long)b * xStride;
                var (s0, s1, s2, s3) = w.Format == WeightFormat.F32
                    ? Dot4F32((float*)w.Data + (long)r * k, k, xb)
                    : Dot4Bf16((ushort*)w.Data + (long)r * k, k, xb, split + (long)b * k);
                float* yb = y + (long)b * yStride + r;
                if (w.Bias != null) { s0 += w.Bias[r]; s1 += w.Bias[r + 1]; s2 += w.Bias[r + 2]; s3 += w.Bias[r + 3]; }
                yb[0] = s0; yb[1] = s1; yb[2] = s2; yb[3] = s3;
            }
        }
        for (; r < end; r++)
            for (int b = 0; b < batch; b++)
            {
                float* xb = x + (long)b * xStride;
                float s = w.Format == WeightFormat.F32 ? Dot((float*)w.Data + (long)r * k, xb, k) : DotBf16((ushort*)w.Data + (long)r * k, xb, k);
                y[(long)b * yStride + r] = s + (w.Bias != null ? w.Bias[r] : 0f);
            }
    }

    // Four consecutive weight rows (k apart) dotted with x: four independent FMA chains share each load of x.
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static (float, float, float, float) Dot4F32(float* w0, int k, float* x)
    {
        float* w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
        var a0 = Vector512<float>.Zero; var a1 = a0; var a2 = a0; var a3 = a0;
        int i = 0;
        for (; i + 16 <= k; i += 16)
        {
            var xv = Vector512.Load(x + i);
            a0 = Vector512.FusedMultiplyAdd(Vector512.Load(w0 + i), xv, a0);
            a1 = Vector512.FusedMultiplyAdd(Vector512.Load(w1 + i), xv, a1);
            a2 = Vector512.FusedMultiplyAdd(Vector512.Load(w2 + i), xv, a2);
            a3 = Vector512.FusedMultiplyAdd(Vector512.Load(w3 + i), xv, a3);
        }
        float s0 = Vector512.Sum(a0), s1 = Vector512.Sum(a1), s2 = Vector512.Sum(a2), s3 = Vector512.Sum(a3);
        for (; i < k; i++) { s0 += w0[i] * x[i]; s1 += w1[i] * x[i]; s2 += w2[i] * x[i]; s3 += w3[i] * x[i]; }
        return (s0, s1, s2, s3);
    }

    // Even and odd weights accumulate separately, so each accumulator's chain is one FMA per 32 weights.
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static (float, float, float, float) Dot4Bf16(ushort* w0, int k, float* x, float* split)
    {
        ushort* w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
        var e0 = Vector512<float>.Zero; var e1 = e0; var e2 = e0; var e3 = e0;
        var o0 = e0; var o1 = e0; var o2 = e0; var o3 = e0;
        var high = Vector512.Create(0xFFFF0000u);
        int i = 0;
        for (; i + 32 <= k; i += 32)
        {
            Prefetch(w0 + i, w1 + i, w2 + i, w3 + i);
            var even = Vector512.Load(split + i);
            var odd = Vector512.Load(split + i + 16);
            var l0 = Vector512.Load((uint*)(w0 + i));
            var l1 = Vector512.Load((uint*)(w1 + i));
            var l2 = Vector512.Load((uint*)(w2 + i));
            var l3 = Vector512.Load((uint*)(w3 + i));
            e0 = Vector512.FusedMultiplyAdd(Vector512.ShiftLeft(l0, 16).AsSingle(), even, e0);
            e1 = Vector512.FusedMultiplyAdd(Vector512.ShiftLeft(l1, 16).AsSingle(), even, e1);
            e2 = Vector512.FusedMultiplyAdd(Vector512.ShiftLeft(l2, 16).AsSingle(), even, e2);
            e3 = Vector512.FusedMultiplyAdd(Vector512.ShiftLeft(l3, 16).AsSingle(), even, e3);
            o0 = Vector512.FusedMultiplyAdd((l0 & high).AsSingle(), odd, o0);
            o1 = Vector512.FusedMultiplyAdd((l1 & high).AsSingle(), odd, o1);
            o2 = Vector512.FusedMultiplyAdd((l2 & high).AsSingle(), odd, o2);
            o3 = Vector512.FusedMultiplyAdd((l3 & high).AsSingle(), odd, o3);
        }
        float s0 = Vector512.Sum(e0 + o0), s1 = Vector512.Sum(e1 + o1), s2 = Vector512.Sum(e2 + o2), s3 = Vector512.Sum(e3 + o3);
        for (; i < k; i++)
        {
            s0 += Bf16.ToSingle(w0[i]) * x[i]; s1 += Bf16.ToSingle(w1[i]) * x[i];
            s2 += Bf16.ToSingle(w2[i]) * x[i]; s3 += Bf16.ToSingle(w3[i]) * x[i];
        }
        return (s0, s1, s2, s3);
    }

    // The cache line PrefetchBytes ahead of each of four bf16 weight streams (64 bytes of each are read per loop step).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch(void* w0, void* w1, void* w2, void* w3)
    {
        if (!Sse.IsSupported) return;
        Sse.Prefetch0((byte*)w0 + PrefetchBytes);
        Sse.Prefetch0((byte*)w1 + PrefetchBytes);
        Sse.Prefetch0((byte*)w2 + PrefetchBytes);
        Sse.Prefetch0((byte*)w3 + PrefetchBytes);
    }

    /// <summary>Σ a[i]·b[i] over fp32 vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot(float* a, float* b, int n) => DotCore(a, b, n, streaming: false);

    /// <summary><see cref="Dot"/> (the same arithmetic) for a stream of weight rows <paramref name="a"/>: prefetches
    /// <see cref="StreamPrefetchBytes"/> ahead with the non-temporal hint.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float DotStreaming(float* a, float* b, int n) => DotCore(a, b, n, streaming: true);

    // Dot's loop; `streaming` is a constant at both call sites, so each inlined copy keeps or drops the prefetch.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float DotCore(float* a, float* b, int n, bool streaming)
    {
        var acc = Vector512<float>.Zero;
        int i = 0;
        for (; i + 16 <= n; i += 16)
        {
            if (streaming && Sse.IsSupported) Sse.PrefetchNonTemporal((byte*)(a + i) + StreamPrefetchBytes);
            acc = Vector512.FusedMultiplyAdd(Vector512.Load(a + i), Vector512.Load(b + i), acc);
        }
        float s = Vector512.Sum(acc);
        for (; i < n; i++) s += a[i] * b[i];
        return s;
    }

    /// <summary>Σ bf16(a[i])·b[i].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float DotBf16(ushort* a, float* b, int n)
    {
        var acc = Vector512<float>.Zero;
        int i = 0;
        for (; i + 16 <= n; i += 16) acc = Vector512.FusedMultiplyAdd(Bf16.Load16(a + i), Vector512.Load(b + i), acc);
        float s = Vector512.Sum(acc);
        for (; i < n; i++) s += Bf16.ToSingle(a[i]) * b[i];
        return s;
    }
}

/// <summary>bfloat16 ↔ fp32 conversions (round to nearest even, NaN kept quiet), as torch's <c>to(bfloat16)</c>.</summary>
public static class Bf16
{
    /// <summary>The fp32 value of a bf16 bit pattern.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ToSingle(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);

    /// <summary>16 consecutive bf16 values as fp32 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe Vector512<float> Load16(ushort* v) =>
        Vector512.ShiftLeft(Vector512.WidenLower(Vector256.Load(v).ToVector512()), 16).AsSingle();

    /// <summary>The nearest bf16 (ties to even) of <paramref name="value"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort FromSingle(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value)) return (ushort)((bits >> 16) | 0x40);
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }
}
