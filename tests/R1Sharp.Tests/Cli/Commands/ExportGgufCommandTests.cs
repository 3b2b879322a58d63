// `r1 export-gguf` end to end through the real r1 program: progress and a summary on stderr, a file GgufFile
// reads, and one-line errors with exit code 2.
using R1Sharp.Formats.Gguf;
using R1Sharp.Tests.Models;
using R1Sharp.Tests.Models.Export;

namespace R1Sharp.Tests.Cli.Commands;

public class ExportGgufCommandTests
{
    [Fact]
    public void Export_gguf_writes_the_file_and_reports_tensors_size_and_seconds()
    {
        using var tmp = new TempDir();
        var (dir, _) = ExportModels.Write(ExportModels.Case("llama_h64_gqa2_llama3rope"), tmp.Path);
        string output = Path.Combine(tmp.Path, "m.q8.gguf");
        var r = R1Process.Run("export-gguf", "--model", dir, "--out", output, "--type", "q8_0");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("tensor 1/22 rope_freqs.weight (F32)", r.Stderr);
        Assert.Contains("tensor 22/22 output.weight (Q8_0)", r.Stderr);
        Assert.Matches(@"wrote .*m\.q8\.gguf: llama q8_0, 22 tensors, [\d.]+ KiB in [\d.]+ s", r.Stderr);
        using var gguf = GgufFile.Open(output);
        Assert.Equal(22, gguf.Tensors.Count);
        Assert.Equal(GgmlType.Q8_0, gguf.GetTensor("token_embd.weight").Type);
    }

    [Theory]
    [InlineData("--type: unknown 'q4_k'", "--type", "q4_k")]
    [InlineData("config.json: not found", "--type", "f16")]
    public void Bad_input_gives_one_line_and_exit_code_2(string expected, params string[] extra)
    {
        using var tmp = new TempDir();
        var r = R1Process.Run(["export-gguf", "--model", tmp.Path, "--out", Path.Combine(tmp.Path, "x.gguf"), .. extra]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
        Assert.False(File.Exists(Path.Combine(tmp.Path, "x.gguf")));
    }
}
