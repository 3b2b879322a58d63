// The GEMM's micro-kernels (MatMul.Gemm.cs): 24 accumulators each, one broadcast weight per output and k, the packed
// rows' vectors loaded once per k. Written out in full (no loops over registers), so the JIT keeps every
// accumulator in a zmm register: the inner loop is loads, broadcasts and FMAs only.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace R1Sharp.Tensors.Kernels;

public static unsafe partial class MatMul
{
    // 6 outputs (weight rows ldw apart) × 64 packed rows, k steps: acc[j·64 + r] += Σᵢ w[j, i]·xt[i, r], in order of i.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x64(float* w, long ldw, float* xt, int k, float* acc)
    {
        var c0_0 = Vector512.Load(acc + 0); var c0_1 = Vector512.Load(acc + 16); var c0_2 = Vector512.Load(acc + 32); var c0_3 = Vector512.Load(acc + 48);
        var c1_0 = Vector512.Load(acc + 64); var c1_1 = Vector512.Load(acc + 80); var c1_2 = Vector512.Load(acc + 96); var c1_3 = Vector512.Load(acc + 112);
        var c2_0 = Vector512.Load(acc + 128); var c2_1 = Vector512.Load(acc + 144); var c2_2 = Vector512.Load(acc + 160); var c2_3 = Vector512.Load(acc + 176);
        var c3_0 = Vector512.Load(acc + 192); var c3_1 = Vector512.Load(acc + 208); var c3_2 = Vector512.Load(acc + 224); var c3_3 = Vector512.Load(acc + 240);
        var c4_0 = Vector512.Load(acc + 256); var c4_1 = Vector512.Load(acc + 272); var c4_2 = Vector512.Load(acc + 288); var c4_3 = Vector512.Load(acc + 304);
        var c5_0 = Vector512.Load(acc + 320); var c5_1 = Vector512.Load(acc + 336); var c5_2 = Vector512.Load(acc + 352); var c5_3 = Vector512.Load(acc + 368);
        float* end = xt + (long)k * 64;
        for (float* p = xt; p < end; p += 64, w++)
        {
            var x0 = Vector512.Load(p + 0); var x1 = Vector512.Load(p + 16); var x2 = Vector512.Load(p + 32); var x3 = Vector512.Load(p + 48);
            var b = Vector512.Create(w[0]);
            c0_0 = Vector512.FusedMultiplyAdd(b, x0, c0_0); c0_1 = Vector512.FusedMultiplyAdd(b, x1, c0_1); c0_2 = Vector512.FusedMultiplyAdd(b, x2, c0_2); c0_3 = Vector512.FusedMultiplyAdd(b, x3, c0_3);
            b = Vector512.Create(w[ldw]);
            c1_0 = Vector512.FusedMultiplyAdd(b, x0, c1_0); c1_1 = Vector512.FusedMultiplyAdd(b, x1, c1_1); c1_2 = Vector512.FusedMultiplyAdd(b, x2, c1_2); c1_3 = Vector512.FusedMultiplyAdd(b, x3, c1_3);
            b = Vector512.Create(w[2 * ldw]);
            c2_0 = Vector512.FusedMultiplyAdd(b, x0, c2_0); c2_1 = Vector512.FusedMultiplyAdd(b, x1, c2_1); c2_2 = Vector512.FusedMultiplyAdd(b, x2, c2_2); c2_3 = Vector512.FusedMultiplyAdd(b, x3, c2_3);
            b = Vector512.Create(w[3 * ldw]);
            c3_0 = Vector512.FusedMultiplyAdd(b, x0, c3_0); c3_1 = Vector512.FusedMultiplyAdd(b, x1, c3_1); c3_2 = Vector512.FusedMultiplyAdd(b, x2, c3_2); c3_3 = Vector512.FusedMultiplyAdd(b, x3, c3_3);
            b = Vector512.Create(w[4 * ldw]);
            c4_0 = Vector512.FusedMultiplyAdd(b, x0, c4_0); c4_1 = Vector512.FusedMultiplyAdd(b, x1, c4_1); c4_2 = Vector512.FusedMultiplyAdd(b, x2, c4_2); c4_3 = Vector512.FusedMultiplyAdd(b, x3, c4_3);
            b = Vector512.Create(w[5 * ldw]);
            c5_0 = Vector512.FusedMultiplyAdd(b, x0, c5_0); c5_1 = Vector512.FusedMultiplyAdd(b, x1, c5_1); c5_2 = Vector512.FusedMultiplyAdd(b, x2, c5_2); c5_3 = Vector512.FusedMultiplyAdd(b, x3, c5_3);
        }
        c0_0.Store(acc + 0); c0_1.Store(acc + 16); c0_2.Store(acc + 32); c0_3.Store(acc + 48);
        c1_0.Store(acc + 64); c1_1.Store(acc + 80); c1_2.Store(acc + 96); c1_3.Store(acc + 112);
        c2_0.Store(acc + 128); c2_1.Store(acc + 144); c2_2.Store(acc + 160); c2_3.Store(acc + 176);
        c3_0.Store(acc + 192); c3_1.Store(acc + 208); c3_2.Store(acc + 224); c3_3.Store(acc + 240);
        c4_0.Store(acc + 256); c4_1.Store(acc + 272); c4_2.Store(acc + 288); c4_3.Store(acc + 304);
        c5_0.Store(acc + 320); c5_1.Store(acc + 336); c5_2.Store(acc + 352); c5_3.Store(acc + 368);
    }

    // 12 outputs (weight rows ldw apart) × 32 packed rows, k steps: acc[j·32 + r] += Σᵢ w[j, i]·xt[i, r], in order of i.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel12x32(float* w, long ldw, float* xt, int k, float* acc)
    {
        var c0_0 = Vector512.Load(acc + 0); var c0_1 = Vector512.Load(acc + 16);
        var c1_0 = Vector512.Load(acc + 32); var c1_1 = Vector512.Load(acc + 48);
        var c2_0 = Vector512.Load(acc + 64); var c2_1 = Vector512.Load(acc + 80);
        var c3_0 = Vector512.Load(acc + 96); var c3_1 = Vector512.Load(acc + 112);
        var c4_0 = Vector512.Load(acc + 128); var c4_1 = Vector512.Load(acc + 144);
        var c5_0 = Vector512.Load(acc + 160); var c5_1 = Vector512.Load(acc + 176);
        var c6_0 = Vector512.Load(acc + 192); var c6_1 = Vector512.Load(acc + 208);
        var c7_0 = Vector512.Load(acc + 224); var c7_1 = Vector512.Load(acc + 240);
        var c8_0 = Vector512.Load(acc + 256); var c8_1 = Vector512.Load(acc + 272);
        var c9_0 = Vector512.Load(acc + 288); var c9_1 = Vector512.Load(acc + 304);
        var c10_0 = Vector512.Load(acc + 320); var c10_1 = Vector512.Load(acc + 336);
        var c11_0 = Vector512.Load(acc + 352); var c11_1 = Vector512.Load(acc + 368);
        float* end = xt + (long)k * 32;
        for (float* p = xt; p < end; p += 32, w++)
        {
            var x0 = Vector512.Load(p + 0); var x1 = Vector512.Load(p + 16);
            var b = Vector512.Create(w[0]);
            c0_0 = Vector512.FusedMultiplyAdd(b, x0, c0_0); c0_1 = Vector512.FusedMultiplyAdd(b, x1, c0_1);
            b = Vector512.Create(w[ldw]);
            c1_0 = Vector512.FusedMultiplyAdd(b, x0, c1_0); c1_1 = Vector512.FusedMultiplyAdd(b, x1, c1_1);
            b = Vector512.Create(w[2 * ldw]);
            c2_0 = Vector512.FusedMultiplyAdd(b, x0, c2_0); c2_1 = Vector512.FusedMultiplyAdd(b, x1, c2_1);
            b = Vector512.Create(w[3 * ldw]);
            c3_0 = Vector512.FusedMultiplyAdd(b, x0, c3_0); c3_1 = Vector512.FusedMultiplyAdd(b, x1, c3_1);
            b = Vector512.Create(w[4 * ldw]);
            c4_0 = Vector512.FusedMultiplyAdd(b, x0, c4_0); c4_1 = Vector512.FusedMultiplyAdd(b, x1, c4_1);
            b = Vector512.Create(w[5 * ldw]);
            c5_0 = Vector512.FusedMultiplyAdd(b, x0, c5_0); c5_1 = Vector512.FusedMultiplyAdd(b, x1, c5_1);
            b = Vector512.Create(w[6 * ldw]);
            c6_0 = Vector512.FusedMultiplyAdd(b, x0, c6_0); c6_1 = Vector512.FusedMultiplyAdd(b, x1, c6_1);
            b = Vector512.Create(w[7 * ldw]);
            c7_0 = Vector512.FusedMultiplyAdd(b, x0, c7_0); c7_1 = Vector512.FusedMultiplyAdd(b, x1, c7_1);
            b = Vector512.Create(w[8 * ldw]);
            c8_0 = Vector512.FusedMultiplyAdd(b, x0, c8_0); c8_1 = Vector512.FusedMultiplyAdd(b, x1, c8_1);
            b = Vector512.Create(w[9 * ldw]);
            c9_0 = Vector512.FusedMultiplyAdd(b, x0, c9_0); c9_1 = Vector512.FusedMultiplyAdd(b, x1, c9_1);
            b = Vector512.Create(w[10 * ldw]);
            c10_0 = Vector512.FusedMultiplyAdd(b, x0, c10_0); c10_1 = Vector512.FusedMultiplyAdd(b, x1, c10_1);
            b = Vector512.Create(w[11 * ldw]);
            c11_0 = Vector512.FusedMultiplyAdd(b, x0, c11_0); c11_1 = Vector512.FusedMultiplyAdd(b, x1, c11_1);
        }
        c0_0.Store(acc + 0); c0_1.Store(acc + 16);
        c1_0.Store(acc + 32); c1_1.Store(acc + 48);
        c2_0.Store(acc + 64); c2_1.Store(acc + 80);
        c3_0.Store(acc + 96); c3_1.Store(acc + 112);
        c4_0.Store(acc + 128); c4_1.Store(acc + 144);
        c5_0.Store(acc + 160); c5_1.Store(acc + 176);
        c6_0.Store(acc + 192); c6_1.Store(acc + 208);
        c7_0.Store(acc + 224); c7_1.Store(acc + 240);
        c8_0.Store(acc + 256); c8_1.Store(acc + 272);
        c9_0.Store(acc + 288); c9_1.Store(acc + 304);
        c10_0.Store(acc + 320); c10_1.Store(acc + 336);
        c11_0.Store(acc + 352); c11_1.Store(acc + 368);
    }
}
