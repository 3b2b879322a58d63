// `r1 zero --seeds` through the real r1.dll on a toy run (2 seeds × 2 GRPO steps, 2 held-out problems, k = 2): one run
// directory per seed, summary.json with mean ± std of every headline figure (checked against the seeds' own
// summaries), the printed table, and a rerun that reads the finished seeds instead of training again.
using System.Text.Json;

namespace R1Sharp.Tests.Cli;

public class ZeroSeedsCliTests
{
    [Fact]
    public void Zero_with_seeds_reports_every_figure_as_mean_and_std_over_the_seeds()
    {
        string run = Path.Combine(Path.GetTempPath(), "r1-zero-seeds-" + Guid.NewGuid().ToString("N"));
        string[] args = ["zero", "--out", run, "--seeds", "1,2", "--steps", "2", "--eval-problems", "2", "--eval-k", "2",
            "--base", Path.Combine(RepoPaths.Root, "models", "chain-sum-base")];
        try
        {
            var r = R1Process.Run(args);
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Contains("R1-Zero on chain-sum: 2 seeds (1,2), 2 GRPO steps each", r.Stdout);
            foreach (var label in new[] { "pass@1", "cons@2", "mean length (tokens)", "thinks (non-empty)", "accuracy thinking" })
                Assert.Contains(label, r.Stdout);
            Assert.Contains(" ± ", r.Stdout);

            using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json")));
            var figures = summary.RootElement.GetProperty("figures");
            foreach (var stage in new[] { "base", "final" })
                foreach (var key in new[] { "pass1", "cons_at_k", "mean_length", "thinking_share", "thinking_accuracy" })
                    Assert.Equal(2, figures.GetProperty($"{stage}_{key}").GetProperty("values").GetArrayLength());
            // final pass@1: the mean and sample std of the two seeds' own summaries.
            double[] pass = [.. new[] { 1, 2 }.Select(s => JsonDocument.Parse(File.ReadAllText(Path.Combine(run, $"seed-{s}", "summary.json")))
                .RootElement.GetProperty("final_pass1").GetDouble())];
            var stat = figures.GetProperty("final_pass1");
            Assert.Equal(pass.Average(), stat.GetProperty("mean").GetDouble(), 9);
            Assert.Equal(Math.Abs(pass[0] - pass[1]) / Math.Sqrt(2), stat.GetProperty("std").GetDouble(), 9);

            var again = R1Process.Run(args);   // both seeds finished: read, not trained again
            Assert.True(again.ExitCode == 0, again.Stderr);
            Assert.Contains("seed 1: done before", again.Stderr);
            Assert.Contains("seed 2: done before", again.Stderr);
        }
        finally { if (Directory.Exists(run)) Directory.Delete(run, recursive: true); }
    }
}
