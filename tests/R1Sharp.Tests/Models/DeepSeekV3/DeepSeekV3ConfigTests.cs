// deepseek_v3 config.json parsing/validation and the config-only size arithmetic of `r1 inspect`, checked against
// the real DeepSeek-R1 config.json (tests/fixtures/configs/deepseek-r1-config.json) and its published 671B / 37B.
using R1Sharp.Formats.Config;
using R1Sharp.Models;
using R1Sharp.Tests.Formats.Config;

namespace R1Sharp.Tests.Models.DeepSeekV3;

public class DeepSeekV3ConfigTests
{
    private static string R1Json => File.ReadAllText(Path.Combine(ConfigFixtures.Root, "deepseek-r1-config.json"));

    [Fact]
    public void R1_config_parses_every_field()
    {
        var c = Assert.IsType<DeepSeekV3Config>(ModelConfig.Parse(R1Json, "r1.json"));
        Assert.Equal((1536, 512, 128, 64, 128, 192), (c.QLoraRank, c.KvLoraRank, c.QkNopeHeadDim, c.QkRopeHeadDim, c.VHeadDim, c.QkHeadDim));
        Assert.Equal((2048, 256, 1, 8, 8, 4), (c.MoeIntermediateSize, c.NRoutedExperts, c.NSharedExperts, c.NumExpertsPerTok, c.NGroup, c.TopkGroup));
        Assert.Equal(("noaux_tc", "sigmoid", true, 2.5), (c.TopkMethod, c.ScoringFunc, c.NormTopkProb, c.RoutedScalingFactor));
        Assert.Equal((3, 1, 1, 61, 163840), (c.FirstKDenseReplace, c.MoeLayerFreq, c.NumNextnPredictLayers, c.NumHiddenLayers, c.MaxPositionEmbeddings));
        Assert.Equal(new Fp8Quantization("fp8", "e4m3", "dynamic", 128, 128), c.Quantization);
        Assert.IsType<YarnRopeScaling>(c.RopeScaling);
        Assert.False(c.IsMoeLayer(2));
        Assert.True(c.IsMoeLayer(3));
    }

    [Fact]
    public void ToJson_round_trips_including_null_q_lora_rank()
    {
        var c = (DeepSeekV3Config)ModelConfig.Parse(R1Json, "r1.json");
        var back = ModelConfig.Parse(c.ToJson(), "back.json");
        Assert.Equal(c with { TransformersVersion = c.TransformersVersion }, back);
        var lite = c with { QLoraRank = null };
        string json = lite.ToJson();
        Assert.Contains("\"q_lora_rank\": null", json);
        Assert.Null(((DeepSeekV3Config)ModelConfig.Parse(json, "lite.json")).QLoraRank);
    }

    [Fact]
    public void Absent_q_lora_rank_takes_the_HF_default_while_null_means_full_rank_q_proj()
    {
        string absent = R1Json.Replace("\"q_lora_rank\": 1536,", "");
        Assert.Equal(1536, ((DeepSeekV3Config)ModelConfig.Parse(absent, "a.json")).QLoraRank);
        string nulled = R1Json.Replace("\"q_lora_rank\": 1536,", "\"q_lora_rank\": null,");
        Assert.Null(((DeepSeekV3Config)ModelConfig.Parse(nulled, "n.json")).QLoraRank);
    }

    [Theory]
    [InlineData("\"n_group\": 8", "\"n_group\": 3", "n_routed_experts (256) must be divisible by n_group (3)")]
    [InlineData("\"topk_group\": 4", "\"topk_group\": 9", "topk_group (9) must be between 1 and n_group (8)")]
    [InlineData("\"scoring_func\": \"sigmoid\"", "\"scoring_func\": \"softmax\"", "scoring_func 'softmax' is not supported")]
    [InlineData("\"topk_method\": \"noaux_tc\"", "\"topk_method\": \"greedy\"", "topk_method 'greedy' is not supported")]
    [InlineData("\"qk_rope_head_dim\": 64", "\"qk_rope_head_dim\": 63", "qk_rope_head_dim must be even")]
    [InlineData("\"num_experts_per_tok\": 8", "\"num_experts_per_tok\": 200", "num_experts_per_tok (200) exceeds the experts of topk_group (4) groups (128)")]
    [InlineData("\"fmt\": \"e4m3\"", "\"fmt\": \"e5m2\"", "quantization_config fp8/e5m2 [128, 128] is not supported")]
    public void Invalid_fields_are_named_in_one_line(string from, string to, string expected)
    {
        Assert.Contains(from, R1Json);
        var e = Assert.Throws<R1SharpException>(() => ModelConfig.Parse(R1Json.Replace(from, to), "config.json"));
        Assert.StartsWith("config.json: ", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void R1_arithmetic_matches_the_published_671B_total_and_37B_active()
    {
        var counts = ModelArithmetic.Count(ModelConfig.Parse(R1Json, "r1.json"));
        Assert.InRange(counts.Total / 1e9, 671 * 0.98, 671 * 1.02);
        Assert.InRange(counts.Active / 1e9, 37 * 0.98, 37 * 1.02);
        Assert.InRange(counts.ActiveWithoutEmbedding / 1e9, 37 * 0.98, 37 * 1.02);
        // Exact values of the formulas (embedding + head 2·129280·7168, 3 dense + 58 MoE layers, no MTP).
        Assert.Equal(671_026_419_200, counts.Total);
        Assert.Equal(37_552_297_472, counts.Active);
        // HF lists 685B for the checkpoint: main model + the MTP module.
        Assert.InRange((counts.Total + counts.Mtp) / 1e9, 684, 686);
    }

    [Fact]
    public void R1_kv_cache_is_71x_smaller_with_absorbed_MLA()
    {
        var counts = ModelArithmetic.Count(ModelConfig.Parse(R1Json, "r1.json"));
        Assert.Equal(2, counts.BytesPerElement); // torch_dtype bfloat16
        Assert.Equal(61L * 128 * (192 + 128) * 2, counts.KvBytesPerToken);
        Assert.Equal(61L * (512 + 64) * 2, counts.KvBytesPerTokenAbsorbed);
    }

    [Fact]
    public void Inspect_of_a_directory_with_only_config_json_reports_config_derived_counts()
    {
        string dir = Path.Combine(Path.GetTempPath(), "r1cfg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "config.json"), R1Json);
            var summary = ModelInspector.Inspect(dir);
            Assert.True(summary.ConfigOnly);
            Assert.Equal(671_026_419_200, summary.Parameters);
            Assert.Equal(37_552_297_472, summary.Counts.Active);
            Assert.Empty(summary.TensorGroups);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
