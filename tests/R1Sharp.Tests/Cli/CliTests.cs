// The `r1` verbs end to end: the verb map, tokenize/train-tokenizer round trips, and one-line errors
// with exit code 2 for bad input.
using System.CommandLine;
using R1Sharp.Cli;

namespace R1Sharp.Tests.Cli;

public class CliTests
{
    static string TempDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "r1-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    static string Corpus => RepoPaths.Fixture("bpe", "corpus.txt");

    [Fact]
    public void Parser_has_exactly_the_verbs_of_the_map()
    {
        var names = R1Cli.BuildRoot().Subcommands.Select(c => c.Name).OrderBy(n => n);
        Assert.Equal(R1Cli.Verbs.Keys.OrderBy(n => n), names);
    }

    [Fact]
    public void Train_tokenizer_then_tokenize_round_trips_text()
    {
        string dir = TempDir();
        var train = R1Process.Run("train-tokenizer", "--corpus", Corpus, "--vocab-size", "400", "--r1", "--out", dir);
        Assert.True(train.ExitCode == 0, train.Stderr);
        Assert.Contains("trained vocab 400", train.Stdout);

        var encode = R1Process.RunWithInput("Hello, world!\n<think>1+1=2</think>\n", "tokenize", "--model", dir);
        Assert.Equal(0, encode.ExitCode);
        var lines = encode.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("[394,", lines[0]); // BOS is the first special token: 256 + merges
        Assert.Contains("399]", lines[1]);   // "</think>" is the last special token

        var decode = R1Process.RunWithInput(lines[1] + "\n", "tokenize", "--model", dir, "--decode", "--no-special");
        Assert.Equal("1+1=2\n", decode.Stdout.Replace("\r", ""));
    }

    [Theory]
    [InlineData("error: Option '--model' is required.", "tokenize")]
    [InlineData("tokenizer.json: file not found", "tokenize", "--model", "/nonexistent/model")]
    [InlineData("--corpus: file not found", "train-tokenizer", "--corpus", "/nonexistent.txt", "--vocab-size", "300", "--out", "/tmp/x")]
    [InlineData("--pre-tokenizer: unknown 'bert'", "train-tokenizer", "--corpus", "/nonexistent.txt", "--vocab-size", "300", "--out", "/tmp/x", "--pre-tokenizer", "bert")]
    [InlineData("config.json", "inspect", "--model", "/tmp")]
    [InlineData("model directory not found", "inspect", "--model", "/nonexistent/model")]
    public void Bad_input_gives_one_line_and_exit_code_2(string expected, params string[] args)
    {
        var result = R1Process.RunWithInput("", args);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Stderr);
        Assert.DoesNotContain("   at ", result.Stderr); // no stack trace without --verbose
    }

    [Fact]
    public void Decode_rejects_a_line_that_is_not_an_id_array()
    {
        string dir = TempDir();
        Assert.Equal(0, R1Process.Run("train-tokenizer", "--corpus", Corpus, "--vocab-size", "300", "--out", dir).ExitCode);
        var result = R1Process.RunWithInput("[1,2]\nnot json\n", "tokenize", "--model", dir, "--decode");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("stdin line 2: expected a JSON array of token ids", result.Stderr);
    }
}
