// GGUF export of tiny random deepseek_v3 models as deepseek2, run by llama.cpp (LLamaSharp 0.30): logits at every
// position of a ≥ 32-token prompt match DecoderModel within 1e-3, with and without q_lora_rank, YaRN on/off and
// several n_group/topk_group settings.
using R1Sharp.Formats.Gguf;
using R1Sharp.Models.Export;
using R1Sharp.Tests.Models.Export;
using R1Sharp.Text;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Models.DeepSeekV3;

public class DeepSeek2GgufParityTests
{
    [Theory]
    [InlineData("qlora_g4k2_yarn", 24, 4, 2, true, true)]
    [InlineData("no_qlora_g2k1_yarn", null, 2, 1, true, true)]
    [InlineData("qlora_g1k1_plainrope_nonorm", 24, 1, 1, false, false)]
    [InlineData("no_qlora_g8k3", null, 8, 3, false, true)]
    public void Deepseek2_export_matches_DecoderModel_logits_in_llama_cpp(string name, int? qLoraRank, int groups, int topkGroup, bool yarn, bool norm)
    {
        int experts = groups == 8 ? 16 : 8;
        var config = TinyDeepSeek.Config(qLoraRank, groups, topkGroup, topK: 3, yarn: yarn, norm: norm, experts: experts);
        using var tmp = new TempDir();
        var (dir, model) = DeepSeekV3Export.Write(config, tmp.Path, name);
        using var _ = model;
        string gguf = Path.Combine(tmp.Path, name + ".gguf");
        var result = GgufExporter.Export(dir, gguf, GgmlType.F32);
        Assert.Equal("deepseek2", result.Architecture);

        var tokenizer = HfTokenizer.Load(dir);
        int[] ids = tokenizer.Encode(ExportModels.Prompt(TestTokenizer.DeepSeekV3R1));
        Assert.True(ids.Length >= 32, $"prompt has only {ids.Length} tokens");
        float[][] actual = LlamaCppReference.Logits(gguf, ids);
        using var noGrad = no_grad();
        using var logits = model.Forward(tensor(ids.Select(i => (long)i).ToArray()).unsqueeze(0)).squeeze(0);
        double worst = 0;
        for (int t = 0; t < ids.Length; t++)
        {
            var expected = logits[t].data<float>().ToArray();
            double diff = expected.Zip(actual[t], (a, b) => Math.Abs(a - b)).Max();
            worst = Math.Max(worst, diff);
            Assert.True(diff <= 1e-3, $"{name}: position {t}: max |Δlogit| {diff:G3}");
        }
        Console.WriteLine($"{name}: {ids.Length} positions, max |Δlogit| {worst:G3}");
    }

    [Fact]
    public void Unsupported_layouts_are_refused_naming_the_field()
    {
        var config = TinyDeepSeek.Config() with { MoeLayerFreq = 2 };
        var e = Assert.Throws<R1SharpException>(() => DeepSeek2Gguf.Check(config, "config.json"));
        Assert.Equal("config.json: cannot export to GGUF deepseek2: moe_layer_freq must be 1 (llama.cpp makes every layer after the dense ones MoE)", e.Message);
        Assert.Contains("26/27", Assert.Throws<R1SharpException>(() => DeepSeek2Gguf.Check(TinyDeepSeek.Config(layers: 27), "c")).Message);
    }
}
