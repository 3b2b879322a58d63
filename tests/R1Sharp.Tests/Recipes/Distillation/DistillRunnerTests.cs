// DistillRunner end to end against the scripted OpenAI endpoint: hand-graded traces (right, wrong, mixed-language,
// repetitive, code, reasoning-only, over-long, answerless) → exact accept counts, SFT lines with provenance that the
// SFT loader reads, the rejected file, resume after a finished and after a cut-short run.
using System.Text.Json;
using R1Sharp.Evaluation;
using R1Sharp.Tests.Evaluation;
using R1Sharp.Text.ChatTemplates;
using R1Sharp.Data;
using R1Sharp.Recipes.Distillation;
using R1Sharp.Training.Sft;

namespace R1Sharp.Tests.Recipes.Distillation;

public sealed class DistillRunnerTests : IDisposable
{
    const int K = 4;
    readonly string _dir = Directory.CreateTempSubdirectory("r1-distill-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static readonly Problem[] Problems =
    [
        new("p0", "Natalia sold 48 clips in April and half as many in May. How many in total?", "72", null, "test"),
        new("p1", "What is 2 + 3?", "5", null, "test"),
        new("p2", "Weng earns $12 an hour. How much for 50 minutes?", "10", null, "test"),
    ];

    static FakeReply R(string content, string? reasoning = null) => new(content, reasoning, 40, reasoning is null ? 0 : 30);

    // 2,800+ chars of distinct words in one paragraph: only the paragraph check fails.
    static readonly string LongReasoning = string.Join(' ', Enumerable.Range(0, 600).Select(i => $"w{i}"));

    // Hand-judged (first failed check):
    //   p0: accepted | correct (70) | mixed_language (3 Latin of 8 words) | repetition (a loop)
    //   p1: accepted | code_block | format (reasoning only, nothing after </think>) | long_paragraph
    //   p2: no_answer ("I am not sure.") | accepted | accepted | accepted (no words: nothing mixed)
    // accepted 5 of 12; with --keep-per-problem 2, p2 keeps samples 1 and 2: kept 4.
    internal static FakeReply[][] Script() =>
    [
        [
            R(@"The total is \boxed{72}.", "Half of 48 is 24, and 48 + 24 = 72."),
            R(@"\boxed{70}", "48 + 22 = 70."),
            R(@"\boxed{72}", "First 48 所以一半是 24 so total 72"),
            R(@"\boxed{72}", string.Concat(Enumerable.Repeat("so the answer is 72 ", 12))),
        ],
        [
            R(@"\boxed{5}", "2 + 3 = 5"),
            R("```python\nprint(2 + 3)\n```\n" + @"\boxed{5}", "Let me compute it in code."),
            R("", @"2 + 3 = 5, so \boxed{5}"),
            R(@"\boxed{5}", LongReasoning),
        ],
        [
            R("I am not sure.", "Hmm."),
            R(@"\boxed{10}", "12 dollars per 60 minutes is 0.2 per minute, times 50 is 10."),
            R(@"She earns \boxed{10} dollars.", "50 minutes is five sixths of an hour: 12 * 5 / 6 = 10."),
            R(@"\boxed{10}", "12 * 50 / 60 = 10"),
        ],
    ];

    static DistillOptions Options(int? keep = 2) => new() { Sampling = new() { K = K, Seed = 0, MaxNewTokens = 512 }, KeepPerProblem = keep };

    static OpenAiEvalClient Client(FakeChatEndpoint fake) => new(
        new OpenAiEvalClientOptions { Endpoint = fake.Address.ToString(), ModelName = "fake-r1", Concurrency = 4, RetryBaseDelay = TimeSpan.FromMilliseconds(5) },
        Options().Sampling);

    static string[] Lines(string path) => File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();

    [Fact]
    public async Task Rejection_sampling_keeps_exactly_the_hand_judged_traces()
    {
        await using var fake = await FakeChatEndpoint.StartAsync(K, Script());
        using var client = Client(fake);
        var paths = DistillPaths.For(Path.Combine(_dir, "data.jsonl"));
        var result = await DistillRunner.RunAsync(client, Problems, Options(), paths);

        Assert.Equal(["p0", "p1", "p2"], result.Records.Select(r => r.Id));
        string?[][] reasons =
        [
            [null, "correct", "mixed_language", "repetition"],
            [null, "code_block", "format", "long_paragraph"],
            ["no_answer", null, null, null],
        ];
        for (int p = 0; p < 3; p++) Assert.Equal(reasons[p], result.Records[p].Traces.Select(t => t.RejectedBy));
        Assert.Equal([false, true, true, false], result.Records[2].Traces.Select(t => t.Kept));

        var s = result.Summary;
        Assert.Equal((3, 12, 5, 4, 3), (s.Problems, s.Traces, s.Accepted, s.Kept, s.ProblemsWithKept));
        Assert.Equal(1, s.RejectedBy["correct"]);
        Assert.Equal(1, s.RejectedBy["no_answer"]);
        Assert.Equal(7, s.RejectedBy.Values.Sum());
        Assert.Equal(2, s.Failed["correct"]); // the answerless one is wrong too
        string table = DistillRunner.FormatSummary(s);
        Assert.Matches(@"kept \(written for SFT\) +4 +33\.3%", table);

        var kept = Lines(paths.Out);
        var rest = Lines(paths.Rejected);
        Assert.Equal(4, kept.Length);
        Assert.Equal(8, rest.Length); // 7 rejected + 1 accepted over the keep limit
        Assert.Equal(3, Lines(paths.State).Length);
    }

    [Fact]
    public async Task Sft_lines_carry_the_r1_chat_form_and_full_provenance()
    {
        await using var fake = await FakeChatEndpoint.StartAsync(K, Script());
        using var client = Client(fake);
        var paths = DistillPaths.For(Path.Combine(_dir, "data.jsonl"));
        await DistillRunner.RunAsync(client, Problems, Options(), paths);

        using var doc = JsonDocument.Parse(Lines(paths.Out).Single(l => l.Contains("\"problem_id\":\"p0\"")));
        var root = doc.RootElement;
        var messages = root.GetProperty("messages");
        Assert.Equal("user", messages[0].GetProperty("role").GetString());
        Assert.Equal(Problems[0].Question + "\n" + EvalPrompt.DefaultInstruction, messages[0].GetProperty("content").GetString());
        Assert.Equal("<think>\nHalf of 48 is 24, and 48 + 24 = 72.\n</think>\n\nThe total is \\boxed{72}.", messages[1].GetProperty("content").GetString());
        var prov = root.GetProperty("provenance");
        Assert.StartsWith("fake-r1 at http://127.0.0.1:", prov.GetProperty("teacher").GetString());
        Assert.Equal(("72", "72"), (prov.GetProperty("gold").GetString(), prov.GetProperty("answer").GetString()));
        var sampling = prov.GetProperty("sampling");
        Assert.Equal(0.6, sampling.GetProperty("temperature").GetDouble());
        Assert.Equal(0.95, sampling.GetProperty("top_p").GetDouble());
        Assert.Equal(512, sampling.GetProperty("max_tokens").GetInt32());
        Assert.Equal((0, 0, K), (sampling.GetProperty("seed").GetInt32(), sampling.GetProperty("sample_index").GetInt32(), sampling.GetProperty("samples").GetInt32()));
        Assert.Equal(R1Sharp.Recipes.Distillation.TraceFilters.Checks, prov.GetProperty("verdicts").EnumerateObject().Select(p => p.Name));
        Assert.All(prov.GetProperty("verdicts").EnumerateObject(), v => Assert.True(v.Value.GetProperty("passed").GetBoolean()));
        Assert.True(prov.GetProperty("accepted").GetBoolean());
        Assert.Equal(JsonValueKind.Null, prov.GetProperty("rejected_by").ValueKind);
        Assert.Equal("Half of 48 is 24, and 48 + 24 = 72.".Length, prov.GetProperty("reasoning_chars").GetInt32());
        Assert.Equal((30, 40), (prov.GetProperty("reasoning_tokens").GetInt32(), prov.GetProperty("completion_tokens").GetInt32()));

        // The sample seed is the request's: p2 sample 2 was requested with seed 2·K + 2.
        using var p2 = JsonDocument.Parse(Lines(paths.Out).Single(l => l.Contains("\"problem_id\":\"p2\"") && l.Contains("\"sample_index\":2")));
        Assert.Equal(2 * K + 2, p2.RootElement.GetProperty("provenance").GetProperty("sampling").GetProperty("seed").GetInt32());

        using var rejected = JsonDocument.Parse(Lines(paths.Rejected).Single(l => l.Contains("\"problem_id\":\"p0\"") && l.Contains("\"sample_index\":2")));
        var rp = rejected.RootElement.GetProperty("provenance");
        Assert.Equal(("mixed_language", false), (rp.GetProperty("rejected_by").GetString(), rp.GetProperty("accepted").GetBoolean()));
        Assert.False(rp.GetProperty("verdicts").GetProperty("mixed_language").GetProperty("passed").GetBoolean());
        Assert.Equal("English share 0.375 < 0.9", rp.GetProperty("verdicts").GetProperty("mixed_language").GetProperty("detail").GetString());
    }

    [Fact]
    public async Task The_sft_loader_reads_the_output_unchanged()
    {
        await using var fake = await FakeChatEndpoint.StartAsync(K, Script());
        using var client = Client(fake);
        var paths = DistillPaths.For(Path.Combine(_dir, "data.jsonl"));
        await DistillRunner.RunAsync(client, Problems, Options(), paths);

        var template = new DeepSeekR1ChatTemplate();
        var config = new SftConfig { ModelNameOrPath = "unused", DatasetPath = paths.Out, DatasetFormat = SftDatasetFormat.Messages };
        var examples = SftTrainer.LoadExamples(config, template, template.EosToken);
        Assert.Equal(4, examples.Count);
        // R1's template pre-fills "<think>\n": the completion continues inside the thinking and ends with EOS.
        var first = examples.Single(e => e.Prompt.Contains("Natalia"));
        Assert.EndsWith("<think>\n", first.Prompt);
        Assert.Equal("Half of 48 is 24, and 48 + 24 = 72.\n</think>\n\nThe total is \\boxed{72}." + template.EosToken, first.Completion);
    }

    [Fact]
    public async Task A_rerun_samples_only_the_problems_not_finished()
    {
        await using var fake = await FakeChatEndpoint.StartAsync(K, Script());
        using var client = Client(fake);
        var paths = DistillPaths.For(Path.Combine(_dir, "data.jsonl"));
        await DistillRunner.RunAsync(client, Problems[..2], Options(), paths);
        Assert.Equal(2 * K, fake.Log.Count);
        Assert.Equal(2, Lines(paths.Out).Length);

        var progress = new List<DistillProgress>();
        var result = await DistillRunner.RunAsync(client, Problems, Options(), paths, progress.Add);
        Assert.Equal(3 * K, fake.Log.Count); // only p2's four samples
        Assert.All(fake.Log.Skip(2 * K), r => Assert.Equal(2, r.Problem));
        Assert.Equal((3, 3, 2), (progress.Single().Done, progress.Single().Total, progress.Single().Resumed));
        Assert.Equal(4, result.Summary.Kept);
        Assert.Equal(4, Lines(paths.Out).Length);
        Assert.Equal(8, Lines(paths.Rejected).Length);

        // Again: nothing to do, files unchanged.
        string before = File.ReadAllText(paths.Out);
        await DistillRunner.RunAsync(client, Problems, Options(), paths);
        Assert.Equal(3 * K, fake.Log.Count);
        Assert.Equal(before, File.ReadAllText(paths.Out));
    }

    [Fact]
    public async Task A_cut_short_run_is_rebuilt_from_its_state_and_the_lost_problem_redone()
    {
        await using var fake = await FakeChatEndpoint.StartAsync(K, Script());
        using var client = Client(fake);
        var paths = DistillPaths.For(Path.Combine(_dir, "data.jsonl"));
        await DistillRunner.RunAsync(client, Problems, Options(), paths);
        var keptBefore = Lines(paths.Out).Order().ToArray();

        // Crash simulation: the state's last problem was half written, while its SFT lines were already out.
        var state = Lines(paths.State);
        string lost = JsonDocument.Parse(state[^1]).RootElement.GetProperty("id").GetString()!;
        File.WriteAllText(paths.State, string.Join('\n', state[..^1]) + "\n" + state[^1][..40]);
        var result = await DistillRunner.RunAsync(client, Problems, Options(), paths);

        Assert.Equal(4 * K, fake.Log.Count);
        Assert.All(fake.Log.Skip(3 * K), r => Assert.Equal(lost, Problems[r.Problem].Id));
        Assert.Equal(keptBefore, Lines(paths.Out).Order().ToArray()); // no duplicates, nothing lost
        Assert.Equal(8, Lines(paths.Rejected).Length);
        Assert.Equal(3, Lines(paths.State).Length);
        Assert.Equal(4, result.Summary.Kept);
    }

    [Fact]
    public async Task Resume_refuses_other_sample_counts_and_foreign_out_files()
    {
        await using var fake = await FakeChatEndpoint.StartAsync(K, Script());
        using var client = Client(fake);
        var paths = DistillPaths.For(Path.Combine(_dir, "data.jsonl"));
        await DistillRunner.RunAsync(client, Problems[..1], Options(), paths);
        var e = await Assert.ThrowsAsync<R1SharpException>(() => DistillRunner.RunAsync(client, Problems, Options() with { Sampling = Options().Sampling with { K = 2 } }, paths));
        Assert.Contains("has 4 traces but --samples is 2", e.Message);

        var foreign = DistillPaths.For(Path.Combine(_dir, "mine.jsonl"));
        File.WriteAllText(foreign.Out, "{\"text\":\"precious\"}\n");
        e = await Assert.ThrowsAsync<R1SharpException>(() => DistillRunner.RunAsync(client, Problems, Options(), foreign));
        Assert.Contains("was not written by `r1 distill`", e.Message);
        Assert.Equal("{\"text\":\"precious\"}\n", File.ReadAllText(foreign.Out));
    }

    [Fact]
    public void Paths_sit_beside_the_out_file()
    {
        Assert.Equal(new DistillPaths("d/x.jsonl", "d/x.rejected.jsonl", "d/x.state.jsonl"), DistillPaths.For("d/x.jsonl"));
        Assert.Equal(new DistillPaths("x.json", "x.json.rejected.jsonl", "x.json.state.jsonl"), DistillPaths.For("x.json"));
    }

    [Theory]
    [InlineData(0, null, 0.6f, 0.95f, 10)]
    [InlineData(4, 0, 0.6f, 0.95f, 10)]
    [InlineData(4, null, 0f, 0.95f, 10)]
    [InlineData(4, null, 0.6f, 1.5f, 10)]
    [InlineData(4, null, 0.6f, 0.95f, 0)]
    public void Bad_options_are_one_line_errors(int samples, int? keep, float temperature, float topP, int maxTokens)
    {
        var options = new DistillOptions { Sampling = new() { K = samples, Temperature = temperature, TopP = topP, MaxNewTokens = maxTokens }, KeepPerProblem = keep };
        var e = Assert.Throws<R1SharpException>(() => options.Validate());
        Assert.DoesNotContain('\n', e.Message);
    }
}
