// The random init of a deepseek_v3 model: HF's N(0, initializer_range) except MLA's down-projections, whose output an
// RMSNorm rescales, drawn at unit gain N(0, 1/fan_in) (DecoderModel.UnitGainStd; why: README "Why the tiny
// deepseek_v3 base did not learn").
using R1Sharp.Models;
using R1Sharp.Models.DeepSeekV3;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Models.DeepSeekV3;

public class DeepSeekV3InitTests
{
    [Theory]
    [InlineData(24)]
    [InlineData(null)]
    public void Default_init_draws_the_down_projections_at_unit_gain_and_the_rest_at_initializer_range(int? qLoraRank)
    {
        var config = TinyDeepSeek.Config(qLoraRank, layers: 2) with { InitializerRange = 0.02 };
        using var model = new DecoderModel(new DeepSeekV3Architecture(config));
        model.InitializeWeights(3);
        var std = model.CheckpointParameters().ToDictionary(p => p.Name, p => Std(p.Parameter));

        double unit = 1 / Math.Sqrt(config.HiddenSize);   // 0.144 at hidden 48
        Assert.Equal(unit, std["model.layers.1.self_attn.kv_a_proj_with_mqa.weight"], 0.015);
        if (qLoraRank is null) Assert.Equal(0.02, std["model.layers.1.self_attn.q_proj.weight"], 0.003);
        else Assert.Equal(unit, std["model.layers.1.self_attn.q_a_proj.weight"], 0.015);
        foreach (var name in new[] { "kv_b_proj", "o_proj" })
            Assert.Equal(0.02, std[$"model.layers.1.self_attn.{name}.weight"], 0.003);
        Assert.Equal(0.02, std["model.embed_tokens.weight"], 0.003);
        Assert.Equal(0.0, std["model.layers.1.self_attn.kv_a_layernorm.weight"], 1e-6);   // norms: filled with 1
    }

    [Fact]
    public void A_given_std_applies_to_every_weight()
    {
        using var model = new DecoderModel(new DeepSeekV3Architecture(TinyDeepSeek.Config(24, layers: 2)));
        model.InitializeWeights(3, std: 0.05);
        var std = model.CheckpointParameters().ToDictionary(p => p.Name, p => Std(p.Parameter));

        Assert.Equal(0.05, std["model.layers.1.self_attn.q_a_proj.weight"], 0.006);
        Assert.Equal(0.05, std["model.layers.1.self_attn.kv_a_proj_with_mqa.weight"], 0.006);
    }

    [Fact]
    public void Only_the_mla_down_projections_get_a_unit_gain_std()
    {
        using var w = zeros(10, 64);
        Assert.Equal(0.125, DecoderModel.UnitGainStd("model.layers.3.self_attn.q_a_proj.weight", w));
        Assert.Equal(0.125, DecoderModel.UnitGainStd("mtp.0.self_attn.kv_a_proj_with_mqa.weight", w));
        Assert.Null(DecoderModel.UnitGainStd("model.layers.3.self_attn.q_b_proj.weight", w));
        Assert.Null(DecoderModel.UnitGainStd("model.layers.3.self_attn.kv_a_layernorm.weight", w));
        Assert.Null(DecoderModel.UnitGainStd("model.layers.3.self_attn.q_proj.weight", w));
    }

    private static double Std(Tensor p)
    {
        using var s = p.detach().std();
        return s.item<float>();
    }
}
