// `--init NAME=STD` (ParameterInit): parsing with one-line errors, and the redraw of exactly the named weights, the same
// for the same seed.
using R1Sharp.Models;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Models;

public class ParameterInitTests
{
    [Fact]
    public void Parses_name_and_std()
    {
        Assert.Equal(new ParameterInit("q_proj", 0.125), ParameterInit.Parse("q_proj=0.125"));
        Assert.Equal("k_proj=1E-05", ParameterInit.Parse("k_proj=1e-5").ToString());
    }

    [Theory]
    [InlineData("q_proj", "expected NAME=STD")]
    [InlineData("=0.1", "expected NAME=STD")]
    [InlineData("q_proj=abc", "expected NAME=STD")]
    [InlineData("q_proj=0", "STD must be a positive number")]
    [InlineData("q_proj=-1", "STD must be a positive number")]
    public void Bad_text_is_a_one_line_error_naming_the_option(string text, string message)
    {
        var e = Assert.Throws<R1SharpException>(() => ParameterInit.Parse(text));
        Assert.StartsWith($"--init '{text}'", e.Message);
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Redraws_exactly_the_named_weights_and_is_a_function_of_the_seed()
    {
        using var model = new DecoderModel(TinyModels.Qwen2(layers: 2) with { InitializerRange = 0.02 });
        model.InitializeWeights(3);
        var before = model.CheckpointParameters().ToDictionary(p => p.Name, p => p.Parameter.detach().clone());
        ParameterInit.Apply(model, [new("q_proj", 0.5), new("input_layernorm", 0.25)], seed: 3);

        foreach (var (name, p) in model.CheckpointParameters())
        {
            bool named = name.Contains("q_proj", StringComparison.Ordinal) || name.Contains("input_layernorm", StringComparison.Ordinal);
            Assert.True(named != p.detach().allclose(before[name], 0, 0), name);
        }
        Assert.Equal(0.5, Std(model.CheckpointParameters().Single(p => p.Name == "model.layers.1.self_attn.q_proj.weight").Parameter), 0.05);
        Assert.Equal(0.25, model.CheckpointParameters().Single(p => p.Name == "model.layers.0.input_layernorm.weight").Parameter.detach().mean().item<float>(), 1e-6);

        using var again = new DecoderModel(TinyModels.Qwen2(layers: 2) with { InitializerRange = 0.02 });
        again.InitializeWeights(3);
        ParameterInit.Apply(again, [new("q_proj", 0.5), new("input_layernorm", 0.25)], seed: 3);
        var first = model.CheckpointParameters().ToDictionary(p => p.Name, p => p.Parameter);
        Assert.All(again.CheckpointParameters(), p => Assert.True(p.Parameter.detach().allclose(first[p.Name].detach(), 0, 0), p.Name));
        foreach (var t in before.Values) t.Dispose();
    }

    [Fact]
    public void A_name_that_matches_no_weight_is_an_error_naming_it()
    {
        using var model = new DecoderModel(TinyModels.Qwen2(layers: 1));
        model.InitializeWeights(1);
        var e = Assert.Throws<R1SharpException>(() => ParameterInit.Apply(model, [new("q_a_proj", 0.1)], seed: 1));
        Assert.Equal("--init q_a_proj=0.1: no parameter name contains 'q_a_proj' (e.g. q_proj, k_proj, mlp.down_proj)", e.Message);
    }

    private static double Std(Tensor p)
    {
        using var s = p.detach().std();
        return s.item<float>();
    }
}
