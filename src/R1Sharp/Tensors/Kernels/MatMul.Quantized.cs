// y = x·Wᵀ (+ b) for a QuantizedMatrix W. Each input row is rounded once to int16 with one scale (max|x| / 32767: 15
// bits, so the activations add almost no error, unlike Q8_0's 8-bit activation blocks); per weight block, 32 int8 (or
// unpacked int4) weights widen to int16, vpmaddwd sums their products with x in 16 int32 lanes, and the lanes are
// converted and added with the block's scale: y = x_scale · Σ_blocks d_block · Σ q·x_q, plus for int4's offsets
// x_scale · Σ_blocks m_block · Σ x_q, with the blocks' Σ x_q taken once per input row.
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
        // int4 rows are read in block pairs, so x is stored padded to whole pairs (see PairBlocks).
        int k = w.Format == QuantFormat.Int4 ? (w.BlocksPerRow + 1) / 2 * 64 : w.Columns, nb = w.BlocksPerRow;
        short[] quantized = ArrayPool<short>.Shared.Rent(batch * k);
        short[] row = ArrayPool<short>.Shared.Rent(w.Columns);
        float[] scales = ArrayPool<float>.Shared.Rent(batch);
        float[] sums = ArrayPool<float>.Shared.Rent(batch * (nb + 16));
        try
        {
            fixed (short* xq = quantized, tmp = row)
            fixed (float* xs = scales, corrections = sums)
            {
                for (int b = 0; b < batch; b++)
                {
                    if (w.Format == QuantFormat.Int8) xs[b] = QuantizeRow(x + (long)b * xStride, k, xq + (long)b * k);
                    else
                    {
                        xs[b] = QuantizeRow(x + (long)b * xStride, w.Columns, tmp);
                        PairBlocks(tmp, nb, xq + (long)b * k, corrections + (long)b * (nb + 16));
                    }
                }
                nint pq = (nint)xq, ps = (nint)xs, py = (nint)y, pb = (nint)bias, pc = (nint)corrections;
                (pool ?? KernelPool.Shared).Run((part, parts) =>
                {
                    var (start, end) = KernelPool.Split(w.Rows, part, parts, 4);
                    QuantizedRows(w, (float*)pb, (short*)pq, k, (float*)ps, (float*)pc, (float*)py, yStride, batch, start, end);
                }, (long)w.Rows * w.Columns * batch);
                GC.KeepAlive(w);
            }
        }
        finally
        {
            ArrayPool<short>.Shared.Return(quantized);
            ArrayPool<short>.Shared.Return(row);
            ArrayPool<float>.Shared.Return(scales);
            ArrayPool<float>.Shared.Return(sums);
        }
    }

    /// <summary>Rounds <paramref name="n"/> values to int16 with scale max|x| / 32767 (returned; 0 for a zero row).
    /// Vectorised with the scalar loop's results (round to nearest even): with PairBlocks' block sums vectorised too,
    /// 0.98 × the int4 decode step time of the 0.5B shape, int8 0.99 × (medians of 60 paired 8-step runs).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float QuantizeRow(float* x, int n, short* output)
    {
        float amax = 0;
        int i = 0;
        if (Avx512F.IsSupported)
        {
            var m = Vector512<float>.Zero;
            for (; i + 16 <= n; i += 16) m = Vector512.Max(m, Vector512.Abs(Vector512.Load(x + i)));
            amax = QuantizedMatrix.MaxLane(m);
        }
        for (; i < n; i++) amax = MathF.Max(amax, MathF.Abs(x[i]));
        float scale = amax / 32767, inverse = scale != 0 ? 1 / scale : 0;
        i = 0;
        if (Avx512F.IsSupported)
        {
            var inv = Vector512.Create(inverse);
            // round to nearest even, as MathF.Round; |x·inverse| ≤ 32767, so the saturating int32 → int16 narrowing is exact
            for (; i + 16 <= n; i += 16)
                Avx512F.ConvertToVector256Int16WithSaturation(Avx512F.ConvertToVector512Int32(Vector512.Load(x + i) * inv)).Store(output + i);
        }
        for (; i < n; i++) output[i] = (short)MathF.Round(x[i] * inverse);
        return scale;
    }

    // int4: block pairs (2p, 2p+1) of x as [x₂ₚ[0..15], x₂ₚ₊₁[0..15], x₂ₚ[16..31], x₂ₚ₊₁[16..31]] (a missing last block
    // as zeros), matching a pair's 32 bytes widened to shorts, low nibbles then high ones; and Σ x / 256 per block, which
    // times d·offset is the block's m·Σ x (padded with 16 zeros for the vector dot with the offsets).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PairBlocks(short* x, int nb, short* output, float* corrections)
    {
        for (int p = 0; p < (nb + 1) / 2; p++)
            for (int half = 0; half < 2; half++)
                for (int side = 0; side < 2; side++)
                {
                    int block = 2 * p + side;
                    short* to = output + p * 64 + half * 32 + side * 16;
                    if (block < nb) new ReadOnlySpan<short>(x + block * 32 + half * 16, 16).CopyTo(new Span<short>(to, 16));
                    else new Span<short>(to, 16).Clear();
                }
        var ones = Vector512.Create((short)1);
        for (int b = 0; b < nb + 16; b++)
        {
            int sum = 0;
            if (b < nb)
            {
                if (Avx512BW.IsSupported) sum = Vector512.Sum(Avx512BW.MultiplyAddAdjacent(Vector512.Load(x + b * 32), ones));
                else for (int i = 0; i < 32; i++) sum += x[b * 32 + i];
            }
            corrections[b] = sum * QuantizedMatrix.OffsetUnit;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void QuantizedRows(QuantizedMatrix w, float* bias, short* xq, int k, float* xs, float* corrections, float* y, int yStride, int batch, int start, int end)
    {
        int nb = w.BlocksPerRow, r = start;
        bool int8 = w.Format == QuantFormat.Int8;
        // Long rows (x of over 16 KB, e.g. a 7B down_proj's 18,944 columns): four rows share each load of x, which no
        // longer stays in L1 (46 vs 34 G weights/s interleaved on 7168 × 18944); shorter rows go faster one at a time
        // (54 vs 41 on 37888 × 3584).
        if (int8 && IsQuantizedAccelerated && w.Columns > LongRowColumns)
            for (; r + 4 <= end; r += 4)
            {
                byte* row = w.Data + (long)r * w.RowBytes;
                float* d = w.Scales + (long)r * nb;
                for (int b = 0; b < batch; b++)
                {
                    var (s0, s1, s2, s3) = Dot4Int8((sbyte*)row, w.RowBytes, d, nb, xq + (long)b * k);
                    float* yb = y + (long)b * yStride + r;
                    yb[0] = s0 * xs[b] + (bias != null ? bias[r] : 0f);
                    yb[1] = s1 * xs[b] + (bias != null ? bias[r + 1] : 0f);
                    yb[2] = s2 * xs[b] + (bias != null ? bias[r + 2] : 0f);
                    yb[3] = s3 * xs[b] + (bias != null ? bias[r + 3] : 0f);
                }
            }
        for (; r < end; r++)
        {
            byte* row = w.Data + (long)r * w.RowBytes;
            float* d = int8 ? w.Scales + (long)r * nb : null;
            int b = 0;
            if (int8 && IsQuantizedAccelerated)
                for (; b + 4 <= batch; b += 4)
                {
                    var (s0, s1, s2, s3) = DotInt8x4((sbyte*)row, d, nb, xq + (long)b * k, k);
                    float add = bias != null ? bias[r] : 0f;
                    y[(long)b * yStride + r] = s0 * xs[b] + add;
                    y[(long)(b + 1) * yStride + r] = s1 * xs[b + 1] + add;
                    y[(long)(b + 2) * yStride + r] = s2 * xs[b + 2] + add;
                    y[(long)(b + 3) * yStride + r] = s3 * xs[b + 3] + add;
                }
            for (; b < batch; b++)
            {
                float s = !IsQuantizedAccelerated ? ScalarQuantizedDot(w, r, xq + (long)b * k, int8)
                    : int8 ? DotInt8((sbyte*)row, d, nb, xq + (long)b * k)
                    : DotInt4(row, w.Int4Scales + (long)r * nb, w.Int4Offsets + (long)r * nb, corrections + (long)b * (nb + 16), nb, xq + (long)b * k);
                y[(long)b * yStride + r] = s * xs[b] + (bias != null ? bias[r] : 0f);
            }
        }
    }

    /// <summary>Columns above which int8 rows are read four at a time.</summary>
    internal const int LongRowColumns = 8192;

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static (float, float, float, float) Dot4Int8(sbyte* w0, int rowBytes, float* d0, int nb, short* x)
    {
        sbyte* w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
        float* d1 = d0 + nb, d2 = d1 + nb, d3 = d2 + nb;
        var a0 = Vector512<float>.Zero; var a1 = a0; var a2 = a0; var a3 = a0;
        for (int b = 0; b < nb; b++)
        {
            var xv = Vector512.Load(x + b * 32);
            a0 = Vector512.FusedMultiplyAdd(Int8Block(w0 + b * 32, xv), Vector512.Create(d0[b]), a0);
            a1 = Vector512.FusedMultiplyAdd(Int8Block(w1 + b * 32, xv), Vector512.Create(d1[b]), a1);
            a2 = Vector512.FusedMultiplyAdd(Int8Block(w2 + b * 32, xv), Vector512.Create(d2[b]), a2);
            a3 = Vector512.FusedMultiplyAdd(Int8Block(w3 + b * 32, xv), Vector512.Create(d3[b]), a3);
        }
        return (Vector512.Sum(a0), Vector512.Sum(a1), Vector512.Sum(a2), Vector512.Sum(a3));
    }

    // One block's sums of q·x pairs as 16 float lanes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Int8Block(sbyte* w, Vector512<short> x) =>
        Avx512F.ConvertToVector512Single(Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(w)), x));

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

    // Two blocks per step: their 32 bytes widen to 32 shorts; the low nibbles line up with the pair's first halves of x
    // and the high ones with the second halves (PairBlocks), so lanes 0–7 hold block 2p's sums and 8–15 block 2p+1's,
    // scaled by [d₂ₚ ×8, d₂ₚ₊₁ ×8]: eight pairs take their 16 bf16 scales in one load and each pair its scale vector by
    // one permute (the last 1–7 pairs too, from 16 scales loaded at their first: 0.95 × the 0.5B decode step time
    // against two broadcasts and an insert per pair, median of 60 paired 8-step runs; 896-column rows have 14 pairs, 6
    // of them past the first eight). Pairs alternate between two FMA chains. The blocks' offsets, Σ d[b]·offset[b]·c[b]
    // with c = Σ x / 256 per block (zero-padded past nb; d and offset may be read past the row: the arrays have slack
    // and the next row's values are finite), join the second chain, so a row takes one horizontal sum. Against
    // two-broadcast scales and a separate offset sum: decode steps of the 0.5B shape 0.89 × the time (median of 40
    // paired 8-step runs; permute alone 0.90–0.92 ×, merged offsets alone 0.95–0.98 ×).
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static float DotInt4(byte* w, ushort* d, short* offset, float* c, int nb, short* x)
    {
        var a0 = Vector512<float>.Zero; var a1 = a0;
        int pairs = (nb + 1) / 2, p = 0;
        for (; p + 8 <= pairs; p += 8)
        {
            var s = Bf16.Load16(d + 2 * p);
            a0 = Vector512.FusedMultiplyAdd(Int4Pair(w, x, p), Avx512F.PermuteVar16x32(s, Vector512.Create(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1)), a0);
            a1 = Vector512.FusedMultiplyAdd(Int4Pair(w, x, p + 1), Avx512F.PermuteVar16x32(s, Vector512.Create(2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3)), a1);
            a0 = Vector512.FusedMultiplyAdd(Int4Pair(w, x, p + 2), Avx512F.PermuteVar16x32(s, Vector512.Create(4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5)), a0);
            a1 = Vector512.FusedMultiplyAdd(Int4Pair(w, x, p + 3), Avx512F.PermuteVar16x32(s, Vector512.Create(6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7)), a1);
            a0 = Vector512.FusedMultiplyAdd(Int4Pair(w, x, p + 4), Avx512F.PermuteVar16x32(s, Vector512.Create(8, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 9)), a0);
            a1 = Vector512.FusedMultiplyAdd(Int4Pair(w, x, p + 5), Avx512F.PermuteVar16x32(s, Vector512.Create(10, 10, 10, 10, 10, 10, 10, 10, 11, 11, 11, 11, 11, 11, 11, 11)), a1);
            a0 = Vector512.FusedMultiplyAdd(Int4Pair(w, x, p + 6), Avx512F.PermuteVar16x32(s, Vector512.Create(12, 12, 12, 12, 12, 12, 12, 12, 13, 13, 13, 13, 13, 13, 13, 13)), a0);
            a1 = Vector512.FusedMultiplyAdd(Int4Pair(w, x, p + 7), Avx512F.PermuteVar16x32(s, Vector512.Create(14, 14, 14, 14, 14, 14, 14, 14, 15, 15, 15, 15, 15, 15, 15, 15)), a1);
        }
        if (p < pairs) // the last 1–7 pairs: the same permutes of their 16 scales, the index advanced by 2 per pair
        {
            var s = Bf16.Load16(d + 2 * p);
            var at = Vector512.Create(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
            var two = Vector512.Create(2);
            for (; p + 2 <= pairs; p += 2)
            {
                a0 = Vector512.FusedMultiplyAdd(Int4Pair(w, x, p), Avx512F.PermuteVar16x32(s, at), a0);
                at += two;
                a1 = Vector512.FusedMultiplyAdd(Int4Pair(w, x, p + 1), Avx512F.PermuteVar16x32(s, at), a1);
                at += two;
            }
            if (p < pairs) a0 = Vector512.FusedMultiplyAdd(Int4Pair(w, x, p), Avx512F.PermuteVar16x32(s, at), a0);
        }
        for (int b = 0; b < nb; b += 16)
        {
            var m = Bf16.Load16(d + b) * Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector256.Load(offset + b)));
            a1 = Vector512.FusedMultiplyAdd(m, Vector512.Load(c + b), a1);
        }
        return Vector512.Sum(a0 + a1);
    }

    // Pair p's 16 + 16 block sums Σ q·x (q = stored nibble) as floats.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Int4Pair(byte* w, short* x, int p)
    {
        var v = Avx512BW.ConvertToVector512Int16(Vector256.Load(w + p * 32));
        var sums = Avx512BW.MultiplyAddAdjacent(v & Vector512.Create((short)0xF), Vector512.Load(x + p * 64))
            + Avx512BW.MultiplyAddAdjacent(Vector512.ShiftRightLogical(v, 4), Vector512.Load(x + p * 64 + 32));
        return Avx512F.ConvertToVector512Single(sums);
    }

    private static float ScalarQuantizedDot(QuantizedMatrix w, int r, short* x, bool int8)
    {
        float s = 0;
        for (int b = 0; b < w.BlocksPerRow; b++)
        {
            int sum = 0, sumX = 0;
            for (int i = 0; i < QuantizedMatrix.BlockSize; i++)
            {
                // int4 activations are in PairBlocks order: block b is side b % 2 of pair b / 2, halves 32 shorts apart.
                int at = int8 ? b * 32 + i : b / 2 * 64 + i / 16 * 32 + b % 2 * 16 + i % 16;
                sum += w.Value(r, b * QuantizedMatrix.BlockSize + i) * x[at];
                sumX += x[at];
            }
            s += sum * w.Scale(r, b) + sumX * w.Offset(r, b);
        }
        return s;
    }
}
