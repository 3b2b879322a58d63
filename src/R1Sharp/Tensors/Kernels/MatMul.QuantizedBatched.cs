// The batched int8 step's inner block: one weight row against four input rows per pass, so each block's 32 weights are
// loaded and widened to int16 once for four products instead of once per input row. Each output keeps DotInt8's
// arithmetic (even and odd blocks in two accumulators, the same FMA order, Vector512.Sum of their sum), so a row's
// result does not depend on the batch around it.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace R1Sharp.Tensors.Kernels;

public static unsafe partial class MatMul
{
    // Σ over blocks of d[b]·(w·x) for input rows x0, x0 + k, x0 + 2k, x0 + 3k.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (float, float, float, float) DotInt8x4(sbyte* w, float* d, int nb, short* x0, int k)
    {
        short* x1 = x0 + k, x2 = x1 + k, x3 = x2 + k;
        var a00 = Vector512<float>.Zero; var a01 = a00; var a10 = a00; var a11 = a00;
        var a20 = a00; var a21 = a00; var a30 = a00; var a31 = a00;
        int b = 0;
        for (; b + 2 <= nb; b += 2)
        {
            int at = b * 32;
            var v0 = Avx512BW.ConvertToVector512Int16(Vector256.Load(w + at));
            var v1 = Avx512BW.ConvertToVector512Int16(Vector256.Load(w + at + 32));
            var s0 = Vector512.Create(d[b]);
            var s1 = Vector512.Create(d[b + 1]);
            a00 = Vector512.FusedMultiplyAdd(Products(v0, x0 + at), s0, a00); a01 = Vector512.FusedMultiplyAdd(Products(v1, x0 + at + 32), s1, a01);
            a10 = Vector512.FusedMultiplyAdd(Products(v0, x1 + at), s0, a10); a11 = Vector512.FusedMultiplyAdd(Products(v1, x1 + at + 32), s1, a11);
            a20 = Vector512.FusedMultiplyAdd(Products(v0, x2 + at), s0, a20); a21 = Vector512.FusedMultiplyAdd(Products(v1, x2 + at + 32), s1, a21);
            a30 = Vector512.FusedMultiplyAdd(Products(v0, x3 + at), s0, a30); a31 = Vector512.FusedMultiplyAdd(Products(v1, x3 + at + 32), s1, a31);
        }
        if (b < nb)
        {
            int at = b * 32;
            var v0 = Avx512BW.ConvertToVector512Int16(Vector256.Load(w + at));
            var s0 = Vector512.Create(d[b]);
            a00 = Vector512.FusedMultiplyAdd(Products(v0, x0 + at), s0, a00);
            a10 = Vector512.FusedMultiplyAdd(Products(v0, x1 + at), s0, a10);
            a20 = Vector512.FusedMultiplyAdd(Products(v0, x2 + at), s0, a20);
            a30 = Vector512.FusedMultiplyAdd(Products(v0, x3 + at), s0, a30);
        }
        return (Vector512.Sum(a00 + a01), Vector512.Sum(a10 + a11), Vector512.Sum(a20 + a21), Vector512.Sum(a30 + a31));
    }

    // A widened block times 32 int16 activations, pairs summed, as 16 float lanes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Products(Vector512<short> w, short* x) =>
        Avx512F.ConvertToVector512Single(Avx512BW.MultiplyAddAdjacent(w, Vector512.Load(x)));
}
