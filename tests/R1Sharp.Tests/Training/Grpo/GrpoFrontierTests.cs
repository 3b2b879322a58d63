// Hand-computed tests of the issue-16 pieces: rollout IS weights, DeepSeek-V3.2 sequence masking, high-entropy masks,
// the adaptive entropy coefficient, GDPO advantages, reference mixing, and the masks' place in GrpoLoss.Policy.
using R1Sharp.Training.Grpo;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Training.Grpo;

public class GrpoFrontierTests
{
    private static Tensor T(double[] v, long rows) => tensor(v, [rows, v.Length / rows], ScalarType.Float64);
    private static double[] D(Tensor t) => t.contiguous().to_type(ScalarType.Float64).data<double>().ToArray();

    [Fact]
    public void Token_truncate_and_mask_weights_match_the_worked_example()
    {
        using var scope = NewDisposeScope();
        var train = T([0, Math.Log(4), -Math.Log(2)], 1);
        var behaviour = T([0, 0, 0], 1);
        var mask = T([1, 1, 1], 1);
        var truncate = OffPolicyCorrection.Weights(train, behaviour, mask, ImportanceSamplingCorrection.TokenTruncate, null, 3);
        Assert.Equal([1, 3, 0.5], D(truncate.Weights), new Tol(1e-12));
        Assert.Equal((1 + 3 + 0.5) / 3, truncate.Stats.Mean, 12);
        Assert.Equal(3, truncate.Stats.Max, 12);
        Assert.Equal(1.0 / 3, truncate.Stats.FractionCorrected, 12);
        var masked = OffPolicyCorrection.Weights(train, behaviour, mask, ImportanceSamplingCorrection.TokenMask, null, 3);
        Assert.Equal([1, 0, 0.5], D(masked.Weights), new Tol(1e-12));
        var seq = OffPolicyCorrection.Weights(train, behaviour, mask, ImportanceSamplingCorrection.SequenceTruncate, null, 3);
        Assert.Equal([2.0], D(seq.Weights), new Tol(1e-12));                     // exp(ln 4 − ln 2)
        var low = OffPolicyCorrection.Weights(train, behaviour, mask, ImportanceSamplingCorrection.TokenMask, 0.6, 3);
        Assert.Equal([1, 0, 0], D(low.Weights), new Tol(1e-12));                 // 0.5 < C_min 0.6 is masked too
    }

    [Fact]
    public void Sequence_mask_ignores_masked_tokens_and_drops_whole_sequences()
    {
        using var scope = NewDisposeScope();
        var train = T([Math.Log(4), 5, Math.Log(4), Math.Log(4)], 2);             // row 0's second token is masked
        var behaviour = T([0, 0, 0, 0], 2);
        var mask = T([1, 0, 1, 1], 2);
        var w = OffPolicyCorrection.Weights(train, behaviour, mask, ImportanceSamplingCorrection.SequenceMask, null, 10);
        Assert.Equal([4, 0], D(w.Weights), new Tol(1e-9));                        // row 1: 16 > 10 → dropped
        Assert.Equal(0.5, w.Stats.FractionCorrected, 12);
    }

    [Fact]
    public void Off_policy_sequence_mask_drops_only_negative_far_off_policy_sequences()
    {
        using var scope = NewDisposeScope();
        var logp = T([-1, -1, -1, -1, -1, -1], 3);
        var behaviour = T([-0.2, -0.6, -0.2, -0.6, -0.9, -0.9], 3);               // mean log(π_b/π_θ) 0.6, 0.6, 0.1
        var mask = T([1, 1, 1, 1, 1, 1], 3);
        var keep = OffPolicyCorrection.SequenceMask(tensor(new[] { -1.0, 1.0, -1.0 }, ScalarType.Float64), logp, behaviour, mask, 0.5);
        Assert.Equal([0, 1, 1], D(keep));
        Assert.Equal(1.0 / 3, OffPolicyCorrection.DroppedFraction(keep, mask), 12);
    }

    [Fact]
    public void Quantile_interpolates_linearly_like_torch()
    {
        Assert.Equal(3.4, EntropyControl.Quantile([4, 1, 3, 2], 0.8), 12);
        Assert.Equal(1, EntropyControl.Quantile([4, 1, 3, 2], 0), 12);
        Assert.Equal(4, EntropyControl.Quantile([4, 1, 3, 2], 1), 12);
    }

    [Fact]
    public void High_entropy_mask_keeps_the_top_share_of_unmasked_tokens()
    {
        using var scope = NewDisposeScope();
        var h = T([0.1, 2.0, 0.5, 1.0], 1);
        Assert.Equal([0, 1, 0, 1], D(EntropyControl.HighEntropyMask(h, T([1, 1, 1, 1], 1), 0.5)));
        Assert.Equal([1, 1, 1, 1], D(EntropyControl.HighEntropyMask(h, T([1, 1, 1, 1], 1), 1.0)));
        Assert.Equal([0, 1, 0, 0], D(EntropyControl.HighEntropyMask(h, T([1, 1, 1, 1], 1), 0.0)));
        // A masked token neither counts toward the quantile nor is kept: over [0.1, 0.5, 1.0] the median is 0.5.
        Assert.Equal([0, 0, 1, 1], D(EntropyControl.HighEntropyMask(h, T([1, 0, 1, 1], 1), 0.5)));
        Assert.Equal([0, 0, 0, 0], D(EntropyControl.HighEntropyMask(h, T([0, 0, 0, 0], 1), 0.5)));
    }

    [Fact]
    public void Adaptive_coefficient_follows_skywork_or1_as_trl_does()
    {
        var c = new AdaptiveEntropyCoefficient(0, target: 0.2, delta: 0.005, min: 0, max: 0.012);
        Assert.Equal(0, c.Applied);                                               // no entropy measured yet
        c.Update(0.1);
        Assert.Equal(0.005, c.Coefficient, 12);
        Assert.Equal(0.005, c.Applied, 12);
        c.Update(0.15); c.Update(0.1);
        Assert.Equal(0.012, c.Coefficient, 12);                                   // capped at max
        c.Update(0.3);
        Assert.Equal(0.007, c.Coefficient, 12);
        Assert.Equal(0, c.Applied);                                               // entropy above target: bonus off
        c.Update(0.3); c.Update(0.3);
        Assert.Equal(0, c.Coefficient, 12);                                       // floored at min
    }

    [Fact]
    public void Entropy_bonus_term_is_a_token_mean_over_the_step_for_every_loss_type()
    {
        using var scope = NewDisposeScope();
        var h = T([1, 2, 3, 4], 2);
        var m = T([1, 1, 1, 0], 2);
        Assert.Equal(6.0 / 10, EntropyControl.BonusTerm(h, m, LossType.Dapo, 10, 2).item<double>(), 12);
        Assert.Equal(6.0 / 3 / 2, EntropyControl.BonusTerm(h, m, LossType.Grpo, 10, 2).item<double>(), 12);
    }

    [Fact]
    public void Normalize_then_sum_balances_rewards_of_different_spread()
    {
        double s = 0.5 / (Math.Sqrt(0.5) + 1e-4) - 5 / (Math.Sqrt(50) + 1e-4);   // completion 0: â − b̂... per function
        double[] a = GrpoAdvantages.NormalizeThenSum([[1.0, 0.0], [0.0, 10.0]], [1, 1], 2);
        // s = [s, −s]; batch mean 0, unbiased std √2·|s|: A = ±|s| / (√2·|s| + 1e-4).
        double expected = s / (Math.Sqrt(2) * Math.Abs(s) + 1e-4);
        Assert.Equal(expected, a[0], 9);
        Assert.Equal(-expected, a[1], 9);
        // Equal-spread rewards: a plain per-function z-score sum, then batch-normalised.
        double[] b = GrpoAdvantages.NormalizeThenSum([[1.0, 0.0, 1.0, 1.0], [1.0, 0.0, null, null]], [1, 2], 2);
        double z = 0.5 / (Math.Sqrt(0.5) + 1e-4);
        double[] sums = [3 * z, -3 * z, 0, 0];
        double std = Math.Sqrt(sums.Select(x => x * x).Sum() / 3);
        Assert.Equal(3 * z / (std + 1e-4), b[0], 9);
        Assert.Equal(0, b[2], 12);
    }

    [Fact]
    public void Reference_mix_and_schedule()
    {
        using var scope = NewDisposeScope();
        var r = tensor(new[] { 1.0, -2.0 });
        ReferencePolicy.Mix(r, tensor(new[] { 3.0, 2.0 }), 0.6);
        Assert.Equal([2.2, 0.4], D(r), new Tol(1e-6));
        Assert.True(ReferencePolicy.IsDue(6, 3));
        Assert.False(ReferencePolicy.IsDue(7, 3));
        Assert.False(ReferencePolicy.IsDue(3, 0));
    }

    [Fact]
    public void Masks_and_weights_scale_the_policy_term_but_not_the_kl()
    {
        using var scope = NewDisposeScope();
        var logp = T([-1, -1], 1);
        var options = new GrpoLossOptions { LossType = LossType.Bnpo, Beta = 0.5 };
        var reference = T([-1 + Math.Log(2), -1], 1);                               // k3 = 2 − ln 2 − 1 on token 0
        var plain = GrpoLoss.Policy(logp, null, reference, tensor(new[] { 1.0 }, ScalarType.Float64), T([1, 1], 1), options);
        var scaled = GrpoLoss.Policy(logp, null, reference, tensor(new[] { 1.0 }, ScalarType.Float64), T([1, 1], 1), options,
            offPolicyMask: T([1], 1), entropyMask: T([0, 1], 1), isWeights: T([3, 3], 1));
        double k3 = 1 - Math.Log(2);
        Assert.Equal([-1 + 0.5 * k3, -1], D(plain.Loss), new Tol(1e-12));
        Assert.Equal([0.5 * k3, -3], D(scaled.Loss), new Tol(1e-12));
    }

    private sealed class Tol(double eps) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= eps;
        public int GetHashCode(double v) => 0;
    }
}
