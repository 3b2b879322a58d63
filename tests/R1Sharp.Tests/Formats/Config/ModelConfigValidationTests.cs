// ModelConfig.Validate and parse errors: each message names the file and field and says what to change.
using R1Sharp.Formats.Config;

namespace R1Sharp.Tests.Formats.Config;

public class ModelConfigValidationTests
{
    private const string Base = """
        "vocab_size": 100, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4
        """;

    private static string Msg(string fields, string type = "qwen2") =>
        Assert.Throws<R1SharpException>(() => ModelConfig.Parse($"{{\"model_type\": \"{type}\", {fields}}}", "config.json")).Message;

    private static string Override(string field, string value) =>
        System.Text.RegularExpressions.Regex.Replace(Base, $"\"{field}\": \\d+", $"\"{field}\": {value}");

    [Fact]
    public void Minimal_config_parses_with_defaults()
    {
        var c = ModelConfig.Parse($"{{\"model_type\": \"llama\", {Base}, \"some_future_field\": {{\"x\": [1]}}}}", "config.json");
        Assert.Equal((4, 16, 2048, 1e-6, 10000.0), (c.NumKeyValueHeads, c.HeadDim, c.MaxPositionEmbeddings, c.RmsNormEps, c.RopeTheta));
        Assert.Empty(c.EosTokenIds);
        Assert.False(c.AttentionBias);
    }

    [Fact]
    public void Kv_heads_must_divide_heads()
    {
        string m = Msg(Override("num_attention_heads", "12") + ", \"hidden_size\": 96, \"num_key_value_heads\": 5");
        Assert.Equal("config.json: num_attention_heads (12) must be divisible by num_key_value_heads (5); set num_key_value_heads to a divisor of 12", m);
    }

    [Fact]
    public void Hidden_size_must_divide_by_heads_without_head_dim()
    {
        Assert.Equal("config.json: hidden_size (66) must be divisible by num_attention_heads (4) when head_dim is absent; change num_attention_heads or set head_dim",
            Msg(Override("hidden_size", "66")));
        Assert.Equal(16, ModelConfig.Parse($"{{\"model_type\": \"llama\", {Override("hidden_size", "66")}, \"head_dim\": 16}}", "c").HeadDim);
    }

    [Theory]
    [InlineData("vocab_size")]
    [InlineData("hidden_size")]
    [InlineData("intermediate_size")]
    [InlineData("num_hidden_layers")]
    [InlineData("num_attention_heads")]
    public void Sizes_must_be_positive(string field) =>
        Assert.Equal($"config.json: {field} must be a positive integer, got 0", Msg(Override(field, "0")));

    [Fact]
    public void Missing_required_size_is_named()
    {
        Assert.Equal("config.json: required field 'vocab_size' is missing; add it (an integer)",
            Msg("\"hidden_size\": 64, \"intermediate_size\": 128, \"num_hidden_layers\": 2, \"num_attention_heads\": 4"));
    }

    [Fact]
    public void Rms_eps_must_be_positive() =>
        Assert.Equal("config.json: rms_norm_eps must be > 0, got 0; HF models use 1e-6 or 1e-5", Msg(Base + ", \"rms_norm_eps\": 0"));

    [Fact]
    public void Unknown_rope_scaling_type_lists_the_known_ones() =>
        Assert.Equal("config.json: rope_scaling type 'dynamic' is not supported; use one of: llama3, yarn, or remove rope_scaling",
            Msg(Base + ", \"rope_scaling\": {\"rope_type\": \"dynamic\", \"factor\": 2.0}", "llama"));

    [Fact]
    public void Default_rope_scaling_means_none() =>
        Assert.Null(ModelConfig.Parse($"{{\"model_type\": \"llama\", {Base}, \"rope_scaling\": {{\"rope_type\": \"default\"}}}}", "c").RopeScaling);

    [Fact]
    public void Llama3_rope_scaling_checks_frequency_factors() =>
        Assert.Equal("config.json: rope_scaling.high_freq_factor (1) must be greater than low_freq_factor (4); Llama-3.1 uses 4 and 1",
            Msg(Base + ", \"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8, \"low_freq_factor\": 4, \"high_freq_factor\": 1}", "llama"));

    [Fact]
    public void Sliding_window_is_rejected_clearly() =>
        Assert.Equal("config.json: use_sliding_window is true but sliding-window attention is not supported; set use_sliding_window to false (R1-Distill models ship false)",
            Msg(Base + ", \"use_sliding_window\": true, \"sliding_window\": 4096"));

    [Fact]
    public void Other_activations_are_rejected() =>
        Assert.Equal("config.json: hidden_act 'gelu' is not supported; only silu (SwiGLU) is implemented", Msg(Base + ", \"hidden_act\": \"gelu\""));

    [Theory]
    [InlineData("\"hidden_size\": \"64\"", "config.json: field 'hidden_size' must be an integer, got a string \"64\"")]
    [InlineData("\"hidden_size\": 64.5", "config.json: field 'hidden_size' must be an integer, got a number 64.5")]
    [InlineData("\"rms_norm_eps\": \"1e-6\"", "config.json: field 'rms_norm_eps' must be a number, got a string \"1e-6\"")]
    [InlineData("\"tie_word_embeddings\": 1", "config.json: field 'tie_word_embeddings' must be true or false, got a number 1")]
    [InlineData("\"eos_token_id\": [1, \"x\"]", "config.json: field 'eos_token_id' must be an integer or a list of integers, got a list [1, \"x\"]")]
    [InlineData("\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": \"8\"}", "config.json: field 'rope_scaling.factor' must be a number, got a string \"8\"")]
    [InlineData("\"architectures\": \"LlamaForCausalLM\"", "config.json: field 'architectures' must be a list of strings, got a string \"LlamaForCausalLM\"")]
    public void Wrong_json_types_name_file_and_field(string field, string expected) =>
        Assert.Equal(expected, Msg($"{Base}, {field}".Replace($"\"hidden_size\": 64, ", field.StartsWith("\"hidden_size") ? "" : "\"hidden_size\": 64, "), "llama"));

    [Fact]
    public void Integral_floats_are_accepted_as_integers() =>
        Assert.Equal(64, ModelConfig.Parse($"{{\"model_type\": \"llama\", {Override("hidden_size", "64.0")}}}", "c").HiddenSize);

    [Fact]
    public void Invalid_json_names_the_file()
    {
        string m = Msg("\"hidden_size\": ");
        Assert.StartsWith("config.json: not valid JSON (", m);
    }

    [Fact]
    public void Validate_catches_records_built_in_code()
    {
        var c = new Qwen2Config { VocabSize = 10, HiddenSize = 64, IntermediateSize = 8, NumHiddenLayers = 1, NumAttentionHeads = 4 };
        c.Validate();
        Assert.Equal(4, c.NumKeyValueHeads);
        var e = Assert.Throws<R1SharpException>(() => (c with { NumKeyValueHeads = 3 }).Validate());
        Assert.StartsWith("config.json: num_attention_heads (4) must be divisible by num_key_value_heads (3)", e.Message);
    }

    [Theory]
    [InlineData("[1, 2]", "a list")]
    [InlineData("null", "null")]
    public void A_top_level_that_is_not_an_object_is_named_in_the_message(string json, string got)
    {
        var e = Assert.Throws<R1SharpException>(() => ModelConfig.Parse(json, "config.json"));
        Assert.StartsWith($"config.json: the top level must be a JSON object, got {got}", e.Message);
        e = Assert.Throws<R1SharpException>(() => GenerationConfig.Parse(json, "generation_config.json"));
        Assert.StartsWith($"generation_config.json: the top level must be a JSON object, got {got}", e.Message);
    }
}
