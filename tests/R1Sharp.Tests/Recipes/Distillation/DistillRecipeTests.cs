// The distillation-vs-RL recipe at toy size (2 teacher GRPO steps from the committed base, a micro student pretrained for
// a few dozen steps, a handful of problems, 2 seeds): every stage directory per seed, summary.json's mean ± std checked
// against each seed's stage results, a rerun that skips every stage, a changed setting refused by the stage's name, and
// the options' one-line errors.
using System.Text.Json;
using R1Sharp.Recipes.Distillation;
using R1Sharp.Recipes.R1;

namespace R1Sharp.Tests.Recipes.Distillation;

public class DistillRecipeTests
{
    internal static DistillRecipeOptions Toy(string outDir) => new()
    {
        OutDirectory = outDir, Seeds = [1, 2], TeacherBase = Path.Combine(RepoPaths.Root, "models", "chain-sum-base"), TeacherSteps = 2,
        StudentPreset = "micro", StudentSteps = 30, StudentCorpusSize = 200, StudentBatchSize = 8, Problems = 8, Samples = 2, Keep = 1, SftEpochs = 1, SftBatchSize = 4,
        ProbeSteps = 2, PromptsPerStep = 2, Generations = 2, EvalProblems = 3, EvalK = 2,
    };

    [Fact]
    public void A_toy_run_over_two_seeds_writes_every_stage_and_the_mean_and_std_of_each_row()
    {
        string outDir = Directory.CreateTempSubdirectory("distill-recipe").FullName;
        try
        {
            var result = DistillRecipe.Run(Toy(outDir));
            string[] stages = ["01-teacher", "02-student-base", "03-distill", "04-sft", "05-rl-only", "06-distill-rl"];
            foreach (int seed in new[] { 1, 2 })
                foreach (string stage in stages)
                    Assert.True(File.Exists(Path.Combine(outDir, $"seed-{seed}", stage, StageRunner.MarkerFile)), $"seed-{seed}/{stage}");
            foreach (var f in new[] { "03-distill/data.jsonl", "04-sft/model/config.json", "05-rl-only/plan.json", "05-rl-only/grpo/metrics.jsonl", "06-distill-rl/eval.jsonl" })
                Assert.True(File.Exists(Path.Combine(outDir, "seed-1", f)), f);
            Assert.False(Directory.Exists(Path.Combine(outDir, "seed-1", "05-rl-only", "probe")));

            // Every row's figures are the mean and sample std of the seeds' own stage results.
            using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")));
            var rows = summary.RootElement.GetProperty("rows");
            Assert.Equal(["teacher", "student", "distilled", "rl_only", "distilled_rl"], rows.EnumerateArray().Select(r => r.GetProperty("row").GetString()));
            double Metric(int seed, string stage, string key) => JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, $"seed-{seed}", stage, StageRunner.MarkerFile)))
                .RootElement.GetProperty("result").GetProperty("metrics").GetProperty(key).GetDouble();
            foreach (var (row, stage) in new[] { (0, "01-teacher"), (1, "02-student-base"), (2, "04-sft"), (3, "05-rl-only"), (4, "06-distill-rl") })
                foreach (var (json, key) in new[] { ("pass1", "pass1"), ("cons", "cons"), ("mean_length", "mean_length"), ("seconds", DistillRecipe.TrainSeconds) })
                {
                    double a = Metric(1, stage, key), b = Metric(2, stage, key);
                    var stat = rows[row].GetProperty(json);
                    Assert.Equal([a, b], stat.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()));
                    Assert.Equal((a + b) / 2, stat.GetProperty("mean").GetDouble(), 9);
                    Assert.Equal(Math.Abs(a - b) / Math.Sqrt(2), stat.GetProperty("std").GetDouble(), 9);
                }
            var difference = summary.RootElement.GetProperty("distilled_minus_rl");
            double d1 = Metric(1, "04-sft", "pass1") - Metric(1, "05-rl-only", "pass1"), d2 = Metric(2, "04-sft", "pass1") - Metric(2, "05-rl-only", "pass1");
            Assert.Equal((d1 + d2) / 2, difference.GetProperty("mean").GetDouble(), 9);
            Assert.Equal((d1 + d2) / 2 * 100 >= 10, summary.RootElement.GetProperty("criterion_met").GetBoolean());
            Assert.Equal([Metric(1, "04-sft", "sft_final_loss"), Metric(2, "04-sft", "sft_final_loss")],
                summary.RootElement.GetProperty("sft_final_loss").GetProperty("values").EnumerateArray().Select(v => v.GetDouble()));
            // The RL-only run got the time distillation took: its step count is the plan's, its budget the distilled row's seconds.
            Assert.Equal(Metric(1, "04-sft", DistillRecipe.TrainSeconds), Metric(1, "05-rl-only", "budget_seconds"), 9);
            Assert.Equal(Metric(1, "05-rl-only", "rl_steps"), Metric(1, "06-distill-rl", "rl_steps"));
            foreach (var label in new[] { "| teacher (R1-Zero GRPO) |", "| student before |", "| student, distill + SFT |", "| student, RL only (same time) |", "SFT final loss per seed: ", "distilled − RL only, pass@1:" })
                Assert.Contains(label, result.Table);
            Assert.Equal(result.Table, File.ReadAllText(Path.Combine(outDir, "table.md")));

            // A rerun finds every stage done; a changed setting is refused, naming the first stage it changes.
            var again = DistillRecipe.Run(Toy(outDir));
            Assert.All(again.Runs.SelectMany(r => r.Stages), s => Assert.Equal(StageOutcome.Skipped, s.Outcome));
            Assert.Equal(result.Table, again.Table);
            var e = Assert.Throws<R1SharpException>(() => DistillRecipe.Run(Toy(outDir) with { SftEpochs = 2 }));
            Assert.Contains("stage 'sft' finished with other settings", e.Message);
            Assert.DoesNotContain('\n', e.Message);
            // The student's init is a setting of its stage, and its model README gives the command with it.
            var init = Assert.Throws<R1SharpException>(() => DistillRecipe.Run(Toy(outDir) with { StudentInit = [] }));
            Assert.Contains("stage 'student-base' finished with other settings", init.Message);
            Assert.Contains("--init q_proj=0.125 --init k_proj=0.125", File.ReadAllText(Path.Combine(outDir, "seed-1", "02-student-base", "model", "README.md")));
        }
        finally { Directory.Delete(outDir, recursive: true); }
    }

    [Fact]
    public void An_rl_only_stage_interrupted_after_its_plan_resumes_with_the_same_step_count()
    {
        string outDir = Directory.CreateTempSubdirectory("distill-recipe-resume").FullName;
        try
        {
            var options = Toy(outDir) with { Seeds = [1], ThenRlSteps = 0 };
            using var cts = new CancellationTokenSource();
            void Log(string line)
            {
                if (line.StartsWith("seed 1: RL only: ", StringComparison.Ordinal)) cts.Cancel(); // the trainer stops at its first check
            }
            Assert.ThrowsAny<OperationCanceledException>(() => DistillRecipe.Run(options, Log, cts.Token));
            string stage = Path.Combine(outDir, "seed-1", "05-rl-only");
            var plan = JsonSerializer.Deserialize<RlPlan>(File.ReadAllText(Path.Combine(stage, "plan.json")))!;
            Assert.False(File.Exists(Path.Combine(stage, StageRunner.MarkerFile)));

            var result = DistillRecipe.Run(options);
            var stages = result.Runs.Single().Stages;
            Assert.Equal([StageOutcome.Skipped, StageOutcome.Skipped, StageOutcome.Skipped, StageOutcome.Skipped, StageOutcome.Resumed], stages.Select(s => s.Outcome));
            Assert.Equal(plan.Steps, stages[4].Result.Metrics["rl_steps"]);
            Assert.Equal(["teacher", "student", "distilled", "rl_only"], result.Summary.Rows.Select(r => r.Row));
            Assert.False(Directory.Exists(Path.Combine(outDir, "seed-1", "06-distill-rl")));
        }
        finally { Directory.Delete(outDir, recursive: true); }
    }

    [Theory]
    [InlineData("seeds", "--seeds: a seed is repeated in 1,1")]
    [InlineData("keep", "--keep (5) must be <= --samples (4)")]
    [InlineData("preset", "--student-preset: unknown preset 'huge'")]
    [InlineData("probe", "--probe-steps must be >= 2, got 1")]
    [InlineData("worked", "--student-worked must be in [0, 1], got 1.5")]
    [InlineData("lr", "--sft-lr must be > 0, got 0")]
    [InlineData("then", "--then-rl-steps must be >= 0, got -1")]
    [InlineData("both", "--teacher-base: not used with --teacher")]
    [InlineData("teacher", "--teacher /nonexistent/teacher: no config.json")]
    public void Bad_options_are_one_line_errors_naming_the_option(string which, string message)
    {
        var o = new DistillRecipeOptions { OutDirectory = "unused" };
        o = which switch
        {
            "seeds" => o with { Seeds = [1, 1] },
            "keep" => o with { Keep = 5 },
            "preset" => o with { StudentPreset = "huge" },
            "probe" => o with { ProbeSteps = 1 },
            "worked" => o with { StudentWorked = 1.5 },
            "lr" => o with { SftLearningRate = 0 },
            "then" => o with { ThenRlSteps = -1 },
            "both" => o with { Teacher = "a", TeacherBase = "b" },
            _ => o with { Teacher = "/nonexistent/teacher" },
        };
        var e = Assert.Throws<R1SharpException>(() => DistillRecipe.Run(o));
        Assert.Contains(message, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.False(Directory.Exists("unused"));
    }
}
