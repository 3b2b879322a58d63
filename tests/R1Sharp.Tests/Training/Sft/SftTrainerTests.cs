// SftTrainer end to end on the shipped tiny model: the loss falls on a toy dataset, metrics/charts/checkpoints are
// written, and 3 steps + resume + 3 steps reproduce a straight 6-step run's losses (≤ 1e-4); the CLI verb too.
using R1Sharp.Cli.Progress;
using System.Text.Json;
using R1Sharp.Tests.Cli;
using R1Sharp.Training.Infrastructure;
using R1Sharp.Training.Sft;

namespace R1Sharp.Tests.Training.Sft;

public class SftTrainerTests
{
    static readonly string ModelDir = Path.Combine(RepoPaths.Root, "models", "tiny-qwen2");

    static string TempDir() => Directory.CreateTempSubdirectory("r1-sft-").FullName;

    // "add a b" → "a+b=c": learnable, with a prompt the loss must ignore.
    internal static string WriteToyDataset(string dir, int rows = 48)
    {
        var rng = new Random(5);
        string path = Path.Combine(dir, "toy.jsonl");
        File.WriteAllLines(path, Enumerable.Range(0, rows).Select(_ =>
        {
            int a = rng.Next(10), b = rng.Next(10);
            return JsonSerializer.Serialize(new
            {
                messages = new object[] { new { role = "user", content = $"add {a} {b}" }, new { role = "assistant", content = $"{a}+{b}={a + b}" } },
            });
        }));
        return path;
    }

    static SftConfig Config(string dir, string data, int steps) => new()
    {
        ModelNameOrPath = ModelDir, DatasetPath = data, OutputDir = Path.Combine(dir, "out"), MaxSteps = steps,
        LearningRate = 3e-3, PerDeviceTrainBatchSize = 4, GradientAccumulationSteps = 2, WarmupSteps = 2,
        EvalFraction = 0.25, EvalSteps = 10, SaveSteps = 0, LoggingSteps = 5, MaxLength = 64, Seed = 3,
    };

    [Fact]
    public void Loss_falls_on_a_toy_dataset_and_outputs_are_written()
    {
        string dir = TempDir();
        var config = Config(dir, WriteToyDataset(dir), 30);
        var lines = new StringWriter();
        var result = TrainingProgress.Run("sft", p => SftTrainer.Run(config, progress: p), lines, interactive: false);

        Assert.Equal(30, result.Steps);
        Assert.False(result.Interrupted);
        double first = result.History[0]["loss"], lastFive = result.History.TakeLast(5).Average(r => r["loss"]);
        Assert.True(lastFive < 0.6 * first, $"loss {first} → {lastFive}");
        Assert.Equal(3, result.History.Count(r => r.ContainsKey("eval_loss")));
        Assert.True(result.History[^1]["eval_loss"] < result.History[9]["eval_loss"] * 1.05);
        Assert.True(result.TokensPerSecond > 0 && result.Mfu > 0);

        string outDir = config.OutputDir;
        Assert.Equal(30, File.ReadAllLines(Path.Combine(outDir, "metrics.jsonl")).Length);
        foreach (string f in new[] { "config.json", "model.safetensors", "tokenizer.json", "loss.png", "lr.png", "checkpoint-30/optimizer.safetensors" })
            Assert.True(File.Exists(Path.Combine(outDir, f)), f);
        Assert.Contains("step 5/30 | loss", lines.ToString());
        Assert.Contains("sft: ", lines.ToString());
    }

    [Fact]
    public void Resumed_run_reproduces_the_uninterrupted_losses()
    {
        string dir = TempDir();
        string data = WriteToyDataset(dir, 24);
        var straight = SftTrainer.Run(Config(dir, data, 6) with { OutputDir = Path.Combine(dir, "straight"), EvalFraction = 0 });

        var config = Config(dir, data, 6) with { OutputDir = Path.Combine(dir, "resumed"), EvalFraction = 0 };
        using var cts = new CancellationTokenSource();
        var stopAt3 = new StopAfter(3, cts);
        var first = SftTrainer.Run(config, cancel: cts.Token, progress: stopAt3);
        Assert.True(first.Interrupted);
        Assert.Equal(3, first.Steps);
        Assert.EndsWith("checkpoint-3", first.LastCheckpoint);

        var second = SftTrainer.Run(config with { ResumeFromCheckpoint = "latest" });
        Assert.Equal(6, second.Steps);
        var a = straight.History.Select(r => r["loss"]).ToArray();
        var b = MetricsLog.Read(Path.Combine(config.OutputDir, "metrics.jsonl")).Select(r => r["loss"]).ToArray();
        Assert.Equal(6, b.Length);
        for (int i = 0; i < 6; i++) Assert.True(Math.Abs(a[i] - b[i]) <= 1e-4, $"step {i + 1}: {a[i]} vs {b[i]}");
        Assert.NotEqual(a[3], a[4]); // the losses do move, so equality is not trivial
    }

    sealed class StopAfter(int step, CancellationTokenSource cts) : IProgress<TrainingStepReport>
    {
        public void Report(TrainingStepReport r)
        {
            if (r.Message is null && r.Step == step) cts.Cancel();
        }
    }

    [Fact]
    public void Cli_train_sft_prints_the_resolved_config_and_trains()
    {
        string dir = TempDir();
        string data = WriteToyDataset(dir, 16);
        string configPath = Path.Combine(dir, "sft.json");
        File.WriteAllText(configPath, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["model_name_or_path"] = ModelDir, ["dataset_path"] = data, ["output_dir"] = Path.Combine(dir, "out"),
            ["per_device_train_batch_size"] = 4, ["max_length"] = 64,
        }));
        var run = R1Process.Run("train", "sft", "--config", configPath, "--max_steps=2", "--logging_steps=1");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Contains("\"max_steps\": 2", run.Stdout);
        Assert.Contains("step 2/2 | loss", run.Stdout);
        Assert.True(File.Exists(Path.Combine(dir, "out", "checkpoint-2", "trainer_state.json")));

        var bad = R1Process.Run("train", "sft", "--config", configPath, "--learning_rat=1");
        Assert.Equal(2, bad.ExitCode);
        Assert.Equal("error: override '--learning_rat=1': unknown key 'learning_rat'; did you mean 'learning_rate'?", bad.Stderr.Trim());
    }
}
