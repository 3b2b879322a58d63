// The int4 fit of one block (QuantizedMatrix.QuantizeBlock): w ≈ d·u + m, u in 0..15. Candidate integers come from 19
// grids over the block's range [min, max] (15 ± 0.9 steps across it, llama.cpp's make_qkx search) and from Q4_0's rule;
// each candidate gets the least-squares (d, m) of its integers, the best is re-rounded under its own (d, m) while that
// lowers the error, and d and m are then rounded to their stored forms (d to bf16, m to a multiple of d/256) with m refit
// for the rounded d. So a block's error is at most Q4_0's with its own scale, plus the storage rounding of d (relative
// 2⁻⁹: about 0.3 % of the error).
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace R1Sharp.Tensors.Kernels;

public sealed unsafe partial class QuantizedMatrix
{
    // The block's 32 weights (x0, x1) → its integers u (as floats), the bf16 bits of d, and m / (d/256).
    private static (Vector512<float> U0, Vector512<float> U1, ushort D, short Offset) FitInt4(Vector512<float> x0, Vector512<float> x1)
    {
        float min = MinLane(Vector512.Min(x0, x1)), max = MaxLane(Vector512.Max(x0, x1));
        if (max == min) // a constant block: every u at 15, d = w / 15, m = 0
        {
            var fifteen = Vector512.Create(15f);
            ushort bits = Bf16.FromSingle(max / 15);
            return Bf16.ToSingle(bits) == 0 ? (Vector512<float>.Zero, Vector512<float>.Zero, (ushort)0, (short)0) : (fifteen, fifteen, bits, (short)0);
        }
        // The grid of 15 steps across [min, max] first, so it wins ties (a block of two values fits several grids exactly).
        var lowest = Vector512.Create(min);
        var (u0, u1) = Grid(x0, x1, lowest, 15 / (max - min), 0);
        var (d, m, best) = Fit(x0, x1, u0, u1);
        float signedMax = MathF.Abs(min) > MathF.Abs(max) ? min : max;
        for (int step = -9; step <= 10; step++)
        {
            // Steps −9..9 other than 0: grids of 15 ± 0.9 steps across the range; 10: Q4_0's integers (the value of largest
            // magnitude at −8), shifted to 0..15.
            if (step == 0) continue;
            var (c0, c1) = step < 10
                ? Grid(x0, x1, lowest, (15 + 0.1f * step) / (max - min), 0)
                : Grid(x0, x1, Vector512<float>.Zero, -8 / signedMax, 8);
            var (cd, cm, error) = Fit(x0, x1, c0, c1);
            if (error < best) (best, u0, u1, d, m) = (error, c0, c1, cd, cm);
        }
        for (int round = 0; round < 4 && d != 0; round++)
        {
            var (c0, c1) = Grid(x0, x1, Vector512.Create(m), 1 / d, 0);
            var (cd, cm, error) = Fit(x0, x1, c0, c1);
            if (error >= best) break;
            (best, u0, u1, d, m) = (error, c0, c1, cd, cm);
        }
        // Stored forms: d in bf16, m refit for that d and rounded to whole d/256; then one re-rounding of u under them.
        ushort dBits = Bf16.FromSingle(d);
        float stored = Bf16.ToSingle(dBits);
        if (stored == 0) return (Vector512<float>.Zero, Vector512<float>.Zero, (ushort)0, (short)0);
        short offset = OffsetFor(x0, x1, u0, u1, stored);
        float storedError = Error(x0, x1, u0, u1, stored, stored * offset * OffsetUnit);
        var (r0, r1) = Grid(x0, x1, Vector512.Create(stored * offset * OffsetUnit), 1 / stored, 0);
        short rOffset = OffsetFor(x0, x1, r0, r1, stored);
        if (Error(x0, x1, r0, r1, stored, stored * rOffset * OffsetUnit) < storedError) (u0, u1, offset) = (r0, r1, rOffset);
        return (u0, u1, dBits, offset);
    }

    // u = clamp(round((x − origin)·inverse) + shift, 0, 15).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float>, Vector512<float>) Grid(Vector512<float> x0, Vector512<float> x1, Vector512<float> origin, float inverse, float shift)
    {
        var low = Vector512<float>.Zero;
        var high = Vector512.Create(15f);
        var s = Vector512.Create(shift);
        return (Vector512.Clamp(Vector512.Round((x0 - origin) * inverse) + s, low, high),
            Vector512.Clamp(Vector512.Round((x1 - origin) * inverse) + s, low, high));
    }

    // The least-squares (d, m) of Σ (x − d·u − m)² for these integers, and that error; when every u is equal, d = m = 0
    // (m must be a multiple of d when stored) with the error Σ x².
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (float D, float M, float Error) Fit(Vector512<float> x0, Vector512<float> x1, Vector512<float> u0, Vector512<float> u1)
    {
        const float n = BlockSize;
        double su = Vector512.Sum(u0 + u1), suu = Vector512.Sum(u0 * u0 + u1 * u1);
        double sx = Vector512.Sum(x0 + x1), sux = Vector512.Sum(u0 * x0 + u1 * x1);
        double det = n * suu - su * su;
        if (det <= 0) return (0, 0, Error(x0, x1, u0, u1, 0, 0));
        float d = (float)((n * sux - su * sx) / det), m = (float)((sx - d * su) / n);
        return (d, m, Error(x0, x1, u0, u1, d, m));
    }

    // m = (Σ x − d·Σ u) / 32 for a fixed d, as a count of d/256 (clamped to int16).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static short OffsetFor(Vector512<float> x0, Vector512<float> x1, Vector512<float> u0, Vector512<float> u1, float d)
    {
        double m = (Vector512.Sum(x0 + x1) - (double)d * Vector512.Sum(u0 + u1)) / BlockSize;
        return (short)Math.Clamp(Math.Round(m / (d * OffsetUnit)), short.MinValue, short.MaxValue);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Error(Vector512<float> x0, Vector512<float> x1, Vector512<float> u0, Vector512<float> u1, float d, float m)
    {
        var dv = Vector512.Create(d);
        var mv = Vector512.Create(m);
        var e0 = x0 - Vector512.FusedMultiplyAdd(u0, dv, mv);
        var e1 = x1 - Vector512.FusedMultiplyAdd(u1, dv, mv);
        return Vector512.Sum(e0 * e0 + e1 * e1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float MinLane(Vector512<float> v)
    {
        var m = Vector256.Min(v.GetLower(), v.GetUpper());
        var n = Vector128.Min(m.GetLower(), m.GetUpper());
        return MathF.Min(MathF.Min(n[0], n[1]), MathF.Min(n[2], n[3]));
    }
}
