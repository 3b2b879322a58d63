// The R1 recipe's stage runner: stages run in order in their own directories, a finished stage is skipped on a rerun,
// an interrupted one resumed, changed settings refused by name, and summary.json holds every stage's metrics.
using System.Text.Json;
using R1Sharp.Recipes.R1;

namespace R1Sharp.Tests.Recipes.R1;

public class StageRunnerTests
{
    sealed class Counting
    {
        public List<(string Stage, bool Resume)> Calls { get; } = [];
        public string? FailIn { get; set; }

        public Stage Make(string name, string key = "k1") => new(name, key, ctx =>
        {
            Calls.Add((name, ctx.Resume));
            File.WriteAllText(Path.Combine(ctx.Directory, "progress.txt"), "partial"); // what an interrupted stage leaves
            if (FailIn == name) throw new OperationCanceledException();
            string? from = ctx.Earlier.Count == 0 ? null : ctx.Earlier.Values.Last().Model;
            return new StageResult
            {
                Model = Path.Combine(ctx.Directory, "model"),
                Metrics = new() { ["pass1"] = 0.5, ["from_previous"] = from is null ? 0 : 1, ["language_consistency"] = double.NaN },
            };
        });
    }

    static string Out() => Directory.CreateTempSubdirectory("stages").FullName;

    [Fact]
    public void Stages_run_in_order_each_in_its_own_directory_and_later_ones_see_earlier_results()
    {
        string dir = Out();
        var c = new Counting();
        var done = StageRunner.Run(dir, [c.Make("cold-start"), c.Make("reasoning-rl")]);
        Assert.Equal([("cold-start", false), ("reasoning-rl", false)], c.Calls);
        Assert.All(done, d => Assert.Equal(StageOutcome.Ran, d.Outcome));
        Assert.True(File.Exists(Path.Combine(dir, "01-cold-start", StageRunner.MarkerFile)));
        Assert.Equal(Path.Combine(dir, "01-cold-start", "model"), done[0].Result.Model);
        Assert.Equal(1, done[1].Result.Metrics["from_previous"]);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")));
        var stages = summary.RootElement.GetProperty("stages");
        Assert.Equal("reasoning-rl", stages[1].GetProperty("stage").GetString());
        Assert.Equal(0.5, stages[1].GetProperty("metrics").GetProperty("pass1").GetDouble());
        Assert.Equal(JsonValueKind.Null, stages[1].GetProperty("metrics").GetProperty("language_consistency").ValueKind);
    }

    [Fact]
    public void A_rerun_skips_finished_stages_and_resumes_the_interrupted_one()
    {
        string dir = Out();
        var c = new Counting { FailIn = "reasoning-rl" };
        Stage[] stages = [c.Make("cold-start"), c.Make("reasoning-rl"), c.Make("rejection-sft")];
        Assert.Throws<OperationCanceledException>(() => StageRunner.Run(dir, stages));
        Assert.Equal([("cold-start", false), ("reasoning-rl", false)], c.Calls);
        Assert.False(File.Exists(Path.Combine(dir, "02-reasoning-rl", StageRunner.MarkerFile)));

        c.Calls.Clear();
        c.FailIn = null;
        var done = StageRunner.Run(dir, stages);
        Assert.Equal([("reasoning-rl", true), ("rejection-sft", false)], c.Calls);
        Assert.Equal([StageOutcome.Skipped, StageOutcome.Resumed, StageOutcome.Ran], done.Select(d => d.Outcome));
        Assert.Equal(0.5, done[0].Result.Metrics["pass1"]); // the stored result of the skipped stage
        Assert.Null(done[0].Result.Metrics["language_consistency"]);

        c.Calls.Clear();
        Assert.All(StageRunner.Run(dir, stages), d => Assert.Equal(StageOutcome.Skipped, d.Outcome));
        Assert.Empty(c.Calls);
    }

    [Fact]
    public void A_finished_stage_with_other_settings_is_refused_by_name()
    {
        string dir = Out();
        var c = new Counting();
        StageRunner.Run(dir, [c.Make("cold-start", "steps=100")]);
        var e = Assert.Throws<R1SharpException>(() => StageRunner.Run(dir, [c.Make("cold-start", "steps=200")]));
        Assert.Contains("stage 'cold-start' finished with other settings (steps=100; now steps=200)", e.Message);
        File.WriteAllText(Path.Combine(dir, "01-cold-start", StageRunner.MarkerFile), "{oops");
        Assert.Contains("not a stage marker", Assert.Throws<R1SharpException>(() => StageRunner.Run(dir, [c.Make("cold-start", "steps=100")])).Message);
    }

    [Fact]
    public void Cancellation_before_a_stage_leaves_it_unstarted()
    {
        string dir = Out();
        var c = new Counting();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => StageRunner.Run(dir, [c.Make("cold-start")], cancel: cts.Token));
        Assert.Empty(c.Calls);
        Assert.False(Directory.Exists(Path.Combine(dir, "01-cold-start")));
    }
}
