// The presets of `r1 new-model`: every one builds a valid config, and the real-model shapes have the
// published parameter counts (Qwen2.5-0.5B 494,032,768; R1-Distill-Qwen-1.5B 1,777,088,000;
// Llama-3.2-1B 1,235,814,400; R1-Distill-Llama-8B 8,030,261,248).
using R1Sharp.Formats.Config;
using R1Sharp.Models;

namespace R1Sharp.Tests.Models;

public class ModelPresetsTests
{
    static long Parameters(ModelConfig c)
    {
        long h = c.HiddenSize, kv = (long)c.NumKeyValueHeads * c.HeadDim, q = (long)c.NumAttentionHeads * c.HeadDim;
        long attention = h * q + 2 * h * kv + q * h + (c.AttentionBias ? q + 2 * kv : 0);
        long layer = attention + 3 * h * c.IntermediateSize + 2 * h;
        long embeddings = (long)c.VocabSize * h * (c.TieWordEmbeddings ? 1 : 2);
        return embeddings + c.NumHiddenLayers * layer + h;
    }

    [Theory]
    [InlineData("qwen2", "qwen2.5-0.5b", 494_032_768)]
    [InlineData("qwen2", "r1-distill-qwen-1.5b", 1_777_088_000)]
    [InlineData("qwen2", "r1-distill-qwen-7b", 7_615_616_512)]
    [InlineData("llama", "llama-3.2-1b", 1_235_814_400)]
    [InlineData("llama", "r1-distill-llama-8b", 8_030_261_248)]
    public void Real_shapes_have_the_published_parameter_counts(string arch, string preset, long expected)
    {
        var config = ModelPresets.ToConfig(ModelPresets.Get(preset), arch, tokenizerVocab: 1000, bosId: 1, eosId: 2);
        Assert.Equal(expected, Parameters(config));
    }

    [Fact]
    public void Every_preset_builds_a_valid_config_for_both_architectures()
    {
        foreach (var preset in ModelPresets.All)
            foreach (var arch in ModelPresets.Architectures)
            {
                var config = ModelPresets.ToConfig(preset, arch, tokenizerVocab: 600, bosId: 594, eosId: 595);
                Assert.Equal(arch, config.ModelType);
                Assert.Equal(preset.VocabSize ?? 600, config.VocabSize);
            }
    }

    [Fact]
    public void A_preset_vocabulary_must_cover_the_tokenizer()
    {
        var e = Assert.Throws<R1SharpException>(() => ModelPresets.ToConfig(ModelPresets.Get("qwen2.5-0.5b"), "qwen2", 200_000, null, null));
        Assert.Contains("its vocabulary (151936) is smaller than the tokenizer's (200000)", e.Message);
        Assert.Contains("known presets: micro, tiny, small", Assert.Throws<R1SharpException>(() => ModelPresets.Get("huge")).Message);
    }
}
