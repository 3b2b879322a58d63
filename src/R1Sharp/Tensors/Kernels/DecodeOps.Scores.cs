// Attention scores sixteen slots at a time for heads of 64 or 128 dimensions (Qwen2.5, R1-Distill, Llama): each slot's
// products stay a 16-lane vector, and the sixteen vectors of a block are summed lane-wise together by a transpose-add
// tree (30 shuffles and 15 adds) instead of one horizontal sum per slot (about 8 ops each, which made the scores most
// of a rollout step's attention). The key is read from cache memory once per query head, as before.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace R1Sharp.Tensors.Kernels;

public static unsafe partial class DecodeOps
{
    // Whether Scores takes the 16-slot blocks for this key size.
    private static bool BlockScores(int keyDim) => (keyDim == 64 || keyDim == 128) && Avx512F.IsSupported;

    // scores[s] = scale·q·k[s] for `length` slots from slot0 (invalid ones −∞), 16 slots per block, the rest one by one.
    // Slot s + j's products go to a[4·(j % 4) + j / 4], so the tree's output lane j is slot s + j.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScoresBlocked(float* q, CacheView c, void* keys, long slot0, bool* valid, int length, float scale, float* scores)
    {
        int dim = c.KeyDim;
        bool f32 = c.Format == WeightFormat.F32;
        if (f32 && dim == 64) { ScoresBlocked64(q, (float*)keys, slot0, valid, length, scale, scores); return; }
        var sv = Vector512.Create(scale);
        int s = 0;
        for (; s + 16 <= length; s += 16)
        {
            long at = (slot0 + s) * dim;
            var a0 = f32 ? Dot64s((float*)keys + at + 0 * dim, q, dim) : Dot64sBf16((ushort*)keys + at + 0 * dim, q, dim);
            var a4 = f32 ? Dot64s((float*)keys + at + 1 * dim, q, dim) : Dot64sBf16((ushort*)keys + at + 1 * dim, q, dim);
            var a8 = f32 ? Dot64s((float*)keys + at + 2 * dim, q, dim) : Dot64sBf16((ushort*)keys + at + 2 * dim, q, dim);
            var a12 = f32 ? Dot64s((float*)keys + at + 3 * dim, q, dim) : Dot64sBf16((ushort*)keys + at + 3 * dim, q, dim);
            var a1 = f32 ? Dot64s((float*)keys + at + 4 * dim, q, dim) : Dot64sBf16((ushort*)keys + at + 4 * dim, q, dim);
            var a5 = f32 ? Dot64s((float*)keys + at + 5 * dim, q, dim) : Dot64sBf16((ushort*)keys + at + 5 * dim, q, dim);
            var a9 = f32 ? Dot64s((float*)keys + at + 6 * dim, q, dim) : Dot64sBf16((ushort*)keys + at + 6 * dim, q, dim);
            var a13 = f32 ? Dot64s((float*)keys + at + 7 * dim, q, dim) : Dot64sBf16((ushort*)keys + at + 7 * dim, q, dim);
            var a2 = f32 ? Dot64s((float*)keys + at + 8 * dim, q, dim) : Dot64sBf16((ushort*)keys + at + 8 * dim, q, dim);
            var a6 = f32 ? Dot64s((float*)keys + at + 9 * dim, q, dim) : Dot64sBf16((ushort*)keys + at + 9 * dim, q, dim);
            var a10 = f32 ? Dot64s((float*)keys + at + 10 * dim, q, dim) : Dot64sBf16((ushort*)keys + at + 10 * dim, q, dim);
            var a14 = f32 ? Dot64s((float*)keys + at + 11 * dim, q, dim) : Dot64sBf16((ushort*)keys + at + 11 * dim, q, dim);
            var a3 = f32 ? Dot64s((float*)keys + at + 12 * dim, q, dim) : Dot64sBf16((ushort*)keys + at + 12 * dim, q, dim);
            var a7 = f32 ? Dot64s((float*)keys + at + 13 * dim, q, dim) : Dot64sBf16((ushort*)keys + at + 13 * dim, q, dim);
            var a11 = f32 ? Dot64s((float*)keys + at + 14 * dim, q, dim) : Dot64sBf16((ushort*)keys + at + 14 * dim, q, dim);
            var a15 = f32 ? Dot64s((float*)keys + at + 15 * dim, q, dim) : Dot64sBf16((ushort*)keys + at + 15 * dim, q, dim);
            (SumLanes16(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15) * sv).Store(scores + s);
        }
        for (; s < length; s++)
        {
            long at = (slot0 + s) * dim;
            var v = f32 ? Dot64s((float*)keys + at, q, dim) : Dot64sBf16((ushort*)keys + at, q, dim);
            scores[s] = scale * Vector512.Sum(v);
        }
        if (valid != null)
            for (int i = 0; i < length; i++)
                if (!valid[i]) scores[i] = float.NegativeInfinity;
    }

    // The fp32, 64-dimension case of ScoresBlocked (Qwen2.5's heads) with q held in four registers.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScoresBlocked64(float* q, float* keys, long slot0, bool* valid, int length, float scale, float* scores)
    {
        var q0 = Vector512.Load(q); var q1 = Vector512.Load(q + 16); var q2 = Vector512.Load(q + 32); var q3 = Vector512.Load(q + 48);
        var sv = Vector512.Create(scale);
        int s = 0;
        for (; s + 16 <= length; s += 16)
        {
            float* k = keys + (slot0 + s) * 64;
            var a0 = Dot64(k + 0, q0, q1, q2, q3);
            var a4 = Dot64(k + 64, q0, q1, q2, q3);
            var a8 = Dot64(k + 128, q0, q1, q2, q3);
            var a12 = Dot64(k + 192, q0, q1, q2, q3);
            var a1 = Dot64(k + 256, q0, q1, q2, q3);
            var a5 = Dot64(k + 320, q0, q1, q2, q3);
            var a9 = Dot64(k + 384, q0, q1, q2, q3);
            var a13 = Dot64(k + 448, q0, q1, q2, q3);
            var a2 = Dot64(k + 512, q0, q1, q2, q3);
            var a6 = Dot64(k + 576, q0, q1, q2, q3);
            var a10 = Dot64(k + 640, q0, q1, q2, q3);
            var a14 = Dot64(k + 704, q0, q1, q2, q3);
            var a3 = Dot64(k + 768, q0, q1, q2, q3);
            var a7 = Dot64(k + 832, q0, q1, q2, q3);
            var a11 = Dot64(k + 896, q0, q1, q2, q3);
            var a15 = Dot64(k + 960, q0, q1, q2, q3);
            (SumLanes16(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15) * sv).Store(scores + s);
        }
        for (; s < length; s++) scores[s] = scale * Vector512.Sum(Dot64(keys + (slot0 + s) * 64, q0, q1, q2, q3));
        if (valid != null)
            for (int i = 0; i < length; i++)
                if (!valid[i]) scores[i] = float.NegativeInfinity;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Dot64(float* k, Vector512<float> q0, Vector512<float> q1, Vector512<float> q2, Vector512<float> q3) =>
        Vector512.FusedMultiplyAdd(Vector512.Load(k + 48), q3, Vector512.FusedMultiplyAdd(Vector512.Load(k + 32), q2,
            Vector512.FusedMultiplyAdd(Vector512.Load(k + 16), q1, Vector512.Load(k) * q0)));

    // Lane-wise products of a key (64 or 128 dims) with q, summed over the dims' 16-lane chunks.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Dot64s(float* k, float* q, int dim)
    {
        var a = Vector512.Load(k) * Vector512.Load(q);
        a = Vector512.FusedMultiplyAdd(Vector512.Load(k + 16), Vector512.Load(q + 16), a);
        a = Vector512.FusedMultiplyAdd(Vector512.Load(k + 32), Vector512.Load(q + 32), a);
        a = Vector512.FusedMultiplyAdd(Vector512.Load(k + 48), Vector512.Load(q + 48), a);
        if (dim == 128)
            for (int d = 64; d < 128; d += 16) a = Vector512.FusedMultiplyAdd(Vector512.Load(k + d), Vector512.Load(q + d), a);
        return a;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Dot64sBf16(ushort* k, float* q, int dim)
    {
        var a = Bf16.Load16(k) * Vector512.Load(q);
        for (int d = 16; d < dim; d += 16) a = Vector512.FusedMultiplyAdd(Bf16.Load16(k + d), Vector512.Load(q + d), a);
        return a;
    }

    /// <summary>
    /// Lane 4q + l of the result is the sum of the 16 lanes of a[4l + q]: 128-bit quarters are folded pairwise across
    /// vectors (two levels), then 32-bit pairs within quarters (two levels).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> SumLanes16(Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3,
        Vector512<float> a4, Vector512<float> a5, Vector512<float> a6, Vector512<float> a7, Vector512<float> a8, Vector512<float> a9,
        Vector512<float> a10, Vector512<float> a11, Vector512<float> a12, Vector512<float> a13, Vector512<float> a14, Vector512<float> a15)
    {
        // quarters 0+2, 1+3 of the first vector (lanes 0..7) and of the second (lanes 8..15)
        var c0 = Fold256(a0, a1); var c1 = Fold256(a2, a3); var c2 = Fold256(a4, a5); var c3 = Fold256(a6, a7);
        var c4 = Fold256(a8, a9); var c5 = Fold256(a10, a11); var c6 = Fold256(a12, a13); var c7 = Fold256(a14, a15);
        // quarter j of e[i] holds four partial sums of a[4i + j]
        var e0 = Fold128(c0, c1); var e1 = Fold128(c2, c3); var e2 = Fold128(c4, c5); var e3 = Fold128(c6, c7);
        var g0 = FoldPairs(e0, e1); var g1 = FoldPairs(e2, e3);
        return FoldPairs(g0, g1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Fold256(Vector512<float> a, Vector512<float> b) =>
        Avx512F.Shuffle4x128(a, b, 0b01_00_01_00) + Avx512F.Shuffle4x128(a, b, 0b11_10_11_10);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Fold128(Vector512<float> c, Vector512<float> d) =>
        Avx512F.Shuffle4x128(c, d, 0b10_00_10_00) + Avx512F.Shuffle4x128(c, d, 0b11_01_11_01);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> FoldPairs(Vector512<float> e, Vector512<float> f) =>
        Avx512F.Shuffle(e, f, 0b10_00_10_00) + Avx512F.Shuffle(e, f, 0b11_01_11_01);
}
