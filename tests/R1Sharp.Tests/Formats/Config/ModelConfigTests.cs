// ModelConfig: parsing the R1-Distill configs (fixtures transcribed from ARCHITECTURES.md §2),
// validation messages, unsupported types and the ToJson round trip.
using R1Sharp.Formats.Config;

namespace R1Sharp.Tests.Formats.Config;

public class ModelConfigTests
{
    [Fact]
    public void Qwen_1_5B_config_parses_with_gqa_biases_and_head_dim_128()
    {
        var c = Assert.IsType<Qwen2Config>(ModelConfig.Load(ConfigFixtures.Dir("r1-distill-qwen-1.5b")));
        Assert.Equal("qwen2", c.ModelType);
        Assert.Equal(new ValueList<string>(["Qwen2ForCausalLM"]), c.Architectures);
        Assert.Equal((151936, 1536, 8960, 28, 12, 2), (c.VocabSize, c.HiddenSize, c.IntermediateSize, c.NumHiddenLayers, c.NumAttentionHeads, c.NumKeyValueHeads));
        Assert.Equal(128, c.HeadDim);
        Assert.Null(c.ExplicitHeadDim);
        Assert.Equal(131072, c.MaxPositionEmbeddings);
        Assert.Equal(1e-6, c.RmsNormEps);
        Assert.Equal(10000.0, c.RopeTheta);
        Assert.Null(c.RopeScaling);
        Assert.False(c.TieWordEmbeddings);
        Assert.Equal(151643, c.BosTokenId);
        Assert.Equal(new ValueList<int>([151643]), c.EosTokenIds);
        Assert.Equal("bfloat16", c.TorchDtype);
        Assert.True(c.AttentionBias);
        Assert.False(c.OutputProjectionBias);
        Assert.False(c.MlpBias);
        Assert.False(c.UseSlidingWindow);
        Assert.Null(c.SlidingWindow);
        Assert.Equal(21, c.MaxWindowLayers);
        Assert.Equal("silu", c.HiddenAct);
        Assert.Equal(0.02, c.InitializerRange);
    }

    [Fact]
    public void Qwen_7B_config_parses_with_unused_sliding_window()
    {
        var c = Assert.IsType<Qwen2Config>(ModelConfig.Load(ConfigFixtures.Dir("r1-distill-qwen-7b")));
        Assert.Equal((152064, 3584, 18944, 28, 28, 4, 128), (c.VocabSize, c.HiddenSize, c.IntermediateSize, c.NumHiddenLayers, c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim));
        Assert.Equal(4096, c.SlidingWindow);
        Assert.Equal(28, c.MaxWindowLayers);
        Assert.False(c.UseSlidingWindow);
    }

    [Fact]
    public void Llama_8B_config_parses_llama3_rope_scaling()
    {
        var c = Assert.IsType<LlamaConfig>(ModelConfig.Load(ConfigFixtures.Dir("r1-distill-llama-8b")));
        Assert.Equal((128256, 4096, 14336, 32, 32, 8, 128), (c.VocabSize, c.HiddenSize, c.IntermediateSize, c.NumHiddenLayers, c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim));
        Assert.Equal(500000.0, c.RopeTheta);
        Assert.Equal(1e-5, c.RmsNormEps);
        var rs = Assert.IsType<Llama3RopeScaling>(c.RopeScaling);
        Assert.Equal((8.0, 1.0, 4.0, 8192), (rs.Factor, rs.LowFreqFactor, rs.HighFreqFactor, rs.OriginalMaxPositionEmbeddings));
        Assert.False(c.AttentionBias);
        Assert.False(c.OutputProjectionBias);
        Assert.Equal((128000, 128001), (c.BosTokenId, c.EosTokenIds.Single()));
    }

    [Theory]
    [InlineData("r1-distill-qwen-1.5b")]
    [InlineData("r1-distill-qwen-7b")]
    [InlineData("r1-distill-llama-8b")]
    public void ToJson_round_trips_to_an_equal_record(string model)
    {
        var original = ModelConfig.Load(ConfigFixtures.Dir(model));
        string json = original.ToJson();
        var back = ModelConfig.Parse(json, "roundtrip.json");
        Assert.Equal(original, back);
        Assert.Equal(json, back.ToJson());
        Assert.Contains($"\"architectures\": [\n    \"{original.DefaultArchitecture}\"\n  ]", json);
        Assert.Contains("\"transformers_version\"", json);
    }

    [Fact]
    public void ToJson_writes_floats_as_python_json_does()
    {
        string json = ModelConfig.Load(ConfigFixtures.Dir("r1-distill-llama-8b")).ToJson();
        Assert.Contains("\"rms_norm_eps\": 1e-05,", json);
        Assert.Contains("\"rope_theta\": 500000.0,", json);
        Assert.Contains("\"factor\": 8.0,", json);
        Assert.Contains("\"original_max_position_embeddings\": 8192,", json);
    }

    [Fact]
    public void ToJson_round_trips_explicit_head_dim_eos_list_and_yarn()
    {
        var c = new LlamaConfig
        {
            VocabSize = 300, HiddenSize = 64, IntermediateSize = 128, NumHiddenLayers = 2, NumAttentionHeads = 4,
            NumKeyValueHeads = 2, ExplicitHeadDim = 32, EosTokenIds = new[] { 1, 2 }, AttentionBias = true, MlpBias = true,
            RopeScaling = new YarnRopeScaling { Factor = 40, OriginalMaxPositionEmbeddings = 4096, Mscale = 1.0, MscaleAllDim = 1.0 },
        };
        var back = ModelConfig.Parse(c.ToJson(), "x.json");
        Assert.Equal(c with { Architectures = new[] { "LlamaForCausalLM" }, TransformersVersion = ModelConfig.DefaultTransformersVersion }, back);
        Assert.Equal(32, back.HeadDim);
        Assert.True(back.OutputProjectionBias);
    }

    [Fact]
    public void Yarn_rope_scaling_of_deepseek_r1_is_parsed()
    {
        string json = File.ReadAllText(Path.Combine(ConfigFixtures.Root, "deepseek-r1-config.json")).Replace("\"deepseek_v3\"", "\"llama\"");
        var rs = Assert.IsType<YarnRopeScaling>(ModelConfig.Parse(json, "r1.json").RopeScaling);
        Assert.Equal((40.0, 4096, 32.0, 1.0, 1.0, 1.0), (rs.Factor, rs.OriginalMaxPositionEmbeddings, rs.BetaFast, rs.BetaSlow, rs.Mscale, rs.MscaleAllDim));
    }

    [Fact]
    public void Unknown_model_type_is_reported_with_the_supported_list()
    {
        string json = File.ReadAllText(Path.Combine(ConfigFixtures.Root, "deepseek-r1-config.json")).Replace("\"deepseek_v3\"", "\"deepseek_v2\"");
        var e = Assert.Throws<R1SharpException>(() => ModelConfig.Parse(json, "config.json"));
        Assert.Equal("config.json: model_type 'deepseek_v2' is not supported; supported: qwen2, llama, deepseek_v3", e.Message);
    }

    [Fact]
    public void Missing_config_json_names_the_path()
    {
        var e = Assert.Throws<R1SharpException>(() => ModelConfig.Load("/nonexistent/model"));
        Assert.StartsWith("/nonexistent/model/config.json: not found", e.Message);
    }

    [Fact]
    public void Missing_model_type_says_which_values_to_use()
    {
        var e = Assert.Throws<R1SharpException>(() => ModelConfig.Parse("{\"hidden_size\": 8}", "c.json"));
        Assert.Equal("c.json: field 'model_type' is missing; set it to one of: qwen2, llama, deepseek_v3", e.Message);
    }
}
