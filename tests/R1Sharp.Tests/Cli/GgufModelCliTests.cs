// `--model FILE.gguf` through the real r1 program: run and perplexity on a GGUF give the HF directory's results for an
// F32 export, a file made by ggml's quantizer runs, and bad files exit 2 with one line naming the problem.
using R1Sharp.Formats.Gguf;
using R1Sharp.Tests.Models.Import;

namespace R1Sharp.Tests.Cli;

public class GgufModelCliTests(ImportModels files) : IClassFixture<ImportModels>
{
    private const string Case = "qwen2_h256";

    private static string[] Run(string model) =>
        ["run", "--model", model, "--prompt", "What is 12 + 30?", "--temperature", "0", "--max-tokens", "8", "--json"];

    private static string Content(R1Result r)
    {
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = System.Text.Json.JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        Assert.Equal(8, root.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        return root.GetProperty("reasoning").GetString() + "|" + root.GetProperty("content").GetString();
    }

    [Fact]
    public void Run_and_perplexity_on_an_F32_gguf_equal_the_model_directory()
    {
        var (dir, _) = files.Model(Case);
        string gguf = files.File(Case, GgmlType.F32, GgufMaker.Exporter);
        Assert.Equal(Content(R1Process.Run(Run(dir))), Content(R1Process.Run(Run(gguf))));
        string text = RepoPaths.Fixture("bpe", "corpus.txt");
        var fromDir = R1Process.Run("perplexity", "--model", dir, "--file", text, "--context", "64");
        var fromGguf = R1Process.Run("perplexity", "--model", gguf, "--file", text, "--context", "64");
        Assert.True(fromGguf.ExitCode == 0, fromGguf.Stderr);
        Assert.Equal(fromDir.Stdout, fromGguf.Stdout);
    }

    [Theory]
    [InlineData(GgmlType.Q4_K)]
    [InlineData(GgmlType.Q6_K)]
    public void Run_works_on_a_file_made_by_ggml_quantizer(GgmlType type)
    {
        string gguf = files.File(Case, type, GgufMaker.LlamaCpp);
        Content(R1Process.Run(Run(gguf)));
        Content(R1Process.Run([.. Run(gguf), "--dtype", "int8"]));
    }

    [Fact]
    public void Bad_files_exit_2_with_one_line_naming_the_problem()
    {
        string dir = Path.GetDirectoryName(files.File(Case, GgmlType.F32, GgufMaker.Exporter))!;
        string notGguf = Path.Combine(dir, "notes.gguf");
        File.WriteAllText(notGguf, "not a model\n");
        string q2k = Path.Combine(dir, "q2k.gguf");
        ImportModels.Quantize(files.File(Case, GgmlType.F32, GgufMaker.Exporter), q2k, GgmlType.Q2_K);
        // Same file, architecture string "qwen2" overwritten in place by "qwen9" (same length, so the layout holds).
        byte[] bytes = File.ReadAllBytes(files.File(Case, GgmlType.F32, GgufMaker.Exporter));
        int at = bytes.AsSpan().IndexOf("qwen2"u8);
        "qwen9"u8.CopyTo(bytes.AsSpan(at));
        string unknownArch = Path.Combine(dir, "arch.gguf");
        File.WriteAllBytes(unknownArch, bytes);
        foreach (var (path, expected) in new[] { (notGguf, "not a GGUF file"), (q2k, "Q2_K"), (unknownArch, "architecture 'qwen9'") })
        {
            var r = R1Process.Run(Run(path));
            Assert.True(r.ExitCode == 2, $"{path}: exit {r.ExitCode}: {r.Stderr}");
            string line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains(path, line);
            Assert.Contains(expected, line);
        }
    }
}
