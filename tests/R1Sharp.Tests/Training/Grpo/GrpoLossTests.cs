// Per-token GRPO loss on hand-computed ratios (inside/outside the clip, both advantage signs), clip metrics, k3 KL.
using R1Sharp.Training.Grpo;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Training.Grpo;

public class GrpoLossTests
{
    internal static Tensor T2(double[] values, long rows) => tensor(values, [rows, values.Length / rows], ScalarType.Float64);

    internal static Tensor T1(params double[] values) => tensor(values, ScalarType.Float64);

    // One token with ratio ρ = exp(logp − old) and advantage A; ε_low = 0.2 unless given.
    private static double OneToken(double rho, double a, double epsLow = 0.2, double epsHigh = 0.2, GrpoLossMetrics? check = null)
    {
        using var scope = NewDisposeScope();
        var r = GrpoLoss.PerToken(T2([Math.Log(rho)], 1), T2([0.0], 1), null, T1(a), T2([1.0], 1), epsLow, epsHigh, 0.0);
        return r.Loss.item<double>();
    }

    [Theory]
    [InlineData(1.1, 2.0, -2.2)]    // inside [0.8, 1.2]: −ρA
    [InlineData(1.5, 1.0, -1.2)]    // A > 0, ρ above 1 + ε: −(1.2 · 1), clipped
    [InlineData(1.5, -1.0, 1.5)]    // A < 0, ρ above: −min(−1.5, −1.2) = 1.5, not clipped (pessimistic bound)
    [InlineData(0.5, -1.0, 0.8)]    // A < 0, ρ below 1 − ε: −min(−0.5, −0.8) = 0.8, clipped
    [InlineData(0.5, 1.0, -0.5)]    // A > 0, ρ below: −min(0.5, 0.8) = −0.5, not clipped
    [InlineData(0.9, -3.0, 2.7)]    // inside, negative A: −(0.9 · −3)
    [InlineData(1.0, 0.0, 0.0)]     // no advantage, no loss
    public void Per_token_loss_is_the_pessimistic_clipped_surrogate(double rho, double a, double expected)
    {
        Assert.Equal(expected, OneToken(rho, a), 12);
    }

    [Fact]
    public void Clip_higher_widens_only_the_upper_bound()
    {
        Assert.Equal(-1.2, OneToken(1.25, 1.0), 12);                          // symmetric ε = 0.2
        Assert.Equal(-1.25, OneToken(1.25, 1.0, 0.2, 0.28), 12);              // DAPO ε_high = 0.28: inside
        Assert.Equal(-1.28, OneToken(1.4, 1.0, 0.2, 0.28), 12);               // clipped at 1.28
        Assert.Equal(0.8, OneToken(0.5, -1.0, 0.2, 0.28), 12);                // lower bound unchanged
    }

    [Fact]
    public void Clip_metrics_count_only_active_clips_over_unmasked_tokens()
    {
        // row 0 A = +1, row 1 A = −1; ratios [1.5, 0.5, 1.0 | 1.5, 0.5, 0.1]; the last token is masked.
        // high: (1.5, A>0) → 1 token; low: (0.5, A<0) → 1 token (0.1 would be, but is masked); 5 tokens counted.
        using var scope = NewDisposeScope();
        var logp = T2([Math.Log(1.5), Math.Log(0.5), 0, Math.Log(1.5), Math.Log(0.5), Math.Log(0.1)], 2);
        var r = GrpoLoss.PerToken(logp, zeros_like(logp), null, T1(1, -1), T2([1, 1, 1, 1, 1, 0], 2), 0.2, 0.2, 0.0);
        Assert.Equal(0.2, r.Metrics.ClipRatioLow, 12);
        Assert.Equal(0.2, r.Metrics.ClipRatioHigh, 12);
        Assert.Equal(0.4, r.Metrics.ClipRatioRegion, 12);
        Assert.True(double.IsNaN(r.Metrics.MeanKl));
    }

    [Fact]
    public void K3_of_half_against_quarter_is_0_193147()
    {
        // logp = ln 0.5, ref = ln 0.25: ref − logp = ln 0.5, k3 = 0.5 − ln 0.5 − 1 = 0.1931471805599453.
        using var scope = NewDisposeScope();
        var r = GrpoLoss.PerToken(T2([Math.Log(0.5)], 1), null, T2([Math.Log(0.25)], 1), T1(0.0), T2([1.0], 1), 0.2, 0.2, 0.1);
        Assert.Equal(0.1931471805599453, r.Metrics.MeanKl, 12);
        Assert.Equal(0.1 * 0.1931471805599453, r.Loss.item<double>(), 12);   // A = 0: only β·k3
    }

    [Fact]
    public void K3_is_zero_when_policy_equals_reference_and_positive_otherwise()
    {
        using var scope = NewDisposeScope();
        var logp = T2([-0.1, -2.0, -5.0, -0.7], 2);
        var same = GrpoLoss.PerToken(logp, null, logp.clone(), T1(0, 0), ones_like(logp), 0.2, 0.2, 1.0);
        Assert.Equal(0.0, same.Loss.abs().max().item<double>(), 14);
        var other = GrpoLoss.PerToken(logp, null, T2([-0.3, -1.0, -6.0, -0.69], 2), T1(0, 0), ones_like(logp), 0.2, 0.2, 1.0);
        Assert.True(other.Loss.min().item<double>() > 0);
    }

    [Fact]
    public void Beta_zero_keeps_the_kl_out_of_the_loss_but_still_reports_it()
    {
        using var scope = NewDisposeScope();
        var r = GrpoLoss.PerToken(T2([Math.Log(0.5)], 1), null, T2([Math.Log(0.25)], 1), T1(2.0), T2([1.0], 1), 0.2, 0.2, 0.0);
        Assert.Equal(-2.0, r.Loss.item<double>(), 12);
        Assert.Equal(0.1931471805599453, r.Metrics.MeanKl, 12);
    }

    [Fact]
    public void Without_old_logprobs_the_ratio_is_one_and_the_loss_is_minus_the_advantage()
    {
        using var scope = NewDisposeScope();
        var r = GrpoLoss.PerToken(T2([-1.0, -2.0, -0.5, -0.1], 2), null, null, T1(0.5, -2.0), ones(2, 2, float64), 0.2, 0.2, 0.0);
        Assert.Equal([-0.5, -0.5, 2.0, 2.0], r.Loss.data<double>().ToArray());
        Assert.Equal(0.0, r.Metrics.ClipRatioRegion);
    }

    [Fact]
    public void Per_token_advantages_of_shape_BT_are_accepted()
    {
        using var scope = NewDisposeScope();
        var adv = T2([1, -2, 3], 1);
        var mask = ones(1, 3, float64);
        var r = GrpoLoss.PerToken(zeros(1, 3, float64), null, null, adv, mask, 0.2, 0.2, 0.0);
        Assert.Equal([-1.0, 2.0, -3.0], r.Loss.data<double>().ToArray());
        Assert.Equal(5.0, (adv.sum() + mask.sum()).item<double>());        // 2 + 3: the caller's tensors stay alive
    }

    [Fact]
    public void Beta_without_reference_and_mismatched_shapes_are_rejected()
    {
        using var scope = NewDisposeScope();
        var logp = zeros(2, 3, float64);
        var mask = ones(2, 3, float64);
        Assert.Throws<ArgumentException>(() => GrpoLoss.PerToken(logp, null, null, T1(1, 1), mask, 0.2, 0.2, 0.04));
        Assert.Throws<ArgumentException>(() => GrpoLoss.PerToken(logp, zeros(2, 2, float64), null, T1(1, 1), mask, 0.2, 0.2, 0));
        Assert.Throws<ArgumentException>(() => GrpoLoss.PerToken(logp, null, null, T1(1, 1, 1), mask, 0.2, 0.2, 0));
        Assert.Throws<ArgumentException>(() => GrpoLoss.PerToken(zeros(6, float64), null, null, T1(1), ones(6, float64), 0.2, 0.2, 0));
    }

    [Fact]
    public void Metrics_can_be_skipped()
    {
        using var scope = NewDisposeScope();
        var r = GrpoLoss.PerToken(zeros(1, 2, float64), null, null, T1(1), ones(1, 2, float64), 0.2, 0.2, 0, computeMetrics: false);
        Assert.True(double.IsNaN(r.Metrics.ClipRatioLow));
        Assert.Equal(-1.0, r.Loss.mean().item<double>(), 12);
    }

    [Fact]
    public void Float32_inputs_give_float32_losses()
    {
        using var scope = NewDisposeScope();
        var r = GrpoLoss.PerToken(zeros(1, 2), null, null, tensor(new float[] { 1f }), ones(1, 2, @bool), 0.2, 0.2, 0);
        Assert.Equal(ScalarType.Float32, r.Loss.dtype);
        Assert.Equal([-1f, -1f], r.Loss.data<float>().ToArray());
    }
}
