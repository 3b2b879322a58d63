// The sequence-wise balance loss (DeepSeek-V3 report §2.1.2, eqs. 17–20) on hand-computed tables, its gradient path
// (router weight yes, selection bias never) and the router capture the trainers read.
using R1Sharp.Models.DeepSeekV3;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Models.DeepSeekV3;

public sealed class SequenceBalanceLossTests
{
    // 2 sequences × 2 tokens, 4 experts, K = 2 (the worked example of the doc comment, plus a second sequence).
    // seq 0: s' = [.4 .3 .2 .1], [.1 .3 .5 .1]; experts {0,1}, {2,1} → f = [1 2 1 0], P = [.25 .3 .35 .1] → 1.2
    // seq 1: s' = [.25 .25 .25 .25], [.45 .05 .45 .05]; experts {0,3}, {0,1} → f = [2 1 0 1], P = [.35 .15 .35 .15] → 1.0
    static readonly float[] Scores = [.8f, .6f, .4f, .2f, .1f, .3f, .5f, .1f, .5f, .5f, .5f, .5f, .9f, .1f, .9f, .1f];
    static readonly long[] Indices = [0, 1, 2, 1, 0, 3, 0, 1];

    [Fact]
    public void Two_sequences_average_their_hand_computed_losses_times_alpha()
    {
        using var s = tensor(Scores).view(2, 2, 4);
        using var i = tensor(Indices).view(2, 2, 2);
        using var loss = SequenceBalanceLoss.Compute(s, i, alpha: 1);
        Assert.Equal(1.1, loss.ToDouble(), 5);
        using var scaled = SequenceBalanceLoss.Compute(s, i, alpha: 1e-4);
        Assert.Equal(1.1e-4, scaled.ToDouble(), 9);
    }

    [Fact]
    public void Padding_tokens_are_left_out_and_T_is_the_real_length()
    {
        using var s = tensor(Scores).view(2, 2, 4);
        using var i = tensor(Indices).view(2, 2, 2);
        // seq 0 keeps only token 0: f = 4/(2·1)·[1 1 0 0] = [2 2 0 0], P = [.4 .3 .2 .1] → 1.4; seq 1 unchanged 1.0.
        using var mask = tensor(new long[] { 1, 0, 1, 1 }).view(2, 2);
        using var loss = SequenceBalanceLoss.Compute(s, i, alpha: 1, mask);
        Assert.Equal(1.2, loss.ToDouble(), 5);
    }

    [Fact]
    public void Perfect_balance_gives_alpha()
    {
        // 4 tokens spread 2 per expert, uniform affinities: every f_i = 1, Σ P_i = 1.
        using var s = full(1, 4, 4, 0.3f);
        using var i = tensor(new long[] { 0, 1, 2, 3, 0, 2, 1, 3 }).view(1, 4, 2);
        using var loss = SequenceBalanceLoss.Compute(s, i, alpha: 0.5);
        Assert.Equal(0.5, loss.ToDouble(), 6);
    }

    [Fact]
    public void Gradient_reaches_the_router_weight_pushes_overloaded_experts_down_and_never_the_bias()
    {
        var c = TinyDeepSeek.Config(groups: 1, topkGroup: 1);
        using var router = new MoeRouter(c, ScalarType.Float32);
        using (no_grad())
        {
            using var g = new Generator(3);
            router.weight.normal_(0, 0.5, g);
            router.e_score_correction_bias.normal_(0, 0.5, g);
        }
        router.e_score_correction_bias.requires_grad = true;     // would any gradient reach it?
        router.CaptureRouting = true;
        using var x = randn(new long[] { 12, c.HiddenSize }, generator: new Generator(4));
        var (indices, weights) = router.Forward(x);
        indices.Dispose(); weights.Dispose();
        using var loss = SequenceBalanceLoss.Compute(router.LastScores!.view(2, 6, -1), router.LastIndices!.view(2, 6, -1), alpha: 1);
        loss.backward();

        Assert.NotNull(router.weight.grad);
        Assert.True(router.weight.grad!.abs().sum().ToDouble() > 0);
        Assert.True(router.e_score_correction_bias.grad is null || router.e_score_correction_bias.grad.abs().sum().ToDouble() == 0);
        // d L / d s_{i,t} is larger for experts with larger f_i: a gradient step lowers the affinity of the most loaded
        // expert relative to the least loaded one.
        using var counts = router.LastIndices!.reshape(-1).bincount(null, c.NRoutedExperts);
        var load = counts.data<long>().ToArray();
        int most = Array.IndexOf(load, load.Max()), least = Array.IndexOf(load, load.Min());
        using var before = (x.matmul(router.weight.detach().t())).sigmoid();
        using var after = (x.matmul((router.weight.detach() - 1.0 * router.weight.grad!).t())).sigmoid();
        double moved(int e) => (after.select(1, e) - before.select(1, e)).mean().ToDouble();
        Assert.True(moved(most) < moved(least), $"most loaded {most} moved {moved(most)}, least loaded {least} moved {moved(least)}");
        router.ClearCapture();
        Assert.Null(router.LastScores);
    }

    [Fact]
    public void Router_keeps_nothing_unless_capture_is_on()
    {
        var c = TinyDeepSeek.Config();
        using var router = new MoeRouter(c, ScalarType.Float32);
        using (no_grad()) router.weight.normal_(0, 0.5);
        using var x = randn(3, c.HiddenSize);
        var (i, w) = router.Forward(x);
        i.Dispose(); w.Dispose();
        Assert.Null(router.LastScores);
        Assert.Null(router.LastIndices);
    }
}
