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
    public static double Measure(int size = 1024, TimeSpan? budget = null)
    {
        var limit = budget ?? TimeSpan.FromSeconds(0.3);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var a = ones(size, size, dtype: ScalarType.Float32);
        var b = ones(size, size, dtype: ScalarType.Float32);
        a.mm(b).Dispose();
        int runs = 0;
        var clock = Stopwatch.StartNew();
        do { a.mm(b).Dispose(); runs++; } while (clock.Elapsed < limit);
        return 2.0 * size * size * (double)size * runs / clock.Elapsed.TotalSeconds / 1e9;
    }

    /// <summary>
    /// Model FLOPs utilisation: 6·N·(tokens/s) / (rate·10⁹). Example: 4.7M parameters at 7,000 tokens/s against
    /// 280 GFLOP/s → 6·4.7e6·7e3 / 2.8e11 = 0.705.
    /// </summary>
    /// <param name="parameters">N, trainable parameters (embeddings included).</param>
    /// <param name="tokensPerSecond">Tokens (forward+backward) processed per second.</param>
    /// <param name="gflops">The measured peak in GFLOP/s; MFU is 0 when it is not positive.</param>
    public static double Mfu(long parameters, double tokensPerSecond, double gflops) =>
        gflops > 0 ? 6.0 * parameters * tokensPerSecond / (gflops * 1e9) : 0.0;
}
