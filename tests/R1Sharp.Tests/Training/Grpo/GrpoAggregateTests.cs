// Each loss_type's reduction on a 2×3 masked example computed by hand, and the gradient of the whole loss wrt logp.
using R1Sharp.Training.Grpo;
using static R1Sharp.Tests.Training.Grpo.GrpoLossTests;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Training.Grpo;

public class GrpoAggregateTests
{
    // per-token losses [[1, 2, 3], [4, 5, 6]], mask [[1, 1, 0], [1, 0, 0]]: 3 tokens count, sum 1 + 2 + 4 = 7.
    private static double Agg(LossType type, int maxLen = 4, double? items = null, int gas = 1, double[]? mask = null)
    {
        using var scope = NewDisposeScope();
        var loss = T2([1, 2, 3, 4, 5, 6], 2);
        return GrpoLoss.Aggregate(loss, T2(mask ?? [1, 1, 0, 1, 0, 0], 2), type, maxLen, items, gas).item<double>();
    }

    [Fact]
    public void Grpo_averages_each_sequence_then_the_sequences()
    {
        Assert.Equal(2.75, Agg(LossType.Grpo), 12);            // ((1 + 2)/2 + 4/1) / 2
    }

    [Fact]
    public void Bnpo_divides_by_the_tokens_of_the_micro_batch()
    {
        Assert.Equal(7.0 / 3, Agg(LossType.Bnpo), 12);
    }

    [Fact]
    public void Dr_grpo_divides_by_batch_times_max_completion_length()
    {
        Assert.Equal(0.875, Agg(LossType.DrGrpo, maxLen: 4), 12);     // 7 / (2 · 4)
        Assert.Equal(0.35, Agg(LossType.DrGrpo, maxLen: 10), 12);     // 7 / 20
    }

    [Fact]
    public void Dapo_divides_by_the_tokens_of_the_accumulated_batch()
    {
        Assert.Equal(0.7, Agg(LossType.Dapo, items: 10), 12);
        Assert.Equal(7.0, Agg(LossType.Dapo, items: 0), 12);          // clamped to 1, as TRL does
    }

    [Fact]
    public void Accumulation_steps_divide_every_loss_type_but_dapo()
    {
        Assert.Equal(1.375, Agg(LossType.Grpo, gas: 2), 12);
        Assert.Equal(7.0 / 6, Agg(LossType.Bnpo, gas: 2), 12);
        Assert.Equal(0.4375, Agg(LossType.DrGrpo, gas: 2), 12);
        Assert.Equal(0.7, Agg(LossType.Dapo, items: 10, gas: 2), 12);
    }

    [Fact]
    public void A_fully_masked_sequence_counts_as_zero_in_grpo()
    {
        Assert.Equal(0.75, Agg(LossType.Grpo, mask: [1, 1, 0, 0, 0, 0]), 12);   // (1.5 + 0/1) / 2
    }

    [Fact]
    public void Dapo_without_token_count_and_bad_shapes_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => Agg(LossType.Dapo));
        Assert.Throws<ArgumentOutOfRangeException>(() => Agg(LossType.DrGrpo, maxLen: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Agg(LossType.Bnpo, gas: 0));
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => GrpoLoss.Aggregate(zeros(2, 3), ones(3, 2), LossType.Bnpo, 4));
    }

    // Gradient of the aggregated loss wrt logp with μ = 1 (old = logp.detach(), β = 0): ρ = 1 in value, so each
    // unmasked token gets −A_i / norm, with norm = |o_i|·B (grpo), N_tokens (bnpo), B·L_max (dr_grpo), N (dapo).
    // mask [[1, 1, 0], [1, 0, 0]], A = [2, −1], B = 2, |o| = [2, 1], N = 3, L_max = 4.
    [Theory]
    // The loss value itself is the aggregate of −A: grpo (−2 + 1)/2, bnpo (−2 − 2 + 1)/3, dr_grpo −3/8, dapo −3/3.
    [InlineData(LossType.Grpo, -0.5, new[] { -0.5, -0.5, 0, 0.5, 0, 0 })]
    [InlineData(LossType.Bnpo, -1.0, new[] { -2.0 / 3, -2.0 / 3, 0, 1.0 / 3, 0, 0 })]
    [InlineData(LossType.DrGrpo, -0.375, new[] { -0.25, -0.25, 0, 0.125, 0, 0 })]
    [InlineData(LossType.Dapo, -1.0, new[] { -2.0 / 3, -2.0 / 3, 0, 1.0 / 3, 0, 0 })]
    public void With_one_iteration_the_gradient_is_minus_the_advantage_over_the_norm(LossType type, double value, double[] expected)
    {
        using var scope = NewDisposeScope();
        var logp = T2([-0.3, -1.2, -0.7, -2.0, -0.1, -0.9], 2).requires_grad_();
        var mask = T2([1, 1, 0, 1, 0, 0], 2);
        var r = GrpoLoss.PerToken(logp, null, null, T1(2, -1), mask, 0.2, 0.2, 0.0);
        var loss = GrpoLoss.Aggregate(r.Loss, mask, type, 4, numItemsInBatch: 3);
        Assert.Equal(value, loss.item<double>(), 12);
        loss.backward();
        var grad = logp.grad!.data<double>().ToArray();
        for (int i = 0; i < 6; i++) Assert.Equal(expected[i], grad[i], 12);
    }

    [Fact]
    public void Autograd_gradient_matches_central_differences_with_old_logprobs_held_fixed()
    {
        // ρ = exp(x − c) with c = the current logp held constant: the finite difference of the loss in x at x = c
        // is the gradient the detached form gives, −A/norm (here grpo: −A_i/(|o_i|·B)).
        using var scope = NewDisposeScope();
        double[] x0 = [-0.3, -1.2, -0.7, -2.0, -0.1, -0.9];
        var mask = T2([1, 1, 0, 1, 0, 0], 2);
        double Loss(double[] x) => GrpoLoss.Aggregate(
            GrpoLoss.PerToken(T2(x, 2), T2(x0, 2), null, T1(2, -1), mask, 0.2, 0.2, 0.0, false).Loss,
            mask, LossType.Grpo, 4).item<double>();
        double[] expected = [-0.5, -0.5, 0, 0.5, 0, 0];
        const double h = 1e-6;
        for (int k = 0; k < 6; k++)
        {
            double[] plus = (double[])x0.Clone(), minus = (double[])x0.Clone();
            plus[k] += h;
            minus[k] -= h;
            Assert.Equal(expected[k], (Loss(plus) - Loss(minus)) / (2 * h), 6);
        }
    }

    [Fact]
    public void A_clipped_token_gets_no_policy_gradient()
    {
        using var scope = NewDisposeScope();
        var logp = T2([Math.Log(1.5), Math.Log(1.1)], 1).requires_grad_();       // ρ = 1.5 (clipped), 1.1 (inside)
        var mask = ones(1, 2, float64);
        var r = GrpoLoss.PerToken(logp, zeros(1, 2, float64), null, T1(1.0), mask, 0.2, 0.2, 0.0);
        GrpoLoss.Aggregate(r.Loss, mask, LossType.Bnpo, 2).backward();
        var g = logp.grad!.data<double>().ToArray();
        Assert.Equal(0.0, g[0]);
        Assert.Equal(-1.1 / 2, g[1], 12);                                         // d(−ρA)/dlogp = −ρA, / 2 tokens
    }

    [Fact]
    public void Kl_gradient_pulls_logp_towards_the_reference()
    {
        // d k3 / d logp = 1 − exp(ref − logp) = 1 − 0.5 = 0.5 at logp = ln 0.5, ref = ln 0.25; × β = 0.1.
        using var scope = NewDisposeScope();
        var logp = T2([Math.Log(0.5)], 1).requires_grad_();
        var mask = ones(1, 1, float64);
        var r = GrpoLoss.PerToken(logp, null, T2([Math.Log(0.25)], 1), T1(0.0), mask, 0.2, 0.2, 0.1);
        GrpoLoss.Aggregate(r.Loss, mask, LossType.Bnpo, 1).backward();
        Assert.Equal(0.05, logp.grad!.item<double>(), 12);
    }
}
