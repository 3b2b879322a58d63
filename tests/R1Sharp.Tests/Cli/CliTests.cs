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

    [Fact]
    public void Inspect_describes_the_shipped_tiny_model()
    {
        var result = R1Process.Run("inspect", "--model", Path.Combine(RepoPaths.Root, "models", "tiny-qwen2"));
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("architecture qwen2 (Qwen2ForCausalLM)", result.Stdout);
        Assert.Contains("parameters   131,136", result.Stdout);
        Assert.Contains("template     deepseek-r1 (generation prompt opens <think>)", result.Stdout);

        var json = System.Text.Json.JsonDocument.Parse(R1Process.Run("inspect", "--model", Path.Combine(RepoPaths.Root, "models", "tiny-qwen2"), "--json").Stdout);
        Assert.Equal(131136, json.RootElement.GetProperty("parameters").GetInt64());
        Assert.Equal("qwen2", json.RootElement.GetProperty("config").GetProperty("model_type").GetString());
    }

    [Theory]
    [InlineData("qwen2", "tiny", 131136)]
    [InlineData("llama", "tiny", 130880)]
    public void New_model_writes_a_loadable_directory(string arch, string preset, long parameters)
    {
        string tokenizer = TempDir(), model = Path.Combine(TempDir(), "model");
        Assert.Equal(0, R1Process.Run("train-tokenizer", "--corpus", Corpus, "--vocab-size", "600", "--r1", "--out", tokenizer).ExitCode);
        var created = R1Process.Run("new-model", "--arch", arch, "--preset", preset, "--tokenizer", tokenizer, "--seed", "3", "--out", model);
        Assert.True(created.ExitCode == 0, created.Stderr);
        var summary = R1Sharp.Models.ModelInspector.Inspect(model);
        Assert.Equal(parameters, summary.Parameters);
        Assert.Equal(arch, summary.Config.ModelType);
        Assert.Equal(0.6, summary.Generation.Temperature);
        using var loaded = R1Sharp.Models.DecoderModel.Load(model);

        var again = R1Process.Run("new-model", "--arch", arch, "--preset", preset, "--tokenizer", tokenizer, "--out", model);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("exists and is not empty", again.Stderr);
        Assert.True(File.Exists(Path.Combine(model, "model.safetensors"))); // the existing model is untouched
    }

    [Theory]
    [InlineData("unknown preset 'huge'", "new-model", "--arch", "qwen2", "--preset", "huge", "--tokenizer", "MODEL", "--out", "/tmp/never")]
    [InlineData("unknown architecture 'gpt2'", "new-model", "--arch", "gpt2", "--preset", "tiny", "--tokenizer", "MODEL", "--out", "/tmp/never")]
    [InlineData("give exactly one of --preset NAME or --config FILE", "new-model", "--arch", "qwen2", "--tokenizer", "MODEL", "--out", "/tmp/never")]
    public void New_model_rejects_bad_options(string expected, params string[] args)
    {
        args = args.Select(a => a == "MODEL" ? Path.Combine(RepoPaths.Root, "models", "tiny-qwen2") : a).ToArray();
        var result = R1Process.RunWithInput("", args);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Stderr);
        Assert.False(Directory.Exists("/tmp/never"));
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
