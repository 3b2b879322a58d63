// `r1 eval` end to end on models/tiny-qwen2: remotely against a real in-process R1Server, locally through the real
// r1 program (records, summary, resume), and its one-line usage errors (exit 2).
using R1Sharp.Evaluation;
using R1Sharp.Generation;
using R1Sharp.Server;
using R1Sharp.Text.ChatTemplates;
using R1Sharp.Data;
using R1Sharp.Tests.Evaluation;

namespace R1Sharp.Tests.Cli.Commands;

public sealed class EvalCommandTests : IDisposable
{
    static readonly string TinyQwen = Path.Combine(RepoPaths.Root, "models", "tiny-qwen2");
    static readonly string Gsm8k = Path.Combine(RepoPaths.Root, "tests", "fixtures", "datasets", "gsm8k.jsonl");
    readonly string _dir = Directory.CreateTempSubdirectory("r1-evalcmd-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static void AssertShape(EvalRecord r, int k, int maxTokens)
    {
        Assert.Equal(k, r.Completions.Count);
        Assert.Equal(k, r.Answers.Count);
        Assert.Equal(k, r.Correct.Count);
        Assert.All(r.Lengths, l => Assert.InRange(l, 1, maxTokens));
        Assert.All(r.ReasoningLengths, l => Assert.InRange(l, 0, maxTokens));
        Assert.InRange(r.PassAt1, 0, 1);
    }

    [Fact]
    public async Task Remote_eval_against_a_real_r1_server_gives_finite_metrics_and_full_records()
    {
        using var generator = TextGenerator.Load(TinyQwen); // disposed after the server (declared first)
        await using var server = R1Server.Create(generator, ChatTemplate.FromModelDirectory(TinyQwen), new ServerOptions { ModelId = "tiny-qwen2", Port = 0 });
        await server.StartAsync();
        var problems = DatasetLoader.LoadProblems(Gsm8k);
        Assert.Equal(3, problems.Count);
        using var client = new OpenAiEvalClient(new OpenAiEvalClientOptions { Endpoint = server.Address.ToString(), ModelName = "tiny-qwen2", Concurrency = 4 },
            new EvalOptions { K = 2, MaxNewTokens = 8 });
        string path = Path.Combine(_dir, "served.jsonl");
        var result = await EvalRunner.RunAsync(client, problems, 2, path);

        Assert.Equal(problems.Select(p => p.Id), result.Records.Select(r => r.Id));
        foreach (var r in result.Records) AssertShape(r, 2, 8);
        var s = result.Summary;
        Assert.All(new[] { s.PassAt1, s.ConsAtK, s.MeanLength, s.MeanReasoningLength }, v => Assert.True(double.IsFinite(v)));
        Assert.InRange(s.MeanLength, 1, 8);
        // R1 template with <think> prefill: the tiny model never closes thinking in 8 tokens, so all of it is reasoning.
        Assert.Equal(s.MeanLength, s.MeanReasoningLength);
        Assert.Equal(3, EvalRunner.ReadRecords(path).Count);
    }

    [Fact]
    public void Local_eval_writes_records_prints_the_table_and_resumes()
    {
        string path = Path.Combine(_dir, "local.jsonl");
        string[] args = ["eval", "--model", TinyQwen, "--dataset", Gsm8k, "--samples", "2", "--max-tokens", "8", "--out", path];
        var first = R1Process.Run(args);
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Contains("pass@1 (mean over k)", first.Stdout);
        Assert.Contains("cons@2 (majority vote)", first.Stdout);
        Assert.Contains("problems                           3", first.Stdout);
        var records = EvalRunner.ReadRecords(path);
        Assert.Equal(["gsm8k-0", "gsm8k-1", "gsm8k-2"], records.Select(r => r.Id).Order());
        foreach (var r in records) AssertShape(r, 2, 8);

        var again = R1Process.Run(args);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("resuming: 3 of 3 problems", again.Stderr);
        Assert.DoesNotContain("[1/3]", again.Stderr); // nothing sampled again
        Assert.Equal(first.Stdout, again.Stdout);
        Assert.Equal(4, File.ReadAllLines(path).Length); // the run key, then one record per problem
    }

    [Theory]
    [InlineData("neither", "give exactly one of --model")]
    [InlineData("both", "give exactly one of --model")]
    [InlineData("no-name", "--endpoint needs --model-name")]
    [InlineData("no-dataset-file", "--dataset: file not found")]
    [InlineData("bad-samples", "--samples must be >= 1")]
    [InlineData("dataset-and-task", "give exactly one of --dataset FILE and --task chain-sum")]
    [InlineData("unknown-task", "--task: unknown task 'gsm8k'")]
    [InlineData("task-remote", "--task chain-sum needs a local --model")]
    [InlineData("bad-template", "--chat-template: unknown template 'x'")]
    public void Usage_errors_are_one_line_and_exit_2(string kind, string expected)
    {
        string missing = Path.Combine(_dir, "missing.jsonl");
        string[] args = kind switch
        {
            "neither" => ["eval", "--dataset", Gsm8k],
            "both" => ["eval", "--model", TinyQwen, "--endpoint", "http://127.0.0.1:9", "--model-name", "m", "--dataset", Gsm8k],
            "no-name" => ["eval", "--endpoint", "http://127.0.0.1:9", "--dataset", Gsm8k],
            "no-dataset-file" => ["eval", "--endpoint", "http://127.0.0.1:9", "--model-name", "m", "--dataset", missing],
            "dataset-and-task" => ["eval", "--model", TinyQwen, "--dataset", Gsm8k, "--task", "chain-sum"],
            "unknown-task" => ["eval", "--model", TinyQwen, "--task", "gsm8k"],
            "task-remote" => ["eval", "--endpoint", "http://127.0.0.1:9", "--model-name", "m", "--task", "chain-sum"],
            "bad-template" => ["eval", "--model", TinyQwen, "--dataset", Gsm8k, "--chat-template", "x", "--out", Path.Combine(_dir, "x.jsonl")],
            _ => ["eval", "--endpoint", "http://127.0.0.1:9", "--model-name", "m", "--dataset", Gsm8k, "--samples", "0"],
        };
        var result = R1Process.Run(args);
        Assert.Equal(2, result.ExitCode);
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(expected, lines[0]);
    }

    [Fact]
    public void A_missing_dataset_option_is_a_usage_error_exit_2()
    {
        var result = R1Process.Run("eval", "--endpoint", "http://127.0.0.1:9", "--model-name", "m");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--dataset", result.Stderr);
    }

    [Fact]
    public void Chain_sum_task_evaluates_the_held_out_problems_with_the_r1_zero_prompt()
    {
        string outPath = Path.Combine(_dir, "cs.jsonl");
        var result = R1Process.Run("eval", "--model", Path.Combine(RepoPaths.Root, "models", "chain-sum-base"), "--task", "chain-sum",
            "--limit", "6", "--samples", "4", "--out", outPath);
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("chain-sum — chain-sum-base", result.Stdout);
        var records = EvalRunner.ReadRecords(outPath);
        Assert.Equal(Enumerable.Range(0, 6).Select(i => $"heldout-{i}"), records.Select(r => r.Id).Order());
        foreach (var r in records) AssertShape(r, 4, 96);
        // The pretrained base answers in the R1-Zero format it was trained on (a base model without a chat template).
        Assert.True(records.SelectMany(r => r.Completions).Count(c => c.Contains("<answer>", StringComparison.Ordinal)) >= 20);
    }

    [Fact]
    public async Task Remote_cli_run_against_the_fake_endpoint_prints_the_exact_summary()
    {
        await using var fake = await RemoteEvalTests.StartScripted(faults: false);
        string data = Path.Combine(_dir, "four.jsonl");
        File.WriteAllLines(data, RemoteEvalTests.Problems.Select(p =>
            System.Text.Json.JsonSerializer.Serialize(new { id = p.Id, problem = p.Question, answer = p.Answer })));
        var result = R1Process.Run("eval", "--endpoint", fake.Address.ToString(), "--model-name", "fake-r1", "--dataset", data,
            "--samples", "4", "--seed", "0", "--out", Path.Combine(_dir, "four-out.jsonl"));
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("pass@1 (mean over k)          43.75%", result.Stdout);
        Assert.Contains("cons@4 (majority vote)        50.00%", result.Stdout);
        Assert.Contains("mean length (tokens)            26.5", result.Stdout);
    }
}
