// y = x·Wᵀ (+ b) for many input rows of fp32 weights (prefill, rollout-sized decode batches): a register-blocked GEMM.
// The input rows are packed transposed (xt[k][row], 64 rows to a block, zero past the last), and each micro-kernel
// holds six outputs × 64 rows (or twelve × 32) in 24 accumulators: per k one weight is broadcast per output and
// multiplied into the four (two) row vectors, 24 FMAs for 10 (14) loads, so the FMA units rather than the loads set the
// pace (the dot-product blocks of MatMul.Batched.cs need 8 loads per 16 FMAs plus a horizontal sum per output).
// Arithmetic: every output is one FMA chain over k in order, then + bias. It does not depend on the other rows, so a
// row's result is the same in any batch this path takes (rows >= GemmMinRows).
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace R1Sharp.Tensors.Kernels;

public static unsafe partial class MatMul
{
    /// <summary>Input rows from which an fp32 product takes the GEMM (measured: below it the dot-product blocks, which
    /// read each weight once per four rows, are as fast and need no packing).</summary>
    public const int GemmMinRows = 32;

    /// <summary>Input features from which an fp32 product takes the GEMM: narrower matrices (the tiny test models)
    /// cost more to pack than they gain.</summary>
    public const int GemmMinColumns = 256;

    /// <summary>Whether an fp32 product of <paramref name="rows"/> input rows over <paramref name="columns"/> features
    /// runs as a GEMM.</summary>
    public static bool UsesGemm(int rows, int columns) => rows >= GemmMinRows && columns >= GemmMinColumns;

    [ThreadStatic] private static float* t_pack;
    [ThreadStatic] private static long t_packFloats;

    /// <summary>
    /// <c>y[b, r] = Σₖ x[b, k]·W[r, k] (+ bias[r])</c> for fp32 W, <paramref name="batch"/> input rows of any count; each
    /// output an FMA chain over k in order. Output tiles are split over the pool.
    /// </summary>
    public static void Gemm(WeightMatrix w, float* x, int xStride, float* y, int yStride, int batch, KernelPool? pool = null)
    {
        if (w.Format != WeightFormat.F32) throw new ArgumentException("the GEMM takes fp32 weights", nameof(w));
        int k = w.Columns;
        float* xt = Pack(64L * k);
        for (int r0 = 0; r0 < batch; r0 += 64)
        {
            int rows = Math.Min(64, batch - r0);
            int lanes = rows <= 32 ? 32 : 64, tile = lanes == 64 ? 6 : 12;
            Transpose(x + (long)r0 * xStride, xStride, rows, k, xt, lanes);
            nint pxt = (nint)xt, py = (nint)(y + (long)r0 * yStride);
            (pool ?? KernelPool.Shared).Run((part, parts) =>
            {
                var (start, end) = KernelPool.Split(w.Rows, part, parts, tile);
                Tiles(w, (float*)pxt, lanes, tile, rows, (float*)py, yStride, start, end);
            }, (long)w.Rows * k * rows);
        }
    }

    // Outputs [start, end): full tiles through the micro-kernel, the rest one output at a time with the same chain.
    private static void Tiles(WeightMatrix w, float* xt, int lanes, int tile, int rows, float* y, int yStride, int start, int end)
    {
        int k = w.Columns;
        float* acc = stackalloc float[6 * 64 + 16];
        acc = (float*)(((nint)acc + 63) & ~(nint)63);
        int o = start;
        for (; o + tile <= end; o += tile)
        {
            new Span<float>(acc, 6 * 64).Clear();
            float* wo = (float*)w.Data + (long)o * k;
            if (lanes == 64) Kernel6x64(wo, k, xt, k, acc);
            else Kernel12x32(wo, k, xt, k, acc);
            Scatter(acc, lanes, tile, rows, w.Bias == null ? null : w.Bias + o, y + o, yStride);
        }
        for (; o < end; o++)
        {
            new Span<float>(acc, 64).Clear();
            Kernel1((float*)w.Data + (long)o * k, xt, lanes, k, acc);
            Scatter(acc, lanes, 1, rows, w.Bias == null ? null : w.Bias + o, y + o, yStride);
        }
    }

    // acc[j·lanes + r] (+ bias[j]) → y[r, j] for the tile's outputs j and the block's real rows r.
    private static void Scatter(float* acc, int lanes, int outputs, int rows, float* bias, float* y, int yStride)
    {
        for (int r = 0; r < rows; r++)
        {
            float* yr = y + (long)r * yStride;
            for (int j = 0; j < outputs; j++) yr[j] = acc[j * lanes + r] + (bias == null ? 0f : bias[j]);
        }
    }

    // xt[i·lanes + r] = x[r, i] for r < rows, 0 for rows..lanes−1.
    private static void Transpose(float* x, int xStride, int rows, int k, float* xt, int lanes)
    {
        if (rows < lanes)
            for (int i = 0; i < k; i++) new Span<float>(xt + (long)i * lanes + rows, lanes - rows).Clear();
        for (int r = 0; r < rows; r++)
        {
            float* xr = x + (long)r * xStride, col = xt + r;
            for (int i = 0; i < k; i++) col[(long)i * lanes] = xr[i];
        }
    }

    // A 64-byte aligned scratch block of at least `floats` for this thread, kept for the next call.
    private static float* Pack(long floats)
    {
        if (t_packFloats >= floats) return t_pack;
        if (t_pack != null) NativeMemory.AlignedFree(t_pack);
        t_pack = (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
        t_packFloats = floats;
        return t_pack;
    }

    // One output over `lanes` rows: the micro-kernels' chain, for the outputs past the last full tile.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel1(float* w, float* xt, int lanes, int k, float* acc)
    {
        for (int v = 0; v < lanes; v += 16)
        {
            var c = Vector512.Load(acc + v);
            for (int i = 0; i < k; i++) c = Vector512.FusedMultiplyAdd(Vector512.Create(w[i]), Vector512.Load(xt + (long)i * lanes + v), c);
            c.Store(acc + v);
        }
    }
}
