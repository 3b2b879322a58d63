// The R1 recipe end to end at toy size (a 3-step bilingual base, every stage a few steps): interrupted inside stage 3,
// a rerun skips stages 1–2, resumes 3 from its directory, runs 4–6, and writes summary.json (pass1, cons,
// language_consistency, mean_length per stage), table.md and each stage's files.
using System.Text.Json;
using R1Sharp.Recipes.R1;
using R1Sharp.Recipes.Zero;
using R1Sharp.Tasks;

namespace R1Sharp.Tests.Recipes.R1;

public class R1RecipeTests
{
    static readonly Lazy<string> ToyBase = new(() =>
    {
        string dir = Path.Combine(Directory.CreateTempSubdirectory("r1recipe-base").FullName, "base");
        ZeroPretrainer.Run(new PretrainOptions { Task = BilingualChainSum.Name, Preset = "tiny", Steps = 3, BatchSize = 4, CorpusSize = 200, EvalProblems = 2 },
            dir, "r1 pretrain (test)");
        return dir;
    });

    internal static R1RecipeOptions Toy(string outDir) => new()
    {
        OutDirectory = outDir, BaseModel = ToyBase.Value, ZeroSteps = 2, ColdStartProblems = 4, ColdStartExamples = 4, ReasoningSteps = 2,
        RejectionProblems = 4, NonReasoningExamples = 3, PreferencePairs = 10, AllScenarioSteps = 2, SampleK = 2, PromptsPerStep = 2,
        Generations = 2, EvalProblems = 2, EvalK = 2, EvalNonReasoning = 3, MaxCompletionTokens = 16,
    };

    [Fact]
    public void A_toy_recipe_interrupted_in_stage_3_resumes_and_writes_summary_and_table()
    {
        string outDir = Directory.CreateTempSubdirectory("r1recipe").FullName;
        using var cts = new CancellationTokenSource();
        var log = new List<string>();
        void Log(string line)
        {
            log.Add(line);
            if (line.StartsWith("stage 3 ", StringComparison.Ordinal)) cts.Cancel(); // the trainer stops at its first check
        }
        Assert.ThrowsAny<OperationCanceledException>(() => R1Recipe.Run(Toy(outDir), Log, cts.Token));
        Assert.True(File.Exists(Path.Combine(outDir, "01-r1-zero", StageRunner.MarkerFile)));
        Assert.True(File.Exists(Path.Combine(outDir, "02-cold-start", StageRunner.MarkerFile)));
        Assert.True(Directory.Exists(Path.Combine(outDir, "03-reasoning-rl")));
        Assert.False(File.Exists(Path.Combine(outDir, "03-reasoning-rl", StageRunner.MarkerFile)));

        var result = R1Recipe.Run(Toy(outDir), log.Add);
        Assert.Equal([StageOutcome.Skipped, StageOutcome.Skipped, StageOutcome.Resumed, StageOutcome.Ran, StageOutcome.Ran, StageOutcome.Ran],
            result.Stages.Select(s => s.Outcome));
        Assert.Equal(R1Recipe.StageNames, result.Stages.Select(s => s.Name));
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")));
        var stages = summary.RootElement.GetProperty("stages");
        foreach (int i in new[] { 0, 1, 2, 3, 5 })
        {
            var metrics = stages[i].GetProperty("metrics");
            foreach (var key in new[] { "pass1", "cons", "language_consistency", "mean_length", "readable", "harmless" })
                Assert.True(metrics.TryGetProperty(key, out _), $"{stages[i].GetProperty("stage")}: {key}");
            Assert.InRange(metrics.GetProperty("pass1").GetDouble(), 0, 1);
            Assert.True(Directory.Exists(stages[i].GetProperty("model").GetString()), stages[i].GetProperty("stage").GetString());
        }
        Assert.InRange(stages[4].GetProperty("metrics").GetProperty("pairwise_accuracy").GetDouble(), 0, 1);
        Assert.True(stages[5].GetProperty("metrics").TryGetProperty("rm_score", out _));
        // The data of the SFT stages, the GRPO stages' logs and charts, the evaluations.
        foreach (var f in new[] { "02-cold-start/data.jsonl", "04-rejection-sft/data.jsonl", "04-rejection-sft/model/config.json",
                     "03-reasoning-rl/metrics.jsonl", "03-reasoning-rl/accuracy.png", "06-all-scenario-rl/eval_final_nonreasoning.jsonl",
                     "01-r1-zero/start_metrics.json", "05-reward-model/model/reward_head.safetensors", "table.md" })
            Assert.True(File.Exists(Path.Combine(outDir, f)), f);
        Assert.Contains(File.ReadLines(Path.Combine(outDir, "04-rejection-sft/data.jsonl")), l => l.Contains("\"source\":\"non-reasoning\""));
        foreach (var row in new[] { "| base |", "| R1-Zero (1) |", "| cold start (2) |", "| reasoning RL (3) |", "| rejection SFT (4) |", "| all-scenario RL (6) |", "reward model (5)" })
            Assert.Contains(row, result.Table);

        // A third run finds every stage done and only re-tabulates.
        var again = R1Recipe.Run(Toy(outDir), _ => { });
        Assert.All(again.Stages, s => Assert.Equal(StageOutcome.Skipped, s.Outcome));
        Assert.Equal(result.Table, again.Table);
        Directory.Delete(outDir, recursive: true);
    }

    [Fact]
    public void Changed_stage_settings_are_refused_by_name()
    {
        string outDir = Directory.CreateTempSubdirectory("r1recipe-key").FullName;
        var stage = R1Recipe.StageNames[0];
        Directory.CreateDirectory(Path.Combine(outDir, "01-" + stage));
        File.WriteAllText(Path.Combine(outDir, "01-" + stage, StageRunner.MarkerFile), """{"key":"other","result":{"model":null,"metrics":{},"seconds":1}}""");
        var e = Assert.Throws<R1SharpException>(() => R1Recipe.Run(Toy(outDir), _ => { }));
        Assert.Contains("stage 'r1-zero' finished with other settings", e.Message);
        Directory.Delete(outDir, recursive: true);
    }
}
