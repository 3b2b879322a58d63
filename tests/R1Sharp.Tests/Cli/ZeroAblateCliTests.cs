// `r1 zero ablate` and `r1 zero --loss-type/--grpo` through the real r1.dll at toy length: the table, the charts, the
// per-run directories, reading finished runs instead of repeating them, and one-line errors for bad names.
namespace R1Sharp.Tests.Cli;

public class ZeroAblateCliTests
{
    static string Dir() => Path.Combine(Path.GetTempPath(), "r1-ablate-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void Ablate_runs_each_variant_and_seed_and_writes_table_and_charts()
    {
        string dir = Dir();
        try
        {
            string[] args = ["zero", "ablate", "--variants", "grpo,gspo", "--seeds", "1,2", "--steps", "1", "--eval-problems", "1", "--eval-k", "1", "--out", dir];
            var r = R1Process.Run(args);
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Contains("GRPO ablation: 2 variants x 2 seeds, 1 steps, mu 2", r.Stdout);
            Assert.Contains("| gspo | 2 |", r.Stdout);
            foreach (var f in new[] { "ablation.md", "ablation.json", "ablation_reward.png", "ablation_length.png", "grpo/seed-2/summary.json", "gspo/seed-1/metrics.jsonl" })
                Assert.True(File.Exists(Path.Combine(dir, f)), f);
            var again = R1Process.Run([.. args, "--table-only"]);
            Assert.True(again.ExitCode == 0, again.Stderr);
            Assert.Contains("grpo seed 1: done before", again.Stderr);
            Assert.Equal(File.ReadAllText(Path.Combine(dir, "ablation.md")).Trim(), again.Stdout[again.Stdout.IndexOf('|')..].Trim());
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
    }

    [Theory]
    [InlineData("ablate|--variants|grpo,ppo", "--variants: 'ppo' is not a variant")]
    [InlineData("ablate|--seeds|1,x", "--seeds: 'x' is not an integer")]
    [InlineData("--loss-type|ppo", "variant 'ppo' is unknown")]
    [InlineData("--grpo|loss_type=luspo", "needs importance_sampling_level=sequence")]
    [InlineData("--grpo|top_entropy_quantile", "expected key=value")]
    [InlineData("--task|nope", "--task: unknown task 'nope'; use chain-sum or chain-sum-bilingual")]
    public void Bad_names_fail_with_one_line_and_exit_2(string args, string message)
    {
        string dir = Dir();
        var r = R1Process.Run(["zero", .. args.Split('|'), "--out", dir]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Stderr);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.False(Directory.Exists(Path.Combine(dir, "grpo")));
    }
}
