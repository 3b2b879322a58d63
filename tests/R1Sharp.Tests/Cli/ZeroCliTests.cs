// `r1 zero` through the real r1.dll at toy length (2 GRPO steps, 2 held-out problems, k = 2) for both committed bases:
// the stdout table, the run directory GrpoTrainer writes, DeepSeekMoE load metrics, and the --arch/--base check.
using System.Text.Json;

namespace R1Sharp.Tests.Cli;

public class ZeroCliTests
{
    static string Model(string name) => Path.Combine(RepoPaths.Root, "models", name);

    static string RunDir() => Path.Combine(Path.GetTempPath(), "r1-zero-" + Guid.NewGuid().ToString("N"));

    static JsonElement LastMetrics(string run) =>
        JsonDocument.Parse(File.ReadAllLines(Path.Combine(run, "metrics.jsonl"))[^1]).RootElement;

    static R1Result Zero(string run, params string[] extra) =>
        R1Process.Run(["zero", "--out", run, "--steps", "2", "--eval-problems", "2", "--eval-k", "2", .. extra]);

    [Fact]
    public void Zero_on_the_qwen2_base_prints_the_table_and_writes_the_run_directory()
    {
        string run = RunDir();
        try
        {
            var r = Zero(run, "--base", Model("chain-sum-base"));
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Contains("R1-Zero on chain-sum: 2 GRPO steps", r.Stdout);
            Assert.Contains("pass@1", r.Stdout);
            Assert.Contains("cons@2", r.Stdout);
            foreach (var f in new[] { "eval_base.jsonl", "eval_final.jsonl", "summary.json", "completions.jsonl", "accuracy.png",
                         "checkpoint-2/optimizer.safetensors", "checkpoint-2/tokenizer.json" })
                Assert.True(File.Exists(Path.Combine(run, f)), f);
            var row = LastMetrics(run);
            Assert.Equal(2, row.GetProperty("step").GetInt32());
            Assert.InRange(row.GetProperty("completions/thinking_fraction").GetDouble(), 0.0, 1.0);
            Assert.False(row.TryGetProperty("moe/max_vio", out _));
        }
        finally { if (Directory.Exists(run)) Directory.Delete(run, recursive: true); }
    }

    [Fact]
    public void Zero_on_the_deepseek_v3_base_logs_expert_loads()
    {
        string run = RunDir();
        try
        {
            var r = Zero(run, "--arch", "deepseek_v3", "--base", Model("chain-sum-base-v3"));
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Contains("R1-Zero on chain-sum: 2 GRPO steps", r.Stdout);
            var row = LastMetrics(run);
            Assert.InRange(row.GetProperty("moe/max_vio").GetDouble(), 0.0, 8.0);
            double sum = Enumerable.Range(0, 8).Sum(e => row.GetProperty($"moe/expert_{e}_frac").GetDouble());
            Assert.Equal(1.0, sum, 6);
            using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "checkpoint-2", "config.json")));
            Assert.Equal("deepseek_v3", config.RootElement.GetProperty("model_type").GetString());
            // The expert loads of both held-out evaluations: in summary.json and the printed table.
            using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json")));
            foreach (var key in new[] { "base_moe_load", "final_moe_load" })
            {
                var load = summary.RootElement.GetProperty(key);
                Assert.InRange(load.GetProperty("max_vio").GetDouble(), 0.0, 8.0);
                Assert.InRange(load.GetProperty("min_frac").GetDouble(), 0.0, load.GetProperty("max_frac").GetDouble());
            }
            Assert.Contains("MoE load max-vio", r.Stdout);
        }
        finally { if (Directory.Exists(run)) Directory.Delete(run, recursive: true); }
    }

    [Fact]
    public void Zero_with_an_arch_the_base_does_not_have_is_a_one_line_error()
    {
        string run = RunDir();
        var r = Zero(run, "--arch", "deepseek_v3", "--base", Model("chain-sum-base"));
        Assert.Equal(2, r.ExitCode);
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: --arch deepseek_v3:", lines[0]);
        Assert.False(Directory.Exists(run));
    }

    [Fact]
    public void Zero_runs_from_any_folder_with_the_base_shipped_beside_r1()
    {
        string cwd = Directory.CreateTempSubdirectory("r1-zero-cwd-").FullName;
        try
        {
            var r = R1Process.RunIn(cwd, "zero", "--out", "run", "--steps", "1", "--eval-problems", "2", "--eval-k", "2");
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.True(File.Exists(Path.Combine(cwd, "run", "summary.json")));
            var missing = R1Process.RunIn(cwd, "zero", "--out", "run2", "--arch", "llama");
            Assert.Equal(2, missing.ExitCode);
            Assert.StartsWith("error: --arch llama: no committed base ships for it", missing.Stderr);
            Assert.DoesNotContain("--base " + cwd, missing.Stderr); // names the user's input, not a default path
        }
        finally { Directory.Delete(cwd, recursive: true); }
    }

    [Fact]
    public void Zero_on_the_bilingual_task_uses_its_shipped_base_and_reports_language_consistency()
    {
        string cwd = Directory.CreateTempSubdirectory("r1-zero-bilingual-").FullName;
        try
        {
            var r = R1Process.RunIn(cwd, "zero", "--task", "chain-sum-bilingual", "--out", "run", "--steps", "1", "--eval-problems", "2", "--eval-k", "2");
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Contains("R1-Zero on chain-sum-bilingual: 1 GRPO steps", r.Stdout);
            Assert.Contains("language consistency", r.Stdout);
            using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(cwd, "run", "summary.json")));
            Assert.Equal("chain-sum-bilingual", summary.RootElement.GetProperty("task").GetString());
            Assert.Contains("heldout-1-zh", File.ReadAllText(Path.Combine(cwd, "run", "eval_base.jsonl")));
        }
        finally { Directory.Delete(cwd, recursive: true); }
    }
}
