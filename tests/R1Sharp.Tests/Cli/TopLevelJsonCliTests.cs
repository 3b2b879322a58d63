// A model directory whose config.json, generation_config.json or tokenizer_config.json holds a JSON list (or another
// non-object) at the top level: `r1 run` and `r1 inspect` answer with one line naming the file, exit code 2.
namespace R1Sharp.Tests.Cli;

public class TopLevelJsonCliTests
{
    internal static string CopyOfTinyModel()
    {
        string dir = Path.Combine(Path.GetTempPath(), "r1-json-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        foreach (var f in Directory.EnumerateFiles(Path.Combine(RepoPaths.Root, "models", "tiny-qwen2")))
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        return dir;
    }

    [Theory]
    [InlineData("config.json", "[1, 2]")]
    [InlineData("config.json", "\"qwen2\"")]
    [InlineData("generation_config.json", "[]")]
    [InlineData("tokenizer_config.json", "[{\"eos_token\": \"x\"}]")]
    [InlineData("tokenizer_config.json", "42")]
    [InlineData("tokenizer.json", "[]")]
    public void A_file_that_is_not_a_json_object_is_a_one_line_error(string file, string content)
    {
        string dir = CopyOfTinyModel();
        File.WriteAllText(Path.Combine(dir, file), content);
        foreach (var args in new[] { new[] { "run", "--model", dir, "--prompt", "hi", "--max-tokens", "2" }, ["inspect", "--model", dir] })
        {
            var r = R1Process.Run(args);
            Assert.True(r.ExitCode == 2, $"{args[0]}: exit {r.ExitCode}: {r.Stderr}");
            var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(lines);
            Assert.Contains(file, lines[0]);
            Assert.DoesNotContain("Exception", lines[0]);
        }
        Directory.Delete(dir, recursive: true);
    }
}
