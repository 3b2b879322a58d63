// DAPO's soft overlong punishment (arXiv 2503.14476 §3.4, eq. 13; TRL rewards.get_soft_overlong_punishment):
// a length-aware reward term that fades from 0 to −1 over the last L_cache tokens before L_max.
namespace R1Sharp.Training.Grpo;

/// <summary>Length shaping of rewards for GRPO rollouts.</summary>
public static class OverlongShaping
{
    /// <summary>
    /// R_len(|y|) = 0 if |y| ≤ L_max − L_cache; ((L_max − L_cache) − |y|) / L_cache if |y| ≤ L_max; −1 beyond.
    /// With <paramref name="cache"/> = 0 it is 0 up to L_max and −1 beyond.
    /// </summary>
    /// <example>L_max = 100, L_cache = 20: |y| = 80 → 0, 90 → −0.5, 100 → −1, 101 → −1.</example>
    public static double SoftPenalty(int length, int maxLength, int cache)
    {
        if (cache < 0 || cache > maxLength)
            throw new ArgumentOutOfRangeException(nameof(cache), cache, $"L_cache must be in [0, L_max = {maxLength}]");
        int expected = maxLength - cache;
        if (length <= expected) return 0.0;
        if (length <= maxLength) return (double)(expected - length) / cache;
        return -1.0;
    }
}
