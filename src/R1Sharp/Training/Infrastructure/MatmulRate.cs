// Start-up measurement of this machine's fp32 matmul rate, and model FLOPs utilisation (MFU) against it:
// training costs ≈ 6 FLOPs per parameter per token (forward 2, backward 4; Kaplan et al. 2020, nanoGPT's estimate_mfu).
using System.Diagnostics;
using static TorchSharp.torch;

namespace R1Sharp.Training.Infrastructure;

/// <summary>Measured peak and MFU arithmetic.</summary>
public static class MatmulRate
{
    /// <summary>
    /// fp32 GFLOP/s of a square <paramref name="size"/> matmul, timed over ~<paramref name="budget"/> (default 0.3 s)
    /// after one warm-up; 2·n³ FLOPs per product. Here (2 cores) ≈ 250–310.
    /// </summary>
    public static double Measure(int size = 2048, TimeSpan? budget = null)
    {
        // The best of three timed batches after a warm-up: a single short batch on a shared 2-core machine
        // read half the rate (and gave MFU above 100 %).
        var limit = (budget ?? TimeSpan.FromSeconds(0.6)) / 3;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var a = ones(size, size, dtype: ScalarType.Float32);
        var b = ones(size, size, dtype: ScalarType.Float32);
        for (int i = 0; i < 2; i++) a.mm(b).Dispose();
        double best = 0;
        for (int batch = 0; batch < 3; batch++)
        {
            int runs = 0;
            var clock = Stopwatch.StartNew();
            do { a.mm(b).Dispose(); runs++; } while (clock.Elapsed < limit);
            best = Math.Max(best, 2.0 * size * size * (double)size * runs / clock.Elapsed.TotalSeconds / 1e9);
        }
        return best;
    }

    public static double Mfu(long parameters, double tokensPerSecond, double gflops) =>
        gflops > 0 ? 6.0 * parameters * tokensPerSecond / (gflops * 1e9) : 0.0;
}
