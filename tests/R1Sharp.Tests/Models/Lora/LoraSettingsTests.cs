// LoraSettings: PEFT's scaling (α/r, rsLoRA α/√r), its target-module matching, and the one-line errors for bad values.
using R1Sharp.Models.Lora;

namespace R1Sharp.Tests.Models.Lora;

public sealed class LoraSettingsTests
{
    [Theory]
    [InlineData(16, 32, false, 2.0)]
    [InlineData(16, 32, true, 8.0)]     // 32 / √16
    [InlineData(8, 8, false, 1.0)]
    [InlineData(4, 1, true, 0.5)]       // 1 / √4
    public void Scaling_is_alpha_over_r_or_over_sqrt_r(int r, double alpha, bool rslora, double expected) =>
        Assert.Equal(expected, new LoraSettings(r, alpha, UseRslora: rslora).Scaling, 12);

    [Theory]
    [InlineData("model.layers.3.self_attn.q_proj", true)]
    [InlineData("model.layers.3.self_attn.v_proj", true)]
    [InlineData("model.layers.3.self_attn.k_proj", false)]
    [InlineData("model.layers.3.self_attn.q_a_proj", false)]
    [InlineData("lm_head", false)]
    public void Default_targets_are_q_and_v(string module, bool selected) =>
        Assert.Equal(selected, new LoraSettings().Selects(module));

    [Theory]
    [InlineData("model.layers.0.mlp.down_proj", true)]
    [InlineData("model.layers.0.self_attn.kv_b_proj", true)]
    [InlineData("model.layers.2.mlp.shared_experts.up_proj", true)]
    [InlineData("model.layers.2.mlp.experts.5.up_proj", false)]
    [InlineData("lm_head", false)]
    public void All_linear_takes_every_projection_but_the_head_and_routed_experts(string module, bool selected) =>
        Assert.Equal(selected, new LoraSettings(TargetModules: [LoraSettings.AllLinear]).Selects(module));

    [Fact]
    public void Routed_experts_are_adapted_when_asked() =>
        Assert.True(new LoraSettings(TargetModules: ["up_proj"], IncludeExperts: true).Selects("model.layers.2.mlp.experts.5.up_proj"));

    [Theory]
    [InlineData(0, 32, 0.0, "lora_r must be >= 1")]
    [InlineData(8, 0, 0.0, "lora_alpha must be a positive number")]
    [InlineData(8, 16, 1.0, "lora_dropout must be in [0, 1)")]
    public void Bad_values_name_the_key(int r, double alpha, double dropout, string message)
    {
        var e = Assert.Throws<R1SharpException>(() => new LoraSettings(r, alpha, dropout).Validate());
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void All_linear_stands_alone_and_lm_head_is_refused()
    {
        Assert.Contains("stands alone", Assert.Throws<R1SharpException>(() => new LoraSettings(TargetModules: ["all-linear", "q_proj"]).Validate()).Message);
        Assert.Contains("lm_head", Assert.Throws<R1SharpException>(() => new LoraSettings(TargetModules: ["lm_head"]).Validate()).Message);
    }
}
