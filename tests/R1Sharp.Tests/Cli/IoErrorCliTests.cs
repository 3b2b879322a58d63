// I/O failures the user causes (a full disk, a name too long for the file system) end `r1` with one line naming
// the path and exit code 2, not an exception name and exit 1.
using Xunit.Abstractions;

namespace R1Sharp.Tests.Cli;

public sealed class IoErrorCliTests(ITestOutputHelper output)
{
    static void AssertOneLine(R1Result r, params string[] expected)
    {
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}: {r.Stderr}");
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("merge: ") && !l.StartsWith("count: ")).ToArray();
        Assert.True(lines.Length == 1, r.Stderr);
        Assert.DoesNotContain("Exception", lines[0]);
        foreach (var e in expected) Assert.Contains(e, lines[0]);
    }

    [Fact]
    public void Training_onto_a_full_disk_is_a_one_line_error_naming_the_file()
    {
        using var fs = SmallTmpfs.Create(256, out var whyNot);
        if (fs is null) { output.WriteLine("not run: " + whyNot); return; }
        string dir = Directory.CreateTempSubdirectory("r1-full-").FullName;
        string data = Training.Sft.SftTrainerTests.WriteToyDataset(dir, 16);
        fs.Fill(leaveBytes: 8192);
        var r = R1Process.Run("train", "sft", $"--model_name_or_path={Path.Combine(RepoPaths.Root, "models", "tiny-qwen2")}",
            $"--dataset_path={data}", $"--output_dir={Path.Combine(fs.Path, "out")}", "--per_device_train_batch_size=4",
            "--max_length=64", "--max_steps=40", "--save_steps=0");
        output.WriteLine(r.Stderr);
        AssertOneLine(r, fs.Path, "no space left on device");
    }

    [Fact]
    public void A_file_name_too_long_for_the_file_system_is_a_one_line_error()
    {
        string outDir = Path.Combine(Path.GetTempPath(), new string('n', 300), "tok");
        var r = R1Process.Run("train-tokenizer", "--corpus", RepoPaths.Fixture("bpe", "corpus.txt"), "--vocab-size", "300", "--out", outDir);
        AssertOneLine(r, "too long");
    }

    [Fact]
    public void An_output_directory_on_a_read_only_file_system_is_a_one_line_error()
    {
        using var fs = SmallTmpfs.Create(64, out var whyNot, readOnly: true);
        if (fs is null) { output.WriteLine("not run: " + whyNot); return; }
        string outDir = Path.Combine(fs.Path, "tok");
        var r = R1Process.Run("train-tokenizer", "--corpus", RepoPaths.Fixture("bpe", "corpus.txt"), "--vocab-size", "300", "--out", outDir);
        AssertOneLine(r, fs.Path, "ead-only file system");
    }
}
