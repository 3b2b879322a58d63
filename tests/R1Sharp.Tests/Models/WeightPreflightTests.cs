// config.json against the safetensors headers before allocation: ExpectedTensors equals the modules' parameters for
// every architecture variant, and a config that disagrees with its weights is one line naming the field — including a
// num_hidden_layers of 1e9, refused in a few seconds with little memory by the real `r1 run`.
using System.Text.Json.Nodes;
using R1Sharp.Formats.Config;
using R1Sharp.Formats.Safetensors;
using R1Sharp.Models;
using R1Sharp.Tests.Cli;
using R1Sharp.Tests.Models.DeepSeekV3;

namespace R1Sharp.Tests.Models;

public sealed class WeightPreflightTests
{
    public static TheoryData<string> Variants => ["qwen2", "qwen2 tied", "llama biases", "llama tied", "deepseek", "deepseek no q_lora",
        "deepseek no shared", "deepseek moe every 2nd"];

    static ModelConfig Config(string variant) => variant switch
    {
        "qwen2" => TinyModels.Qwen2(),
        "qwen2 tied" => TinyModels.Qwen2(tie: true),
        "llama biases" => (LlamaConfig)TinyModels.Llama() with { AttentionBias = true, MlpBias = true },
        "llama tied" => TinyModels.Llama(tie: true),
        "deepseek" => TinyDeepSeek.Config(),
        "deepseek no q_lora" => TinyDeepSeek.Config(qLoraRank: null),
        "deepseek no shared" => TinyDeepSeek.Config(shared: 0),
        _ => TinyDeepSeek.Config(layers: 5) with { MoeLayerFreq = 2 },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Expected_tensors_are_the_models_parameters(string variant)
    {
        var config = Config(variant);
        using var model = new DecoderModel(config);
        var actual = model.named_parameters().Select(p => $"{p.name} [{string.Join(", ", p.parameter.shape)}]").Order(StringComparer.Ordinal);
        var expected = ExpectedTensors.Of(config).Select(t => $"{t.Name} [{string.Join(", ", t.Shape)}]").Order(StringComparer.Ordinal);
        Assert.Equal(actual, expected);
        Assert.Equal(ModelArithmetic.Count(config).Total, ExpectedTensors.Of(config).Sum(t => t.ElementCount));
    }

    // The shipped tiny model's weights under an edited config.
    static string Edited(Action<JsonObject> edit)
    {
        string dir = TopLevelJsonCliTests.CopyOfTinyModel();
        string path = Path.Combine(dir, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(config);
        File.WriteAllText(path, config.ToJsonString());
        return dir;
    }

    static string LoadError(Action<JsonObject> edit)
    {
        string dir = Edited(edit);
        var e = Assert.Throws<R1SharpException>(() => DecoderModel.Load(dir));
        Assert.DoesNotContain('\n', e.Message);
        Assert.StartsWith(Path.Combine(dir, "config.json"), e.Message);
        return e.Message;
    }

    [Fact]
    public void Each_disagreeing_field_is_named()
    {
        Assert.Contains("num_hidden_layers is 3, but model.safetensors holds layers model.layers.0 to model.layers.1", LoadError(c => c["num_hidden_layers"] = 3));
        Assert.Contains("num_hidden_layers is 1, but", LoadError(c => c["num_hidden_layers"] = 1));
        Assert.Contains("hidden_size is 128, but model.safetensors has model.embed_tokens.weight [600, 64]", LoadError(c => { c["hidden_size"] = 128; c["head_dim"] = 16; }));
        Assert.Contains("vocab_size is 700, but", LoadError(c => c["vocab_size"] = 700));
        Assert.Contains("model.layers.0.mlp.gate_proj.weight is [176, 64] in the weights, the config gives [352, 64] (intermediate_size = 352)",
            LoadError(c => c["intermediate_size"] = 352));
        Assert.Contains("(num_key_value_heads × head_dim = 64)", LoadError(c => c["num_key_value_heads"] = 4));
        Assert.Contains("lm_head.weight is missing (the config has tie_word_embeddings false)", LoadError(c => c["tie_word_embeddings"] = false));
        string m = LoadError(c => c["intermediate_size"] = 352);
        Assert.Contains("the config makes 198,720 parameters, the weights hold 131,136", m);
    }

    [Fact]
    public void Extra_tensors_in_the_weights_are_refused_and_hf_extras_allowed()
    {
        var tensors = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
        foreach (var t in ExpectedTensors.Of(TinyModels.Qwen2(tie: true)))
            tensors[t.Name] = new SafetensorsTensorInfo(t.Name, SafetensorsDType.F32, t.Shape, 0, 0);
        void Add(string name, params long[] shape) => tensors[name] = new SafetensorsTensorInfo(name, SafetensorsDType.F32, shape, 0, 0);
        Add("model.layers.0.self_attn.rotary_emb.inv_freq", 8);
        Add("lm_head.weight", 67, 64); // tied: HF skips a stored copy
        WeightPreflight.Check(TinyModels.Qwen2(tie: true), tensors, "config.json", "model.safetensors");
        Add("model.layers.0.mlp.gate_proj.bias", 96);
        var e = Assert.Throws<R1SharpException>(() => WeightPreflight.Check(TinyModels.Qwen2(tie: true), tensors, "config.json", "model.safetensors"));
        Assert.Contains("model.layers.0.mlp.gate_proj.bias [96] is not in the model the config describes (check attention_bias, mlp_bias", e.Message);
    }

    [Fact]
    public void A_billion_layers_is_refused_quickly_without_allocating()
    {
        string dir = Edited(c => c["num_hidden_layers"] = 1_000_000_000);
        using var run = R1Process.Start("run", "--model", dir, "--prompt", "hi", "--max-tokens", "2");
        long peakKb = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!run.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            peakKb = Math.Max(peakKb, run.PeakResidentKilobytes());
            Assert.True(peakKb < 1_500_000, $"r1 run grew to {peakKb / 1024} MB for a config it should refuse");
            Thread.Sleep(20);
        }
        var r = run.WaitForExit(TimeSpan.FromSeconds(10));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        Assert.True(r.ExitCode == 2, r.Stderr);
        var line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("config.json: num_hidden_layers is 1000000000, but model.safetensors holds layers model.layers.0 to model.layers.1", line);
    }
}
