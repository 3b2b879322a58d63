// The DeepSeekMoE router and bias update on hand-computed tables: group top-2 sums, kept groups, bias used for the
// selection only, renormalization and scaling; YaRN numbers of R1 (ramp 10..23, softmax scale 0.1352338).
using R1Sharp.Formats.Config;
using R1Sharp.Models.DeepSeekV3;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Models.DeepSeekV3;

public class MoeRouterTests
{
    private static (long[] Indices, float[] Weights) Route(float[] scores, float[] bias, RouterOptions o)
    {
        using var s = tensor(scores).unsqueeze(0);
        using var b = tensor(bias);
        var (i, w) = MoeRouter.Route(s, b, o);
        using (i) using (w) return (i[0].data<long>().ToArray(), w[0].data<float>().ToArray());
    }

    [Fact]
    public void Group_with_the_best_top2_sum_wins_even_without_the_single_best_expert()
    {
        // Groups {0,1} sum .9+.1 = 1.0, {2,3} sum .5+.6 = 1.1: group 1 is kept, so expert 0 (.9) is excluded.
        var (idx, w) = Route([0.9f, 0.1f, 0.5f, 0.6f], [0, 0, 0, 0], new RouterOptions(TopK: 1, Groups: 2, TopKGroups: 1, NormTopKProb: true, ScalingFactor: 2.5));
        Assert.Equal([3L], idx);
        Assert.Equal(2.5f, w[0], 5);
    }

    [Fact]
    public void Bias_changes_the_selection_but_not_the_weights()
    {
        float[] scores = [0.2f, 0.4f, 0.3f, 0.1f];
        var o = new RouterOptions(TopK: 2, Groups: 1, TopKGroups: 1, NormTopKProb: false, ScalingFactor: 1.0);
        var (plainIdx, _) = Route(scores, [0, 0, 0, 0], o);
        Assert.Equal([1L, 2L], plainIdx);
        // +0.5 on expert 3 makes it the top choice; its weight stays its unbiased score 0.1.
        var (idx, w) = Route(scores, [0, 0, 0, 0.5f], o);
        Assert.Equal([3L, 1L], idx);
        Assert.Equal([0.1f, 0.4f], w);
    }

    [Fact]
    public void Selected_weights_are_renormalized_then_scaled()
    {
        // Top-2 of [.6 .2 .3 .1] = experts 0, 2: .6/.9 · 2.5 = 1.6667, .3/.9 · 2.5 = 0.8333.
        var (idx, w) = Route([0.6f, 0.2f, 0.3f, 0.1f], [0, 0, 0, 0], new RouterOptions(2, 1, 1, true, 2.5));
        Assert.Equal([0L, 2L], idx);
        Assert.Equal(1.6666667f, w[0], 5);
        Assert.Equal(0.8333333f, w[1], 5);
    }

    [Fact]
    public void Group_scores_use_the_biased_choice()
    {
        // 3 groups of 2. Unbiased sums: {.5 .5}=1.0, {.45 .45}=.9, {.9 .0}=.9. A +.2 bias on expert 5 lifts group 2 to 1.1.
        float[] scores = [0.5f, 0.5f, 0.45f, 0.45f, 0.9f, 0.0f];
        var o = new RouterOptions(TopK: 2, Groups: 3, TopKGroups: 1, NormTopKProb: false, ScalingFactor: 1);
        Assert.Equal([0L, 1L], Route(scores, new float[6], o).Indices.Order().ToArray());
        var (idx, w) = Route(scores, [0, 0, 0, 0, 0, 0.2f], o);
        Assert.Equal([4L, 5L], idx);
        Assert.Equal([0.9f, 0.0f], w);
    }

    [Fact]
    public void Bias_update_moves_overloaded_experts_down_and_underloaded_up_by_gamma()
    {
        Assert.Equal([-0.001f, 0.001f, 0f], DeepSeekMoe.BiasDelta([6, 2, 4], 0.001));
        var config = TinyDeepSeek.Config(experts: 4, groups: 2, topkGroup: 1, topK: 1);
        using var moe = new DeepSeekMoe(config, ScalarType.Float32);
        moe.UpdateBias([10, 0, 5, 5], 0.01);
        Assert.Equal([-0.01f, 0.01f, 0f, 0f], moe.gate.e_score_correction_bias.data<float>().ToArray());
        Assert.False(moe.gate.e_score_correction_bias.requires_grad);
    }

    [Fact]
    public void Moe_counts_routed_tokens_per_expert()
    {
        var config = TinyDeepSeek.Config(experts: 4, groups: 2, topkGroup: 1, topK: 2);
        using var moe = new DeepSeekMoe(config, ScalarType.Float32);
        using (no_grad()) foreach (var (_, p) in moe.named_parameters()) if (p.requires_grad) p.normal_(0, 0.2);
        using var x = randn(3, 5, config.HiddenSize);
        using (no_grad()) moe.forward(x).Dispose();
        Assert.Equal(3 * 5 * 2, moe.TakeLoad().Sum());
        Assert.Equal(0, moe.Load.Sum());
    }

    [Fact]
    public void R1_yarn_ramp_and_softmax_scale_match_the_reference_numbers()
    {
        Assert.Equal((10.0, 23.0), YarnRope.CorrectionRange(64, 10000, 32, 1, 4096));
        var r1 = (DeepSeekV3Config)ModelConfig.Parse(File.ReadAllText(Path.Combine(R1Sharp.Tests.Formats.Config.ConfigFixtures.Root, "deepseek-r1-config.json")), "r1.json");
        Assert.Equal(0.1352338, YarnRope.SoftmaxScale(r1), 6);
        Assert.Equal(1.0, YarnRope.CosSinScale(r1));
        var inv = YarnRope.InverseFrequencies(r1);
        var plain = R1Sharp.Models.Rope.InverseFrequencies(64, 10000);
        Assert.Equal(plain[..11], inv[..11]);                                                     // i ≤ 10: extrapolated (kept)
        Assert.Equal(plain[23] / 40, inv[23], 1e-12);                                              // i ≥ 23: interpolated (÷ factor)
        double ramp = (16 - 10) / 13.0;                                                              // in between: blend
        Assert.Equal(plain[16] / 40 * ramp + plain[16] * (1 - ramp), inv[16], 1e-9);
    }
}
