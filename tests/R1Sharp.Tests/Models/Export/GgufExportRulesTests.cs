// The pure rules of the GGUF export (llama3 rope factors, pre-tokenizer names, q/k row order, file types) with
// hand-computed tables, and the one-line errors a user can cause.
using R1Sharp.Formats.Config;
using R1Sharp.Formats.Gguf;
using R1Sharp.Models.Export;
using R1Sharp.Tests.Text.Training;
using R1Sharp.Text;
using R1Sharp.Text.Training;

namespace R1Sharp.Tests.Models.Export;

public class GgufExportRulesTests
{
    [Fact]
    public void Llama3_rope_factors_keep_high_frequencies_divide_low_ones_and_smooth_between()
    {
        // base 10000, d 8: θ = [1, 0.1, 0.01, 0.001], λ = 2π/θ ≈ [6.3, 62.8, 628, 6283]; L 64 → bands λ < 16 and λ > 64.
        // λ 62.8 is smoothed: s = (64/62.83 − 1)/3 = 0.0061974, 1/((1 − s)/8 + s) = 7.66739.
        var scaling = new Llama3RopeScaling { Factor = 8, LowFreqFactor = 1, HighFreqFactor = 4, OriginalMaxPositionEmbeddings = 64 };
        float[] f = GgufHyperParameters.Llama3RopeFactors(8, 10000, scaling);
        Assert.Equal(4, f.Length);
        Assert.Equal(1f, f[0]);
        Assert.Equal(7.6673851, f[1], 1e-5);
        Assert.Equal(8f, f[2]);
        Assert.Equal(8f, f[3]);
    }

    [Fact]
    public void Llama3_rope_factors_of_Llama_3_1_8B_are_1_for_short_wavelengths_and_8_for_long_ones()
    {
        var scaling = new Llama3RopeScaling { Factor = 8, LowFreqFactor = 1, HighFreqFactor = 4, OriginalMaxPositionEmbeddings = 8192 };
        float[] f = GgufHyperParameters.Llama3RopeFactors(128, 500000, scaling);
        Assert.Equal(64, f.Length);
        Assert.Equal(1f, f[0]);
        Assert.Equal(8f, f[^1]);
        for (int i = 1; i < f.Length; i++) Assert.True(f[i] >= f[i - 1], "factors grow with the wavelength");
    }

    [Theory]
    [InlineData("qwen2", false, "qwen2")]
    [InlineData("qwen2", true, "deepseek-r1-qwen")]
    [InlineData("gpt4", false, "llama-bpe")]
    [InlineData("gpt2", false, "gpt-2")]
    [InlineData("deepseek-v3", true, "deepseek-v3")]
    public void Pre_tokenizer_patterns_map_to_llama_cpp_names(string patterns, bool deepSeekBos, string expected)
    {
        IReadOnlyList<string> p = patterns switch
        {
            "qwen2" => [SplitPreTokenizer.Qwen2Pattern],
            "gpt4" => [SplitPreTokenizer.Gpt4Pattern],
            "gpt2" => [SplitPreTokenizer.Gpt2Pattern],
            _ => SplitPreTokenizer.DeepSeekV3Patterns,
        };
        Assert.Equal(expected, GgufTokenizerMetadata.PreTokenizerName(p, deepSeekBos));
    }

    [Fact]
    public void Unknown_pre_tokenizer_pattern_is_an_error_naming_it()
    {
        var e = Assert.Throws<R1SharpException>(() => GgufTokenizerMetadata.PreTokenizerName([@"\w+|\s+"], false, "x/tokenizer.json"));
        Assert.Contains(@"'\w+|\s+'", e.Message);
        Assert.StartsWith("x/tokenizer.json:", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Llama_q_k_source_rows_follow_the_worked_example_and_agree_with_PermuteLlamaQK()
    {
        Assert.Equal([0, 2, 1, 3], Enumerable.Range(0, 4).Select(r => GgufTensorPlan.LlamaQKSourceRow(r, 4, 1)));
        var rng = new Random(3);
        foreach (var (rows, cols, heads) in new[] { (16, 3, 2), (48, 5, 4), (24, 1, 1), (96, 2, 3) })
        {
            float[] w = Enumerable.Range(0, rows * cols).Select(_ => (float)rng.NextDouble()).ToArray();
            float[] expected = GgufNames.PermuteLlamaQK(w, rows, cols, heads);
            float[] actual = Enumerable.Range(0, rows)
                .SelectMany(r => w.AsSpan(GgufTensorPlan.LlamaQKSourceRow(r, rows, heads) * cols, cols).ToArray()).ToArray();
            Assert.Equal(expected, actual);
        }
    }

    [Theory]
    [InlineData(GgmlType.F32, GgufFileType.AllF32)]
    [InlineData(GgmlType.F16, GgufFileType.MostlyF16)]
    [InlineData(GgmlType.Q8_0, GgufFileType.MostlyQ8_0)]
    public void File_type_follows_the_matrix_type(GgmlType type, GgufFileType expected) =>
        Assert.Equal(expected, GgufHyperParameters.FileType(type));

    [Fact]
    public void Unsupported_type_missing_tokenizer_and_too_small_vocab_are_one_line_errors_that_write_nothing()
    {
        using var tmp = new TempDir();
        var (dir, _) = ExportModels.Write(ExportModels.Case("qwen2_h64_gqa4_tied_padded"), tmp.Path);
        string output = Path.Combine(tmp.Path, "out.gguf");

        var e = Assert.Throws<R1SharpException>(() => GgufExporter.Export(dir, output, GgmlType.Q4_0));
        Assert.Contains("q8_0", e.Message);

        string config = File.ReadAllText(Path.Combine(dir, "config.json"));
        File.WriteAllText(Path.Combine(dir, "config.json"), (ModelConfig.Load(dir) with { VocabSize = 300 }).ToJson());
        e = Assert.Throws<R1SharpException>(() => GgufExporter.Export(dir, output));
        Assert.Contains("vocab_size is 300", e.Message);
        File.WriteAllText(Path.Combine(dir, "config.json"), config);

        File.Delete(Path.Combine(dir, "tokenizer.json"));
        e = Assert.Throws<R1SharpException>(() => GgufExporter.Export(dir, output));
        Assert.Contains("tokenizer.json", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(tmp.Path, "out.gguf*"));
    }

    [Fact]
    public void A_tokenizer_with_an_unmapped_pre_tokenizer_and_yarn_rope_scaling_are_refused()
    {
        using var tmp = new TempDir();
        var (dir, _) = ExportModels.Write(ExportModels.Case("llama_h64_gqa2_llama3rope"), tmp.Path);
        string output = Path.Combine(tmp.Path, "out.gguf");
        var odd = BpeTrainer.Train(BpeTrainerTests.CorpusLines(), new BpeTrainerOptions { VocabSize = 300, PreTokenizerPatterns = [@"\p{L}+|\s+|[^\p{L}\s]+"] });
        string other = Path.Combine(tmp.Path, "tok");
        TrainedTokenizerWriter.Save(odd, other);
        File.Copy(Path.Combine(other, "tokenizer.json"), Path.Combine(dir, "tokenizer.json"), overwrite: true);
        var e = Assert.Throws<R1SharpException>(() => GgufExporter.Export(dir, output));
        Assert.Contains(@"\p{L}+|\s+|[^\p{L}\s]+", e.Message);

        var yarn = ExportModels.Config(ExportModels.Case("llama_h64_gqa2_llama3rope"), 600) with { RopeScaling = new YarnRopeScaling { Factor = 4 } };
        e = Assert.Throws<R1SharpException>(() => GgufHyperParameters.Add(new GgufWriter(), yarn));
        Assert.Contains("yarn", e.Message);
        Assert.False(File.Exists(output));
    }
}
