// The batched decode step's fp32 inner block: four weight rows × four input rows per pass, sixteen accumulators, so each
// load of a weight or input vector feeds four FMAs (Dot4F32 feeds one input row: five loads per four FMAs, load-bound
// once the 4-row weight block sits in L1/L2). Each output keeps Dot4F32's arithmetic (one 16-lane accumulator, FMA in
// column order, Vector512.Sum, then the scalar tail), so a row's result does not depend on the batch around it.
// (bf16 needs no such block: its even/odd split already feeds two FMAs per weight load; a 4 × 2 block measured the same.)
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace R1Sharp.Tensors.Kernels;

public static unsafe partial class MatMul
{
    // y[b, r..r+3] for b in b0..b0+3: weight rows w0.. (k apart), input rows x0.. (xStride apart), outputs yStride apart.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block4x4F32(float* w0, int k, float* x0, int xStride, float* y0, int yStride, float* bias)
    {
        float* w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
        float* x1 = x0 + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
        var a00 = Vector512<float>.Zero; var a01 = a00; var a02 = a00; var a03 = a00;
        var a10 = a00; var a11 = a00; var a12 = a00; var a13 = a00;
        var a20 = a00; var a21 = a00; var a22 = a00; var a23 = a00;
        var a30 = a00; var a31 = a00; var a32 = a00; var a33 = a00;
        int i = 0;
        for (; i + 16 <= k; i += 16)
        {
            var v0 = Vector512.Load(w0 + i); var v1 = Vector512.Load(w1 + i);
            var v2 = Vector512.Load(w2 + i); var v3 = Vector512.Load(w3 + i);
            var u = Vector512.Load(x0 + i);
            a00 = Vector512.FusedMultiplyAdd(v0, u, a00); a01 = Vector512.FusedMultiplyAdd(v1, u, a01);
            a02 = Vector512.FusedMultiplyAdd(v2, u, a02); a03 = Vector512.FusedMultiplyAdd(v3, u, a03);
            u = Vector512.Load(x1 + i);
            a10 = Vector512.FusedMultiplyAdd(v0, u, a10); a11 = Vector512.FusedMultiplyAdd(v1, u, a11);
            a12 = Vector512.FusedMultiplyAdd(v2, u, a12); a13 = Vector512.FusedMultiplyAdd(v3, u, a13);
            u = Vector512.Load(x2 + i);
            a20 = Vector512.FusedMultiplyAdd(v0, u, a20); a21 = Vector512.FusedMultiplyAdd(v1, u, a21);
            a22 = Vector512.FusedMultiplyAdd(v2, u, a22); a23 = Vector512.FusedMultiplyAdd(v3, u, a23);
            u = Vector512.Load(x3 + i);
            a30 = Vector512.FusedMultiplyAdd(v0, u, a30); a31 = Vector512.FusedMultiplyAdd(v1, u, a31);
            a32 = Vector512.FusedMultiplyAdd(v2, u, a32); a33 = Vector512.FusedMultiplyAdd(v3, u, a33);
        }
        Finish(w0, k, x0, i, a00, a01, a02, a03, y0, bias);
        Finish(w0, k, x1, i, a10, a11, a12, a13, y0 + yStride, bias);
        Finish(w0, k, x2, i, a20, a21, a22, a23, y0 + 2L * yStride, bias);
        Finish(w0, k, x3, i, a30, a31, a32, a33, y0 + 3L * yStride, bias);
    }

    // One input row's four sums, finished exactly as Dot4F32 and Rows finish them: lane sum, scalar tail, bias.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(float* w0, int k, float* x, int i, Vector512<float> a0, Vector512<float> a1, Vector512<float> a2,
        Vector512<float> a3, float* y, float* bias)
    {
        float* w1 = w0 + k, w2 = w1 + k, w3 = w2 + k;
        float s0 = Vector512.Sum(a0), s1 = Vector512.Sum(a1), s2 = Vector512.Sum(a2), s3 = Vector512.Sum(a3);
        for (; i < k; i++) { s0 += w0[i] * x[i]; s1 += w1[i] * x[i]; s2 += w2[i] * x[i]; s3 += w3[i] * x[i]; }
        if (bias != null) { s0 += bias[0]; s1 += bias[1]; s2 += bias[2]; s3 += bias[3]; }
        y[0] = s0; y[1] = s1; y[2] = s2; y[3] = s3;
    }
}
