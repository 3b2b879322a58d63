// Group-relative advantages of GRPO (DeepSeekMath §4.1.2, R1 §2.2.1) with TRL's scale_rewards modes and statistics
// (trl/trainer/grpo_trainer.py, _generate_and_score_completions), plus DAPO's zero-variance groups for dynamic sampling.
namespace R1Sharp.Training.Grpo;

/// <summary>Batch statistics logged with the advantages (TRL: reward, reward_std, frac_reward_zero_std).</summary>
/// <param name="RewardMean">Mean reward over the scored completions.</param>
/// <param name="RewardStd">Unbiased (n − 1) std of the rewards over the batch; NaN with fewer than 2 scored.</param>
/// <param name="ZeroStdGroups">Groups whose rewards are all equal (they carry no gradient).</param>
/// <param name="FracZeroStdGroups">ZeroStdGroups / number of groups. Always per group: TRL's frac_reward_zero_std
/// under scale_rewards=batch tests the batch std instead, which is almost never zero and hides dead groups.</param>
public readonly record struct AdvantageStats(double RewardMean, double RewardStd, int ZeroStdGroups, double FracZeroStdGroups);

/// <summary>
/// A_i = (r_i − mean of its group) / scale, the scale chosen by <see cref="ScaleRewards"/>. Rewards are laid out
/// group after group: completions [g·G, (g+1)·G) answer prompt g.
/// <para>
/// The std is TRL's <c>nanstd</c>: the unbiased (Bessel, n − 1) estimate, ignoring NaN rewards. A NaN reward
/// (a completion no reward function could score) is left out of its group's mean and std and gets advantage 0.
/// A std is "zero" when ≤ 1e-8 (torch.isclose(std, 0)). With one sample the std is taken as 0, as TRL does.
/// </para>
/// </summary>
/// <example>
/// rewards [1, 0, 0, 1 | 1, 1, 1, 1], G = 4, Group: group 0 has mean 0.5, unbiased std √(1/3) = 0.57735, so
/// A = ±0.5 / (0.57735 + 1e-4) = ±0.86588; group 1 has std 0, so A = 0 and FracZeroStdGroups = 0.5.
/// </example>
public static partial class GrpoAdvantages
{
    /// <summary>The epsilon TRL adds to the std before dividing.</summary>
    public const double StdEpsilon = 1e-4;

    /// <summary>Returns the advantages of <paramref name="rewards"/> (one per completion).</summary>
    public static double[] Compute(ReadOnlySpan<double> rewards, int groupSize, ScaleRewards mode, out AdvantageStats stats)
    {
        var advantages = new double[rewards.Length];
        Compute(rewards, groupSize, mode, advantages, out stats);
        return advantages;
    }

    /// <summary>Writes the advantages of <paramref name="rewards"/> into <paramref name="advantages"/> (same length).</summary>
    public static void Compute(ReadOnlySpan<double> rewards, int groupSize, ScaleRewards mode, Span<double> advantages, out AdvantageStats stats)
    {
        CheckLayout(rewards.Length, groupSize);
        if (advantages.Length != rewards.Length)
            throw new ArgumentException($"advantages has {advantages.Length} slots for {rewards.Length} rewards", nameof(advantages));
        var (batchMean, batchStd) = NanMeanStd(rewards);
        double batchScale = rewards.Length > 1 && !double.IsNaN(batchStd) ? batchStd : 0.0;
        int groups = rewards.Length / groupSize, zeroStd = 0;
        for (int g = 0; g < groups; g++)
        {
            var r = rewards.Slice(g * groupSize, groupSize);
            var a = advantages.Slice(g * groupSize, groupSize);
            var (mean, std) = NanMeanStd(r);
            if (groupSize == 1 || double.IsNaN(std)) std = 0;
            if (std <= 1e-8) zeroStd++;
            double divisor = mode switch
            {
                ScaleRewards.Group => std + StdEpsilon,
                ScaleRewards.Batch => batchScale + StdEpsilon,
                ScaleRewards.None => 1.0,
                _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
            };
            for (int i = 0; i < r.Length; i++)
                a[i] = double.IsNaN(r[i]) || double.IsNaN(mean) ? 0.0 : (r[i] - mean) / divisor;
        }
        stats = new AdvantageStats(batchMean, batchStd, zeroStd, groups == 0 ? 0 : (double)zeroStd / groups);
    }

    /// <summary>
    /// Indices of the groups whose rewards are all equal (std ≤ 1e-8): DAPO's dynamic sampling drops these and
    /// samples more prompts, since their advantages, and so their policy gradient, are zero.
    /// </summary>
    public static int[] ZeroVarianceGroups(ReadOnlySpan<double> rewards, int groupSize)
    {
        CheckLayout(rewards.Length, groupSize);
        var result = new List<int>();
        for (int g = 0; g < rewards.Length / groupSize; g++)
        {
            var (_, std) = NanMeanStd(rewards.Slice(g * groupSize, groupSize));
            if (groupSize == 1 || double.IsNaN(std) || std <= 1e-8) result.Add(g);
        }
        return result.ToArray();
    }

    /// <summary>Mean and unbiased std ignoring NaNs (TRL nanmean/nanstd); std is NaN with fewer than 2 values.</summary>
    public static (double Mean, double Std) NanMeanStd(ReadOnlySpan<double> values)
    {
        double sum = 0;
        int n = 0;
        foreach (double v in values)
            if (!double.IsNaN(v)) { sum += v; n++; }
        if (n == 0) return (double.NaN, double.NaN);
        double mean = sum / n, squares = 0;
        foreach (double v in values)
            if (!double.IsNaN(v)) squares += (v - mean) * (v - mean);
        return (mean, n > 1 ? Math.Sqrt(squares / (n - 1)) : double.NaN);
    }

    private static void CheckLayout(int count, int groupSize)
    {
        if (groupSize < 1)
            throw new ArgumentOutOfRangeException(nameof(groupSize), groupSize, "group size must be at least 1");
        if (count % groupSize != 0)
            throw new ArgumentException($"{count} rewards do not split into groups of {groupSize}", nameof(groupSize));
    }
}
