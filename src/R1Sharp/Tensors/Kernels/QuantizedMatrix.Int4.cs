// The int4 integers of one block (QuantizedMatrix.QuantizeBlock): Q4_0's divisor and its neighbours, then re-rounding
// under the least-squares scale while the error falls. (Clipping an outlier's grid was tried: a ×20 weight's own
// squared error then outweighs what the other 31 gain, so least squares keeps Q4_0's range.)
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace R1Sharp.Tensors.Kernels;

public sealed unsafe partial class QuantizedMatrix
{
    // The block's 32 weights (w, also as x0 and x1) → the integers (−8..7) with the smallest least-squares error found.
    private static (Vector512<float>, Vector512<float>) SearchInt4(float* w, Vector512<float> x0, Vector512<float> x1, float maxAbs)
    {
        Vector512<float> q0, q1;
        float signedMax = 0;
        for (int i = 0; i < BlockSize; i++) if (MathF.Abs(w[i]) == maxAbs) { signedMax = w[i]; break; }
        (q0, q1) = Int4(x0, x1, -8 / signedMax);
        double best = Score(x0, x1, q0, q1);
        for (int step = -9; step <= 9; step++)
        {
            if (step == 0) continue;
            var (c0, c1) = Int4(x0, x1, -(8 + 0.1f * step) / signedMax);
            double score = Score(x0, x1, c0, c1);
            if (score > best) (best, q0, q1) = (score, c0, c1);
        }
        // Then alternate: the least-squares scale of those integers, the integers nearest under that scale, while
        // the error falls (each accepted round lowers it, so at most a few rounds).
        for (int round = 0; round < 4; round++)
        {
            float qq0 = Vector512.Sum(q0 * q0 + q1 * q1);
            if (qq0 == 0) break;
            float d = Vector512.Sum(x0 * q0 + x1 * q1) / qq0;
            if (d == 0) break;
            var (c0, c1) = Int4(x0, x1, 1 / d);
            double score = Score(x0, x1, c0, c1);
            if (score <= best) break;
            (best, q0, q1) = (score, c0, c1);
        }
        return (q0, q1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float>, Vector512<float>) Int4(Vector512<float> x0, Vector512<float> x1, float inverse)
    {
        var low = Vector512.Create(-8f);
        var high = Vector512.Create(7f);
        return (Vector512.Clamp(Vector512.Round(x0 * inverse), low, high), Vector512.Clamp(Vector512.Round(x1 * inverse), low, high));
    }

    // (Σ x·q)² / Σ q²: the squared error with the least-squares scale is Σ x² minus this, so larger is better.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Score(Vector512<float> x0, Vector512<float> x1, Vector512<float> q0, Vector512<float> q1)
    {
        double xq = Vector512.Sum(x0 * q0 + x1 * q1), qq = Vector512.Sum(q0 * q0 + q1 * q1);
        return qq > 0 ? xq * xq / qq : 0;
    }
}
