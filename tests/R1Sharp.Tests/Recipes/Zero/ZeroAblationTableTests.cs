// The ablation's pure parts: variant presets (each a valid config), list parsing, and the table's figures on
// hand-made metrics rows.
using R1Sharp.Recipes.Zero;
using R1Sharp.Training.Grpo;

namespace R1Sharp.Tests.Recipes.Zero;

public class ZeroAblationTableTests
{
    private static IReadOnlyDictionary<string, double> Row(int step, double accuracy, double length, double entropy) =>
        new Dictionary<string, double> { ["step"] = step, ["accuracy"] = accuracy, ["completions/mean_length"] = length, ["entropy"] = entropy, ["reward"] = accuracy };

    private static ZeroSummary Summary(double pass1, double length, double seconds) => new(0.2, pass1, 8, 0.2, pass1, 40, length, 3, seconds);

    [Fact]
    public void Every_variant_is_a_valid_config_with_its_papers_settings()
    {
        foreach (var name in ZeroVariants.Names)
            ZeroVariants.Apply(ZeroOptions.DefaultGrpo, name).Validate();
        var gspo = ZeroVariants.Apply(ZeroOptions.DefaultGrpo, "gspo");
        Assert.Equal((ImportanceSamplingLevel.Sequence, 3e-4, 4e-4), (gspo.ImportanceSamplingLevel, gspo.Epsilon, gspo.EpsilonHigh!.Value));
        var dapo = ZeroVariants.Apply(ZeroOptions.DefaultGrpo, "dapo");
        Assert.True(dapo.DynamicSampling && dapo.EpsilonHigh == 0.28 && dapo.LossType == LossType.Dapo);
        Assert.False(ZeroVariants.Apply(ZeroOptions.DefaultGrpo, "dapo-nodyn").DynamicSampling);
        Assert.Equal(0.2, ZeroVariants.Apply(ZeroOptions.DefaultGrpo, "dapo-entropy").TopEntropyQuantile);
        Assert.Equal(ScaleRewards.None, ZeroVariants.Apply(ZeroOptions.DefaultGrpo, "dr_grpo").ScaleRewards);
        Assert.Equal(5.0, ZeroVariants.Apply(ZeroOptions.DefaultGrpo, "cispo").EpsilonHigh);
    }

    [Fact]
    public void Variant_lists_are_checked_by_name()
    {
        Assert.Equal(["grpo", "sapo"], ZeroVariants.Parse("grpo, sapo"));
        Assert.Contains("'ppo' is not a variant", Assert.Throws<R1SharpException>(() => ZeroVariants.Parse("grpo,ppo")).Message);
        Assert.Contains("listed twice", Assert.Throws<R1SharpException>(() => ZeroVariants.Parse("grpo,grpo")).Message);
    }

    [Fact]
    public void Steps_to_accuracy_use_a_moving_mean()
    {
        Assert.Equal(2, ZeroAblationTable.StepsToAccuracy([Row(1, 0.5, 0, 0), Row(2, 0.9, 0, 0), Row(3, 0.8, 0, 0)], 0.7, window: 2));
        Assert.Null(ZeroAblationTable.StepsToAccuracy([Row(1, 0.5, 0, 0), Row(2, 0.9, 0, 0)], 0.71, window: 2));
    }

    [Fact]
    public void Summary_row_and_markdown()
    {
        var a = Enumerable.Range(1, 12).Select(s => Row(s, s >= 5 ? 1.0 : 0.0, 30 + s, 0.5)).ToArray();
        var b = Enumerable.Range(1, 12).Select(s => Row(s, 0.0, 30, 0.3)).ToArray();
        int? reached = ZeroAblationTable.StepsToAccuracy(a);
        // Window 10: the mean is (s − 4)/s up to step 10 (at most 0.6); step 11 averages steps 2–11, 7 of them correct: 0.7.
        Assert.Equal(11, reached);
        var row = ZeroAblationTable.Summarize("dapo", [new("dapo", 1, Summary(0.5, 50, 100), a), new("dapo", 2, Summary(0.7, 60, 200), b)]);
        Assert.Equal(0.6, row.Pass1Mean, 12);
        Assert.Equal(Math.Sqrt(0.02), row.Pass1Spread, 12);
        Assert.Equal((11.0, 1), (row.StepsTo70Mean, row.Reached70));
        Assert.Equal(55, row.FinalLength, 12);
        // Growth: run a tail mean of 33..42 − head 31..40 = 2; run b 0 → mean 1.
        Assert.Equal(1.0, row.LengthGrowth, 12);
        Assert.Equal(0.4, row.FinalEntropy, 12);
        Assert.Equal(150, row.WallSeconds, 12);
        string md = ZeroAblationTable.Markdown([row]);
        Assert.Contains("| dapo | 2 | 60.0 ± 14.1 % | 11 (1/2) | 55.0 | +1.0 | 0.400 | 150 s |", md);
    }

    [Fact]
    public void Series_average_seeds_per_step_with_one_key_per_variant()
    {
        var runs = new AblationRun[]
        {
            new("grpo", 1, Summary(0, 0, 0), [Row(1, 0.2, 10, 0), Row(2, 0.4, 12, 0)]),
            new("grpo", 2, Summary(0, 0, 0), [Row(1, 0.4, 14, 0)]),
            new("sapo", 1, Summary(0, 0, 0), [Row(2, 1.0, 20, 0)]),
        };
        var series = ZeroAblationTable.SeriesByVariant(runs, "reward");
        Assert.Equal(2, series.Count);
        Assert.Equal(0.3, series[0]["grpo"], 12);
        Assert.False(series[0].ContainsKey("sapo"));
        Assert.Equal((0.4, 1.0), (series[1]["grpo"], series[1]["sapo"]));
    }
}
