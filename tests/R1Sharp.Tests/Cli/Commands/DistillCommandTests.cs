// `r1 distill` through the real r1 program: the chain-sum task with the committed base model as a local teacher (whose
// output `r1 train sft` then trains on), a remote teacher (the scripted endpoint), resume, and one-line usage errors.
using System.Text.Json;
using R1Sharp.Tests.Evaluation;
using R1Sharp.Text.ChatTemplates;
using R1Sharp.Recipes.Distillation;
using R1Sharp.Training.Sft;
using R1Sharp.Recipes.Zero;
using R1Sharp.Tests.Recipes.Distillation;

namespace R1Sharp.Tests.Cli.Commands;

public sealed class DistillCommandTests : IDisposable
{
    static readonly string ChainSumBase = Path.Combine(RepoPaths.Root, "models", "chain-sum-base");
    readonly string _dir = Directory.CreateTempSubdirectory("r1-distillcmd-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static string[] Lines(string path) => File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();

    [Fact]
    public void Chain_sum_training_problems_never_overlap_the_held_out_ones()
    {
        var train = ZeroTask.TrainProblems(2000, 1234);
        Assert.Equal(2000, train.Select(p => p.Question).Distinct().Count());
        Assert.DoesNotContain(train, p => ZeroTask.HeldOutQuestions.Contains(p.Question));
    }

    [Fact]
    public void Chain_sum_distillation_from_a_local_teacher_feeds_r1_train_sft_and_resumes()
    {
        string outPath = Path.Combine(_dir, "cs.jsonl");
        string[] args = ["distill", "--teacher", ChainSumBase, "--task", "chain-sum", "--problems", "4", "--samples", "4", "--out", outPath];
        var first = R1Process.Run(args);
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Contains("[4/4] train-", first.Stderr);
        Assert.Contains("kept (written for SFT)", first.Stdout);

        var paths = DistillPaths.For(outPath);
        var kept = Lines(paths.Out);
        var rejected = Lines(paths.Rejected);
        Assert.Equal(16, kept.Length + rejected.Length);
        Assert.NotEmpty(kept); // the base model is right ~37% of the time: 16 samples hold some
        var heldOut = ZeroTask.HeldOut.Select(p => R1ZeroTemplate.Prompt(p.Question)).ToHashSet();
        foreach (var line in kept)
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            string prompt = root.GetProperty("prompt").GetString()!, completion = root.GetProperty("completion").GetString()!;
            Assert.StartsWith(R1ZeroTemplate.Preamble + " User: Last digit of ", prompt);
            Assert.EndsWith(". Assistant:", prompt);
            Assert.DoesNotContain(prompt, heldOut);
            Assert.Matches(@"^\s*<think>.*</think>\s*<answer>.*</answer>$", completion); // the format `r1 zero` rewards
            var prov = root.GetProperty("provenance");
            Assert.Equal(ChainSumBase, prov.GetProperty("teacher").GetString());
            Assert.Equal(prov.GetProperty("gold").GetString(), prov.GetProperty("answer").GetString());
            Assert.Equal(96, prov.GetProperty("sampling").GetProperty("max_tokens").GetInt32());
        }

        // The SFT loader reads it unchanged (plain prompts, no chat template), and `r1 train sft` trains on it.
        var config = new SftConfig { ModelNameOrPath = ChainSumBase, DatasetPath = outPath, DatasetFormat = SftDatasetFormat.PromptCompletion };
        var examples = SftTrainer.LoadExamples(config, null, ZeroTask.Eos);
        Assert.Equal(kept.Length, examples.Count);
        Assert.All(examples, e => Assert.EndsWith("</answer>" + ZeroTask.Eos, e.Completion));
        string sftOut = Path.Combine(_dir, "sft");
        var sft = R1Process.Run("train", "sft", $"--model_name_or_path={ChainSumBase}", $"--dataset_path={outPath}",
            "--dataset_format=prompt_completion", $"--output_dir={sftOut}", "--max_steps=2", "--per_device_train_batch_size=2",
            "--learning_rate=0.001", "--logging_steps=1");
        Assert.True(sft.ExitCode == 0, sft.Stderr + sft.Stdout);
        Assert.True(File.Exists(Path.Combine(sftOut, "model.safetensors")), sft.Stdout);

        // A rerun finds every problem done: nothing sampled, files unchanged.
        string before = File.ReadAllText(outPath);
        var again = R1Process.Run(args);
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Contains("resuming: 4 of 4 problems already in", again.Stderr);
        Assert.DoesNotContain("[1/4]", again.Stderr);
        Assert.Equal(before, File.ReadAllText(outPath));

        // The state file is keyed like `r1 eval`'s records: another sampling or filter setting is refused, files untouched.
        string state = File.ReadAllText(Path.ChangeExtension(outPath, ".state.jsonl"));
        var hotter = R1Process.Run([.. args, "--temperature", "0.9"]);
        Assert.Equal(2, hotter.ExitCode);
        Assert.Contains("holds another run (--temperature 0.6 there, 0.9 here)", hotter.Stderr);
        var stricter = R1Process.Run([.. args, "--max-paragraph-chars", "10"]);
        Assert.Equal(2, stricter.ExitCode);
        Assert.Contains("holds another run (filter settings", stricter.Stderr);
        Assert.Equal((before, state), (File.ReadAllText(outPath), File.ReadAllText(Path.ChangeExtension(outPath, ".state.jsonl"))));
    }

    [Fact]
    public async Task Remote_teacher_from_a_dataset_gives_the_hand_judged_counts()
    {
        await using var fake = await FakeChatEndpoint.StartAsync(4, DistillRunnerTests.Script());
        string dataset = Path.Combine(_dir, "math.jsonl");
        File.WriteAllLines(dataset, DistillRunnerTests.Problems.Select(p =>
            JsonSerializer.Serialize(new { problem = p.Question, answer = p.Answer, unique_id = p.Id })));
        string outPath = Path.Combine(_dir, "remote.jsonl");
        var result = await Task.Run(() => R1Process.Run("distill", "--endpoint", fake.Address.ToString(), "--model-name", "fake-r1",
            "--dataset", dataset, "--samples", "4", "--seed", "0", "--keep-per-problem", "2", "--max-tokens", "512", "--out", outPath));
        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Matches(@"accepted \(all filters pass\) +5 ", result.Stdout);
        Assert.Matches(@"kept \(written for SFT\) +4 ", result.Stdout);
        Assert.Equal(4, Lines(outPath).Length);
        Assert.All(fake.Log, r => Assert.Equal(512, r.Body.GetProperty("max_tokens").GetInt32()));

        // --overwrite starts over instead of resuming: every problem is sampled again, the files are rewritten, not appended to.
        int requests = fake.Log.Count;
        var again = await Task.Run(() => R1Process.Run("distill", "--endpoint", fake.Address.ToString(), "--model-name", "fake-r1",
            "--dataset", dataset, "--samples", "4", "--seed", "0", "--keep-per-problem", "2", "--max-tokens", "512", "--out", outPath, "--overwrite"));
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.DoesNotContain("resuming", again.Stderr);
        Assert.Equal(2 * requests, fake.Log.Count);
        Assert.Equal(4, Lines(outPath).Length);
    }

    [Theory]
    [InlineData("no teacher", "give exactly one of --teacher", "--task", "chain-sum")]
    [InlineData("two teachers", "give exactly one of --teacher", "--teacher", "x", "--endpoint", "http://localhost:1", "--model-name", "m", "--task", "chain-sum")]
    [InlineData("no model name", "--endpoint needs --model-name", "--endpoint", "http://localhost:1", "--task", "chain-sum")]
    [InlineData("no problems", "give exactly one of --dataset FILE and --task chain-sum", "--teacher", "x")]
    [InlineData("unknown task", "unknown task 'countdown'", "--teacher", "x", "--task", "countdown")]
    [InlineData("task remote", "--task chain-sum needs a local --teacher", "--endpoint", "http://localhost:1", "--model-name", "m", "--task", "chain-sum")]
    [InlineData("missing dataset", "--dataset: file not found", "--teacher", "x", "--dataset", "/nonexistent/d.jsonl")]
    [InlineData("zero samples", "--samples must be >= 1", "--teacher", "x", "--task", "chain-sum", "--samples", "0")]
    [InlineData("bad top-p", "--top-p must be in (0, 1]", "--teacher", "x", "--task", "chain-sum", "--top-p", "2")]
    [InlineData("bad keep", "--keep-per-problem must be >= 1", "--teacher", "x", "--task", "chain-sum", "--keep-per-problem", "0")]
    public void Bad_options_are_one_line_errors_with_exit_2(string why, string message, params string[] args)
    {
        var result = R1Process.Run([.. new[] { "distill", "--out", Path.Combine(_dir, "x.jsonl") }, .. args]);
        Assert.True(result.ExitCode == 2, $"{why}: exit {result.ExitCode}, {result.Stderr}");
        Assert.Contains(message, result.Stderr);
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }
}
