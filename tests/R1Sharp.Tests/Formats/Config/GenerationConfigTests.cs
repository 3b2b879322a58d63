// GenerationConfig: the R1-Distill generation_config.json, defaults when absent, validation, round trip.
using R1Sharp.Formats.Config;

namespace R1Sharp.Tests.Formats.Config;

public class GenerationConfigTests
{
    [Fact]
    public void R1_distill_generation_config_parses()
    {
        var g = GenerationConfig.Load(ConfigFixtures.Dir("r1-distill-qwen-1.5b"));
        Assert.Equal(151646, g.BosTokenId);
        Assert.Equal(new ValueList<int>([151643]), g.EosTokenIds);
        Assert.Equal((true, 0.6, 0.95), (g.DoSample, g.Temperature, g.TopP));
        Assert.Null(g.TopK);
        Assert.Null(g.MaxNewTokens);
    }

    [Fact]
    public void Absent_file_gives_r1_recommended_sampling()
    {
        var g = GenerationConfig.Load(ConfigFixtures.Dir("r1-distill-qwen-7b"));
        Assert.Same(GenerationConfig.Default, g);
        Assert.Equal((true, 0.6, 0.95), (g.DoSample, g.Temperature, g.TopP));
    }

    [Fact]
    public void Round_trip_keeps_every_field()
    {
        var g = new GenerationConfig
        {
            BosTokenId = 1, EosTokenIds = new[] { 2, 3 }, PadTokenId = 0, DoSample = false, Temperature = 0.7, TopP = 0.9,
            TopK = 40, RepetitionPenalty = 1.1, MaxNewTokens = 128, MaxLength = 4096, TransformersVersion = "4.44.0",
        };
        string json = g.ToJson();
        Assert.Contains("\"eos_token_id\": [\n    2,\n    3\n  ]", json);
        Assert.Equal(g, GenerationConfig.Parse(json, "g.json"));
    }

    [Theory]
    [InlineData("\"temperature\": -1", "g.json: temperature must be >= 0 (0 means greedy), got -1")]
    [InlineData("\"top_p\": 0", "g.json: top_p must be in (0, 1], got 0")]
    [InlineData("\"top_p\": 1.5", "g.json: top_p must be in (0, 1], got 1.5")]
    [InlineData("\"top_k\": -2", "g.json: top_k must be >= 0 (0 disables it), got -2")]
    [InlineData("\"repetition_penalty\": 0", "g.json: repetition_penalty must be > 0 (1 disables it), got 0")]
    [InlineData("\"max_new_tokens\": 0", "g.json: max_new_tokens must be >= 1, got 0")]
    [InlineData("\"do_sample\": \"yes\"", "g.json: field 'do_sample' must be true or false, got a string \"yes\"")]
    public void Invalid_values_are_reported(string field, string expected) =>
        Assert.Equal(expected, Assert.Throws<R1SharpException>(() => GenerationConfig.Parse($"{{{field}}}", "g.json")).Message);
}
