// End-to-end smoke test of the R1-Zero pipeline at toy size: pretrain a base (few steps), run `zero` for two GRPO
// steps, check the run directory, then resume continues from the checkpoint to a larger step count.
using System.Text.Json;
using R1Sharp.Recipes.Zero;

namespace R1Sharp.Tests.Recipes.Zero;

public class ZeroSmokeTests
{
    [Fact]
    public void Pretrain_then_zero_writes_the_run_directory_and_resume_continues()
    {
        string root = Directory.CreateTempSubdirectory("r1zero").FullName;
        try
        {
            string baseDir = Path.Combine(root, "base");
            var pretrain = ZeroPretrainer.Run(new PretrainOptions { Preset = "tiny", Steps = 3, BatchSize = 4, CorpusSize = 200, EvalProblems = 2 },
                baseDir, "r1 pretrain (test)");
            Assert.True(double.IsFinite(pretrain.FinalLoss));
            foreach (var f in new[] { "config.json", "model.safetensors", "tokenizer.json", "generation_config.json", "README.md" })
                Assert.True(File.Exists(Path.Combine(baseDir, f)), f);

            string run = Path.Combine(root, "run");
            var grpo = ZeroOptions.DefaultGrpo with
            {
                MaxSteps = 2, NumGenerations = 2, GenerationBatchSize = 4, PerDeviceTrainBatchSize = 4, MaxCompletionLength = 12, SaveSteps = 1,
            };
            var options = new ZeroOptions { BaseModel = baseDir, OutDirectory = run, EvalProblems = 2, EvalK = 2, TrainProblems = 10, Grpo = grpo };
            var (summary, before, after) = ZeroRun.Run(options, _ => { });
            Assert.Equal(2, summary.Steps);
            Assert.All(new[] { summary.BasePass1, summary.FinalPass1, summary.BaseConsAtK, summary.FinalConsAtK }, v => Assert.InRange(v, 0.0, 1.0));
            Assert.Equal(2, before.Records.Count);
            Assert.Equal(2, after.Records[0].Completions.Count);
            Assert.Equal(2, File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Length);
            Assert.Equal(2 * 4, File.ReadAllLines(Path.Combine(run, "completions.jsonl")).Length);
            var row = JsonDocument.Parse(File.ReadAllLines(Path.Combine(run, "metrics.jsonl"))[0]).RootElement;
            foreach (var key in new[] { "reward", "accuracy", "rewards/format/mean", "completions/thinking_fraction", "completions/mean_length" })
                Assert.True(row.TryGetProperty(key, out _), key);
            var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json"))).RootElement;
            Assert.Equal(2, json.GetProperty("k").GetInt32()); // cons@k with k = --eval-k, named as such
            foreach (var key in new[] { "base_pass1", "final_pass1", "k", "base_cons_at_k", "final_cons_at_k", "base_mean_length", "final_mean_length", "steps", "seconds" })
                Assert.True(json.TryGetProperty(key, out _), key);
            // save_steps 1 with save_total_limit 1: only the newest checkpoint stays, with its AdamW state.
            Assert.Equal(["checkpoint-2"], Directory.GetDirectories(run, "checkpoint*").Select(Path.GetFileName));
            foreach (var f in new[] { "model.safetensors", "optimizer.safetensors", "trainer_state.json", "tokenizer.json" })
                Assert.True(File.Exists(Path.Combine(run, "checkpoint-2", f)), f);
            Assert.Equal(Path.Combine(run, "checkpoint-2"), json.GetProperty("model").GetString());
            foreach (var png in new[] { "reward.png", "accuracy.png", "completion_length.png" })
                Assert.True(new FileInfo(Path.Combine(run, png)).Length > 1000, png);

            var resumed = ZeroRun.Run(options with { Resume = true, Grpo = grpo with { MaxSteps = 3 } }, _ => { });
            Assert.Equal(3, resumed.Summary.Steps);
            Assert.Equal(summary.BasePass1, resumed.Summary.BasePass1); // base evaluation is reused, not redone
            var steps = File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("step").GetInt32());
            Assert.Equal([1, 2, 3], steps);
        }
        finally { Directory.Delete(root, recursive: true); }
    }
}
