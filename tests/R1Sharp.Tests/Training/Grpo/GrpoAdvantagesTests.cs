// Hand-computed advantages for each scale_rewards mode (TRL semantics: unbiased nanstd, +1e-4), zero-variance groups.
using CsCheck;
using R1Sharp.Training.Grpo;

namespace R1Sharp.Tests.Training.Grpo;

public class GrpoAdvantagesTests
{
    // Two groups of G = 4: group 0 is mixed, group 1 all correct (no signal).
    private static readonly double[] Rewards = [1, 0, 0, 1, 1, 1, 1, 1];

    [Fact]
    public void Group_scaling_divides_by_the_unbiased_group_std_plus_1e4()
    {
        // group 0: mean 0.5, Σ(r − mean)² = 4 · 0.25 = 1, unbiased var 1/3, std 0.5773503;
        // A = ±0.5 / (0.5773503 + 1e-4) = ±0.8658754. Group 1: std 0 → A = 0 / 1e-4 = 0.
        var a = GrpoAdvantages.Compute(Rewards, 4, ScaleRewards.Group, out var stats);
        double[] expected = [0.8658754297607016, -0.8658754297607016, -0.8658754297607016, 0.8658754297607016, 0, 0, 0, 0];
        for (int i = 0; i < a.Length; i++) Assert.Equal(expected[i], a[i], 12);
        Assert.Equal(1, stats.ZeroStdGroups);
        Assert.Equal(0.5, stats.FracZeroStdGroups);
    }

    [Fact]
    public void Batch_scaling_centres_per_group_but_divides_by_the_batch_std()
    {
        // batch: mean 0.75, Σ(r − mean)² = 6 · 0.0625 + 2 · 0.5625 = 1.5, unbiased std √(1.5/7) = 0.4629100;
        // A = ±0.5 / (0.4629100 + 1e-4) = ±1.0798902 in group 0, 0 in group 1 (its mean is its value).
        var a = GrpoAdvantages.Compute(Rewards, 4, ScaleRewards.Batch, out var stats);
        Assert.Equal(1.0798901667961847, a[0], 12);
        Assert.Equal(-1.0798901667961847, a[1], 12);
        Assert.All(a[4..], v => Assert.Equal(0.0, v));
        Assert.Equal(0.75, stats.RewardMean, 12);
        Assert.Equal(0.4629100498862757, stats.RewardStd, 12);
    }

    [Fact]
    public void None_scaling_only_centres_on_the_group_mean()
    {
        var a = GrpoAdvantages.Compute([3, 1, 2, 2, 0, 10], 3, ScaleRewards.None, out _);
        // group 0 mean 2 → [1, −1, 0]; group 1 mean 4 → [−2, −4, 6]
        Assert.Equal([1, -1, 0, -2, -4, 6], a);
    }

    [Fact]
    public void Std_is_the_unbiased_estimate_not_the_population_one()
    {
        // [0, 2]: population std 1 would give ±1/(1+1e-4); Bessel's n−1 gives std √2 → ±1/(√2 + 1e-4) = ±0.7070568.
        var a = GrpoAdvantages.Compute([0, 2], 2, ScaleRewards.Group, out _);
        Assert.Equal(-0.7070567847218314, a[0], 12);
        Assert.Equal(0.7070567847218314, a[1], 12);
    }

    [Fact]
    public void Nan_rewards_are_left_out_of_the_group_stats_and_get_zero_advantage()
    {
        // group [1, NaN, 0]: mean 0.5 and std √0.5 over the two scored ones; the unscorable gets A = 0.
        var a = GrpoAdvantages.Compute([1, double.NaN, 0], 3, ScaleRewards.Group, out var stats);
        Assert.Equal(0.5 / (Math.Sqrt(0.5) + 1e-4), a[0], 12);
        Assert.Equal(0.0, a[1]);
        Assert.Equal(-0.5 / (Math.Sqrt(0.5) + 1e-4), a[2], 12);
        Assert.Equal(0.5, stats.RewardMean, 12);
    }

    [Fact]
    public void A_group_of_one_has_zero_std_and_zero_advantage()
    {
        var a = GrpoAdvantages.Compute([0.3, 0.9], 1, ScaleRewards.Group, out var stats);
        Assert.Equal([0.0, 0.0], a);
        Assert.Equal(1.0, stats.FracZeroStdGroups);
    }

    [Fact]
    public void Rewards_that_do_not_split_into_groups_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => GrpoAdvantages.Compute([1, 2, 3, 4, 5], 2, ScaleRewards.Group, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => GrpoAdvantages.Compute([1, 2], 0, ScaleRewards.Group, out _));
    }

    [Fact]
    public void Span_overload_writes_into_the_given_buffer_and_checks_its_length()
    {
        var buffer = new double[4];
        GrpoAdvantages.Compute([1, 0, 5, 5], 2, ScaleRewards.None, buffer, out var stats);
        Assert.Equal([0.5, -0.5, 0, 0], buffer);
        Assert.Equal(1, stats.ZeroStdGroups);
        Assert.Throws<ArgumentException>(() => GrpoAdvantages.Compute([1, 0], 2, ScaleRewards.None, new double[3], out _));
    }

    [Fact]
    public void Zero_variance_groups_are_the_groups_with_all_equal_rewards()
    {
        double[] r = [1, 1, 0, 1, 0, 0, 0.5, 0.5, 0.2, 0.3];
        Assert.Equal([0, 2, 3], GrpoAdvantages.ZeroVarianceGroups(r, 2));
        Assert.Empty(GrpoAdvantages.ZeroVarianceGroups([0, 1, 1, 0], 2));
    }

    [Fact]
    public void Zero_variance_groups_agree_with_the_zero_std_count()
    {
        Gen.Int[0, 2].Select(i => i * 0.5).Array[12].Sample(r =>
        {
            GrpoAdvantages.Compute(r, 3, ScaleRewards.Group, out var stats);
            Assert.Equal(stats.ZeroStdGroups, GrpoAdvantages.ZeroVarianceGroups(r, 3).Length);
        });
    }

    [Fact]
    public void Advantages_of_every_group_sum_to_zero_and_group_scaling_gives_near_unit_std()
    {
        Gen.Double[-5, 5].Array[8].Sample(r =>
        {
            foreach (var mode in new[] { ScaleRewards.Group, ScaleRewards.Batch, ScaleRewards.None })
            {
                var a = GrpoAdvantages.Compute(r, 4, mode, out _);
                Assert.Equal(0.0, a[..4].Sum(), 9);
                Assert.Equal(0.0, a[4..].Sum(), 9);
            }
            var g = GrpoAdvantages.Compute(r, 4, ScaleRewards.Group, out _);
            var (_, std) = GrpoAdvantages.NanMeanStd(r.AsSpan(0, 4));
            Assert.Equal(std / (std + 1e-4), GrpoAdvantages.NanMeanStd(g.AsSpan(0, 4)).Std, 9);
        });
    }

    [Theory]
    [InlineData(80, 0.0)]
    [InlineData(90, -0.5)]
    [InlineData(95, -0.75)]
    [InlineData(100, -1.0)]
    [InlineData(101, -1.0)]
    public void Soft_overlong_penalty_ramps_over_the_cache(int length, double expected)
    {
        // DAPO eq. 13 with L_max = 100, L_cache = 20: free up to 80, linear to −1 at 100, −1 beyond.
        Assert.Equal(expected, OverlongShaping.SoftPenalty(length, 100, 20), 12);
    }

    [Fact]
    public void Soft_overlong_penalty_without_cache_is_a_hard_cut()
    {
        Assert.Equal(0.0, OverlongShaping.SoftPenalty(100, 100, 0));
        Assert.Equal(-1.0, OverlongShaping.SoftPenalty(101, 100, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => OverlongShaping.SoftPenalty(1, 100, 101));
    }
}
