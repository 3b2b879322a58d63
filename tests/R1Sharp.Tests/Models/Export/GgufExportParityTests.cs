// GGUF export parity with llama.cpp (LLamaSharp): exported random tiny models give DecoderModel's logits at every
// position and llama.cpp tokenizes like HfTokenizer; F16 and Q8_0 exports stay close to F32.
using R1Sharp.Formats.Gguf;
using R1Sharp.Models;
using R1Sharp.Models.Export;
using R1Sharp.Text;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Models.Export;

public class GgufExportParityTests
{
    public static TheoryData<string> CaseNames() => new(ExportModels.Cases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void F32_export_matches_DecoderModel_logits_and_tokenization_in_llama_cpp(string caseName)
    {
        var c = ExportModels.Case(caseName);
        using var tmp = new TempDir();
        var (dir, model) = ExportModels.Write(c, tmp.Path);
        string gguf = Path.Combine(tmp.Path, "model.gguf");
        GgufExporter.Export(dir, gguf, GgmlType.F32);

        var tokenizer = HfTokenizer.Load(dir);
        string prompt = ExportModels.Prompt(c.Tokenizer);
        int[] ids = tokenizer.Encode(prompt);
        Assert.True(ids.Length >= 32, $"prompt has only {ids.Length} tokens");
        Assert.Equal(ids, LlamaCppReference.Tokenize(gguf, prompt, tokenizer.AddsBosToken));

        float[][] expected = Forward(model, ids);
        float[][] actual = LlamaCppReference.Logits(gguf, ids);
        for (int t = 0; t < ids.Length; t++)
        {
            double diff = MaxAbsDiff(actual[t], expected[t]);
            Assert.True(diff <= 1e-4, $"{caseName}: position {t}: max |Δlogit| {diff:G3}");
        }
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Every_corpus_line_tokenizes_the_same_in_llama_cpp_for_each_pre_tokenizer(string caseName)
    {
        // The corpus mixes prose, code, digits, 20 scripts, emoji and astral letters (tests/fixtures/bpe/README.md).
        var c = ExportModels.Case(caseName);
        using var tmp = new TempDir();
        var (dir, _) = ExportModels.Write(c, tmp.Path);
        string gguf = Path.Combine(tmp.Path, "model.gguf");
        GgufExporter.Export(dir, gguf);
        var tokenizer = HfTokenizer.Load(dir);
        using var weights = LlamaCppReference.Load(gguf, out var p);
        using var context = weights.CreateContext(p);
        var mismatches = File.ReadLines(RepoPaths.Fixture("bpe", "corpus.txt"))
            .Where(line => !tokenizer.Encode(line, addSpecialTokens: false)
                .SequenceEqual(context.Tokenize(line, false, special: true).Select(t => (int)t)))
            .ToList();
        Assert.True(mismatches.Count == 0, $"{caseName}: {mismatches.Count} lines differ, first: {mismatches.FirstOrDefault()}");
    }

    [Theory]
    [InlineData("llama_h64_gqa2_llama3rope", "Q8_0")]
    [InlineData("qwen2_h64_gqa4_tied_padded", "Q8_0")]
    [InlineData("qwen2_h72_gqa1_untied", "F16")]
    [InlineData("llama_h64_gqa2_llama3rope", "F16")]
    public void Reduced_precision_export_loads_and_stays_close_to_F32(string caseName, string typeName)
    {
        var type = Enum.Parse<GgmlType>(typeName);
        var c = ExportModels.Case(caseName);
        using var tmp = new TempDir();
        var (dir, model) = ExportModels.Write(c, tmp.Path);
        string gguf = Path.Combine(tmp.Path, $"model.{typeName}.gguf");
        GgufExporter.Export(dir, gguf, type);
        int[] ids = HfTokenizer.Load(dir).Encode(ExportModels.Prompt(c.Tokenizer));

        float[][] expected = Forward(model, ids);
        float[][] actual = LlamaCppReference.Logits(gguf, ids);
        double scale = expected.Max(r => r.Max(Math.Abs));
        double worst = Enumerable.Range(0, ids.Length).Max(t => MaxAbsDiff(actual[t], expected[t]));
        double corr = Correlation(actual.SelectMany(r => r).ToArray(), expected.SelectMany(r => r).ToArray());
        if (type == GgmlType.F16)
            Assert.True(worst <= 1e-2 * Math.Max(1, scale), $"F16: max |Δlogit| {worst:G3} at logit scale {scale:G3}");
        else
            Assert.True(corr > 0.99, $"Q8_0: correlation {corr:F6} (max |Δlogit| {worst:G3}, scale {scale:G3})");
        Assert.True(worst > 0, "a reduced-precision export should not be bit-identical to float32");
    }

    internal static float[][] Forward(DecoderModel model, int[] ids)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logits = model.Forward(tensor(ids.Select(i => (long)i).ToArray(), new long[] { 1, ids.Length }));
        float[] flat = logits.to_type(ScalarType.Float32).data<float>().ToArray();
        int v = (int)logits.shape[2];
        return Enumerable.Range(0, ids.Length).Select(t => flat.AsSpan(t * v, v).ToArray()).ToArray();
    }

    internal static double MaxAbsDiff(float[] a, float[] b)
    {
        Assert.Equal(b.Length, a.Length);
        double m = 0;
        for (int i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs((double)a[i] - b[i]));
        return m;
    }

    private static double Correlation(float[] a, float[] b)
    {
        double ma = a.Average(x => (double)x), mb = b.Average(x => (double)x), sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double da = a[i] - ma, db = b[i] - mb;
            sab += da * db; saa += da * da; sbb += db * db;
        }
        return sab / Math.Sqrt(saa * sbb);
    }
}
