// Learning-rate schedule of the R1-Zero pipeline's trainers: linear warmup then cosine decay (nanoGPT's get_lr).
namespace R1Sharp.Recipes.Zero;

/// <summary>Pure schedule functions.</summary>
public static class ZeroSchedule
{
    /// <summary>
    /// lr at 1-based <paramref name="step"/> of <paramref name="total"/>: peak·step/warmup during warmup, then cosine
    /// from peak down to peak·<paramref name="minRatio"/> at the last step. Example: warmup 0, total 3, peak 1, ratio 0
    /// gives 1, 0.5, 0.
    /// </summary>
    public static double Cosine(int step, int total, int warmup, double peak, double minRatio)
    {
        if (warmup > 0 && step <= warmup) return peak * step / warmup;
        int span = Math.Max(total - Math.Max(warmup, 1), 1);
        double progress = Math.Clamp((double)(step - Math.Max(warmup, 1)) / span, 0, 1);
        double min = peak * minRatio;
        return min + 0.5 * (peak - min) * (1 + Math.Cos(Math.PI * progress));
    }
}
