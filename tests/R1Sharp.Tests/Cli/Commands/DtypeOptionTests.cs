// `--dtype f32|bf16|int8|int4` on run, chat, serve, eval, distill and perplexity: bf16 answers like f32 on a committed
// model, int8 gives the same greedy answer with llama-server timings, and int8/int4 of a MoE model, unknown names and
// --dtype with --endpoint are one-line errors with exit code 2.
using System.Text.Json;

namespace R1Sharp.Tests.Cli.Commands;

public class DtypeOptionTests
{
    static string ChainSumBase => Path.Combine(RepoPaths.Root, "models", "chain-sum-base");
    static string Corpus => RepoPaths.Fixture("bpe", "corpus.txt");

    [Theory]
    [InlineData("bf16")]
    [InlineData("int8")]
    public void Run_with_reduced_weights_gives_the_greedy_answer_of_f32(string dtype)
    {
        string[] args = ["run", "--model", ChainSumBase, "--chat-template", "r1-zero", "--prompt", "Last digit of a7 + b1 + c5",
            "--temperature", "0", "--max-tokens", "40", "--json"];
        var f32 = R1Process.Run(args);
        var reduced = R1Process.Run([.. args, "--dtype", dtype]);
        Assert.True(reduced.ExitCode == 0, reduced.Stderr);
        using var a = JsonDocument.Parse(f32.Stdout);
        using var b = JsonDocument.Parse(reduced.Stdout);
        Assert.Equal(a.RootElement.GetProperty("content").GetString(), b.RootElement.GetProperty("content").GetString());
        Assert.Equal(a.RootElement.GetProperty("reasoning").GetString(), b.RootElement.GetProperty("reasoning").GetString());
    }

    [Fact]
    public void Int8_with_ignore_eos_generates_exactly_max_tokens_and_reports_llama_server_timings()
    {
        var run = R1Process.Run(["run", "--model", ChainSumBase, "--chat-template", "r1-zero", "--prompt", "Last digit of a7 + b1 + c5",
            "--dtype", "int8", "--json", "--ignore-eos", "--temperature", "0", "--max-tokens", "24"]);
        Assert.True(run.ExitCode == 0, run.Stderr);
        using var json = JsonDocument.Parse(run.Stdout);
        var timings = json.RootElement.GetProperty("timings");
        Assert.Equal(24, timings.GetProperty("predicted_n").GetInt32());
        Assert.True(timings.GetProperty("predicted_per_second").GetDouble() > 0);
    }

    public static TheoryData<string, string[]> Refused => new()
    {
        { "int8 weights are implemented for qwen2 and llama models, not deepseek_v3; use f32 or bf16", ["run", "--model", "{v3}", "--prompt", "hi", "--dtype", "int8"] },
        { "int4 weights are implemented for qwen2 and llama models, not deepseek_v3", ["eval", "--model", "{v3}", "--task", "chain-sum", "--dtype", "int4"] },
        { "int4 weights are implemented for qwen2 and llama models, not deepseek_v3", ["distill", "--teacher", "{v3}", "--task", "chain-sum", "--out", "{out}", "--dtype", "int4"] },
        { "--dtype: unknown weight dtype 'fp8'; use f32|bf16|int8|int4", ["run", "--model", "{base}", "--prompt", "hi", "--dtype", "fp8"] },
        { "--dtype chooses the weights of a local --model", ["eval", "--endpoint", "http://127.0.0.1:9", "--model-name", "x", "--dataset", "{corpus}", "--dtype", "bf16"] },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Refused_dtypes_give_one_line_and_exit_code_2(string expected, string[] args)
    {
        string outPath = Path.Combine(Path.GetTempPath(), "r1-dtype-" + Guid.NewGuid().ToString("N") + ".jsonl");
        var resolved = args.Select(a => a.Replace("{base}", ChainSumBase).Replace("{v3}", ChainSumBase + "-v3").Replace("{corpus}", Corpus).Replace("{out}", outPath)).ToArray();
        var r = R1Process.RunWithInput("", resolved);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.Stderr);
        Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.False(File.Exists(outPath));
    }
}
