// `r1 run`, `r1 chat` and `r1 perplexity` end to end (the real r1.dll) on a tiny random model saved to a temp
// dir with an R1-format tokenizer: JSON shape, piped chat, a finite perplexity, and one-line errors (exit 2).
using System.Text.Json;
using static R1Sharp.Tests.Generation.GeneratorTestKit;

namespace R1Sharp.Tests.Cli.Commands;

public class RunChatPerplexityCommandTests
{
    private static readonly Lazy<string> s_modelDir = new(() =>
    {
        using var model = RandomModel(seed: 21);
        return SaveModelDir(model);
    });

    private static string ModelDir => s_modelDir.Value;

    [Fact]
    public void Run_json_prints_one_object_with_reasoning_content_and_usage()
    {
        var r = R1Process.Run("run", "--model", ModelDir, "--prompt", "What is 2+2?", "--max-tokens", "12", "--seed", "3", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        Assert.Equal(JsonValueKind.String, root.GetProperty("reasoning").ValueKind);
        Assert.Equal(JsonValueKind.String, root.GetProperty("content").ValueKind);
        Assert.Contains(root.GetProperty("finish_reason").GetString(), new[] { "stop", "length", "loop" });
        var usage = root.GetProperty("usage");
        Assert.True(usage.GetProperty("prompt_tokens").GetInt32() > 5);
        Assert.InRange(usage.GetProperty("completion_tokens").GetInt32(), 1, 12);
        Assert.InRange(usage.GetProperty("reasoning_tokens").GetInt32(), 0, 12);
        // The same seed gives the same answer (everything but the wall-clock timings).
        var again = R1Process.Run("run", "--model", ModelDir, "--prompt", "What is 2+2?", "--max-tokens", "12", "--seed", "3", "--json");
        Assert.Equal(WithoutTimings(r.Stdout), WithoutTimings(again.Stdout));
    }

    [Fact]
    public void Run_json_with_ignore_eos_generates_exactly_max_tokens_and_prints_llama_server_timings()
    {
        var r = R1Process.Run("run", "--model", ModelDir, "--prompt", "hi", "--max-tokens", "20", "--temperature", "0", "--ignore-eos", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        var root = doc.RootElement;
        Assert.Equal("length", root.GetProperty("finish_reason").GetString());
        var timings = root.GetProperty("timings");
        Assert.Equal(root.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), timings.GetProperty("prompt_n").GetInt32());
        Assert.Equal(20, timings.GetProperty("predicted_n").GetInt32());
        foreach (var name in new[] { "prompt_ms", "prompt_per_token_ms", "prompt_per_second", "predicted_ms", "predicted_per_token_ms", "predicted_per_second" })
            Assert.True(timings.GetProperty(name).GetDouble() > 0, name);
        Assert.Equal(1e3 / timings.GetProperty("predicted_ms").GetDouble() * 20, timings.GetProperty("predicted_per_second").GetDouble(), 6);
    }

    private static string WithoutTimings(string json)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!.AsObject();
        Assert.True(node.Remove("timings"));
        return node.ToJsonString();
    }

    [Fact]
    public void Run_streams_the_answer_and_ends_with_token_counts_and_speed()
    {
        var r = R1Process.Run("run", "--model", ModelDir, "--prompt", "hello", "--max-tokens", "8", "--temperature", "0", "--think-budget", "3");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.DoesNotContain("\u001b[", r.Stdout); // no ANSI codes when stdout is not a terminal
        Assert.Matches(@"prompt \d+ tokens, generated 8 \(3 reasoning\) in [\d.]+ s, [\d.]+ tokens/s, finish length", r.Stderr);
    }

    [Fact]
    public void Chat_with_piped_input_answers_each_line_and_exits_0()
    {
        var r = R1Process.RunWithInput("hi\n/think-budget 2\nand again\n/reset\n/nope\n/exit\nnever read\n",
            "chat", "--model", ModelDir, "--max-tokens", "6", "--seed", "1");
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(2, r.Stderr.Split('\n').Count(l => l.Contains("tokens/s")));
        Assert.Contains("(thinking budget 2 tokens)", r.Stderr);
        Assert.Contains("(conversation reset)", r.Stderr);
        Assert.Contains("unknown command /nope", r.Stderr);
    }

    static string ChainSumBase => Path.Combine(RepoPaths.Root, "models", "chain-sum-base");

    [Fact]
    public void Chat_with_the_r1_zero_template_holds_a_three_turn_conversation()
    {
        // Earlier turns fold into the one-line R1-Zero prompt, so each prompt is longer than the one before.
        var r = R1Process.RunWithInput("Last digit of a7 + b1 + c5\nLast digit of a2 + b2\nLast digit of a9 + b9 + c9 + d1\n",
            "chat", "--model", ChainSumBase, "--chat-template", "r1-zero", "--temperature", "0", "--max-tokens", "60");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var prompts = System.Text.RegularExpressions.Regex.Matches(r.Stderr, @"prompt (\d+) tokens").Select(m => int.Parse(m.Groups[1].Value)).ToList();
        Assert.Equal(3, prompts.Count);
        Assert.True(prompts[0] < prompts[1] && prompts[1] < prompts[2], string.Join(", ", prompts));
        Assert.Matches(@"^\s*<answer> \d </answer>", r.Stdout.Split('\n', 2)[1]); // the first answer, in the format the base learned
    }

    [Fact]
    public void Run_with_the_r1_zero_template_drives_a_base_model_without_a_chat_template()
    {
        var r = R1Process.Run("run", "--model", ChainSumBase, "--chat-template", "r1-zero", "--prompt", "Last digit of a7 + b1 + c5",
            "--temperature", "0", "--max-tokens", "60", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        // The base was pretrained on "<think> … </think> <answer> d </answer>" completions after the R1-Zero prompt.
        Assert.Matches(@"<answer> \d </answer>", doc.RootElement.GetProperty("content").GetString());
        Assert.Equal("stop", doc.RootElement.GetProperty("finish_reason").GetString());

        // Seed 2 thinks ("a7 + b1 = 8 , 8 + c5 = 3"). "<think>" is several tokens in this vocabulary, so reasoning
        // tokens are counted from the text the parser routes to reasoning.
        var thinking = R1Process.Run("run", "--model", ChainSumBase, "--chat-template", "r1-zero", "--prompt", "Last digit of a7 + b1 + c5",
            "--temperature", "1", "--seed", "2", "--max-tokens", "60", "--json");
        using var t = JsonDocument.Parse(thinking.Stdout);
        Assert.Contains("=", t.RootElement.GetProperty("reasoning").GetString());
        var usage = t.RootElement.GetProperty("usage");
        int reasoningTokens = usage.GetProperty("reasoning_tokens").GetInt32(), completionTokens = usage.GetProperty("completion_tokens").GetInt32();
        Assert.InRange(reasoningTokens, 10, completionTokens - 5);
    }

    [Fact]
    public void Perplexity_prints_a_finite_number()
    {
        var r = R1Process.Run("perplexity", "--model", ModelDir, "--file", RepoPaths.Fixture("bpe", "corpus.txt"), "--context", "64", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        double ppl = doc.RootElement.GetProperty("perplexity").GetDouble();
        Assert.True(double.IsFinite(ppl) && ppl > 1, $"perplexity {ppl}");
        Assert.Contains("window 1/", r.Stderr);
        var text = R1Process.Run("perplexity", "--model", ModelDir, "--file", RepoPaths.Fixture("bpe", "corpus.txt"), "--context", "64");
        Assert.Matches(@"^perplexity [\d.]+ \(mean nll", text.Stdout);
    }

    public static TheoryData<string, string[]> BadInputs => new()
    {
        { "model directory not found", ["run", "--model", "/nonexistent/model", "--prompt", "hi"] },
        { "but the context is 16", ["run", "--model", "{model}", "--prompt", "a fairly long prompt that needs more than sixteen tokens surely", "--ctx", "16"] },
        { "temperature must be a finite number >= 0", ["run", "--model", "{model}", "--prompt", "hi", "--temperature", "-1"] },
        { "top_p must be in (0, 1]", ["chat", "--model", "{model}", "--top-p", "1.5"] },
        { "max_tokens must be >= 1", ["run", "--model", "{model}", "--prompt", "hi", "--max-tokens", "0"] },
        { "ctx 100000 exceeds the model's max_position_embeddings 256", ["run", "--model", "{model}", "--prompt", "hi", "--ctx", "100000"] },
        { "--file: file not found", ["perplexity", "--model", "{model}", "--file", "/nonexistent.txt"] },
        { "--context must be >= 4", ["perplexity", "--model", "{model}", "--file", "{corpus}", "--context", "3"] },
        { "model directory not found", ["chat", "--model", "/nonexistent/model"] },
        { "--chat-template: unknown template 'chatml'", ["run", "--model", "{model}", "--prompt", "hi", "--chat-template", "chatml"] },
        { "pass --chat-template r1-zero", ["run", "--model", "{base}", "--prompt", "hi"] },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void Bad_input_gives_one_line_and_exit_code_2(string expected, string[] args)
    {
        var resolved = args.Select(a => a.Replace("{model}", ModelDir).Replace("{base}", ChainSumBase).Replace("{corpus}", RepoPaths.Fixture("bpe", "corpus.txt"))).ToArray();
        var r = R1Process.RunWithInput("", resolved);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Stderr);
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
