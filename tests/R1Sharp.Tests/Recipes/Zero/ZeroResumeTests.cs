// `r1 zero` through GrpoTrainer: a run interrupted (Ctrl+C = the cancellation token) and resumed reproduces the
// uninterrupted run step for step — which needs the AdamW moments, prompt stream and rollout seeds restored.
using System.Text.Json;
using R1Sharp.Recipes.Zero;

namespace R1Sharp.Tests.Recipes.Zero;

public class ZeroResumeTests
{
    static readonly string Base = Path.Combine(RepoPaths.Root, "models", "chain-sum-base");

    static ZeroOptions Options(string run, int steps) => new()
    {
        BaseModel = Base, OutDirectory = run, EvalProblems = 2, EvalK = 2, TrainProblems = 40,
        Grpo = ZeroOptions.DefaultGrpo with
        {
            MaxSteps = steps, NumGenerations = 4, GenerationBatchSize = 16, PerDeviceTrainBatchSize = 16, LoggingSteps = 1,
            MaxCompletionLength = 48, LearningRate = 1e-3,
        },
    };

    // Every logged number but wall-clock times.
    static List<string> Rows(string run) => [.. File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l =>
        string.Join(",", JsonDocument.Parse(l).RootElement.EnumerateObject()
            .Where(p => !p.Name.StartsWith("time/", StringComparison.Ordinal)).Select(p => $"{p.Name}={p.Value}")))];

    [Fact]
    public void Interrupted_and_resumed_run_matches_the_uninterrupted_run_step_for_step()
    {
        string root = Directory.CreateTempSubdirectory("r1zero-resume").FullName;
        try
        {
            string straight = Path.Combine(root, "straight"), cut = Path.Combine(root, "cut");
            var full = ZeroRun.Run(Options(straight, 4), _ => { });

            using var cts = new CancellationTokenSource();
            void CancelAfterStep2(string line) { if (line.StartsWith("step 2/", StringComparison.Ordinal)) cts.Cancel(); }
            Assert.Throws<OperationCanceledException>(() => ZeroRun.Run(Options(cut, 4), CancelAfterStep2, cts.Token));
            Assert.Equal(["checkpoint-2"], Directory.GetDirectories(cut, "checkpoint*").Select(Path.GetFileName));
            Assert.True(new FileInfo(Path.Combine(cut, "checkpoint-2", "optimizer.safetensors")).Length > 0);
            Assert.Equal(2, File.ReadAllLines(Path.Combine(cut, "metrics.jsonl")).Length);

            var resumed = ZeroRun.Run(Options(cut, 4) with { Resume = true }, _ => { });
            // Steps 3 and 4 sample from the weights steps 1-2 left; with fresh AdamW moments the step-3 update (and so
            // step 4's rollouts, loss and grad norm) would differ.
            Assert.Equal(Rows(straight), Rows(cut));
            Assert.Equal(File.ReadAllBytes(Path.Combine(straight, "checkpoint-4", "model.safetensors")),
                File.ReadAllBytes(Path.Combine(cut, "checkpoint-4", "model.safetensors")));
            Assert.Equal(full.Summary with { Seconds = 0, Model = null }, resumed.Summary with { Seconds = 0, Model = null });
            Assert.Equal(File.ReadAllLines(Path.Combine(straight, "completions.jsonl")), File.ReadAllLines(Path.Combine(cut, "completions.jsonl")));
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void Arch_that_disagrees_with_the_base_is_a_one_line_error()
    {
        string run = Path.Combine(Path.GetTempPath(), "r1zero-arch-" + Guid.NewGuid().ToString("N"));
        var e = Assert.Throws<R1SharpException>(() => ZeroRun.Run(Options(run, 1) with { Arch = "deepseek_v3" }, _ => { }));
        Assert.Contains("--arch deepseek_v3", e.Message);
        Assert.Contains("qwen2", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.False(Directory.Exists(run));
    }

    [Theory]
    [InlineData(null, "chain-sum-base")]
    [InlineData("qwen2", "chain-sum-base")]
    [InlineData("deepseek_v3", "chain-sum-base-v3")]
    public void Default_base_follows_the_architecture_and_ships_beside_the_program(string? arch, string name)
    {
        string path = ZeroOptions.DefaultBase(arch);
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "models", name), path);
        Assert.True(File.Exists(Path.Combine(path, "config.json")), path); // copied with r1 (R1Sharp.Cli's Content items)
    }
}
