// Forced garbage collections change nothing a run computes: a short `r1 zero` (4 GRPO steps, 4 held-out problems × 4
// samples) gives the same summary.json numbers and the same per-step losses, rewards and gradient norms with the GC-stress
// thread running as without it (both under the hook, so only the collections differ).
using System.Text.Json;
using static R1Sharp.Tests.Training.Grpo.GrpoTrainerTestKit;

namespace R1Sharp.Tests.Reliability;

[Collection(GcStressCollection.Name)]
public sealed class GcStressDeterminismTests
{
    static readonly string[] StepKeys = ["loss", "reward", "reward_std", "entropy", "grad_norm", "completions/mean_length"];

    static (Dictionary<string, string> Summary, List<string> Steps) Zero(string run, bool stressed)
    {
        var result = GcStressRun.Run(stressed, "zero", "--out", run, "--base", Path.Combine(RepoPaths.Root, "models", "chain-sum-base"),
            "--steps", "4", "--eval-problems", "4", "--eval-k", "4");
        result.AssertSurvived(stressed);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "summary.json")));
        var numbers = summary.RootElement.EnumerateObject()
            .Where(p => p.Name is not ("seconds" or "model"))
            .ToDictionary(p => p.Name, p => p.Value.GetRawText());
        var steps = ReadJsonl(Path.Combine(run, "metrics.jsonl"))
            .Select(r => string.Join(" ", StepKeys.Select(k => r.GetProperty(k).GetRawText()))).ToList();
        return (numbers, steps);
    }

    [Fact]
    public void A_gc_stressed_zero_run_gives_the_same_numbers_as_an_unstressed_one()
    {
        string dir = TempDir();
        var calm = Zero(Path.Combine(dir, "calm"), stressed: false);
        var stressed = Zero(Path.Combine(dir, "stressed"), stressed: true);

        Assert.Equal(4, calm.Steps.Count);
        Assert.Contains("final_pass1", calm.Summary.Keys);
        Assert.Equal(calm.Summary, stressed.Summary);
        Assert.Equal(calm.Steps, stressed.Steps);
    }
}
