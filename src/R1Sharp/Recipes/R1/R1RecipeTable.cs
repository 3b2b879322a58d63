// The paper-style comparison of the R1 recipe (R1 Table 4's shape): the base, R1-Zero and each stage's model in one
// table — pass@1, cons@k, mean completion length, language consistency, readability pass rate, harmless rate, reward-
// model score, wall time — then how fast the two reasoning RL runs converged. Pure functions of the stage results.
using System.Globalization;
using System.Text;
using R1Sharp.Recipes.Zero;
using R1Sharp.Training.Infrastructure;

namespace R1Sharp.Recipes.R1;

/// <summary>Formats and charts the recipe's results.</summary>
public static class R1RecipeTable
{
    /// <summary>Training-accuracy thresholds of the convergence comparison.</summary>
    public static IReadOnlyList<int> Thresholds { get; } = [60, 70, 80];

    /// <summary>
    /// Convergence metrics of a GRPO run's metrics.jsonl rows: mean training accuracy of the first and last 10 steps,
    /// the first step whose 10-step moving accuracy reaches 60/70/80 % (null: never), and the last 10 steps' language
    /// consistency. Example: accuracies 0.5, 0.7, 0.9 → first10 0.7, steps_to_60 = 2 (moving mean 0.6), steps_to_80 null.
    /// </summary>
    public static Dictionary<string, double?> Convergence(IReadOnlyList<IReadOnlyDictionary<string, double>> rows)
    {
        var metrics = new Dictionary<string, double?>
        {
            ["train_acc_first10"] = Finite(ZeroAblationTable.EdgeMean(rows, "accuracy", tail: false)),
            ["train_acc_last10"] = Finite(ZeroAblationTable.EdgeMean(rows, "accuracy", tail: true)),
            ["train_language_consistency_last10"] = Finite(ZeroAblationTable.EdgeMean(rows, "language_consistency", tail: true)),
        };
        foreach (int t in Thresholds) metrics[$"steps_to_{t}"] = ZeroAblationTable.StepsToAccuracy(rows, t / 100.0);
        return metrics;
    }

    /// <summary>The table rows: (label, metrics, reward-model score, seconds) for the base and every model-producing stage.</summary>
    public static IReadOnlyList<(string Label, IReadOnlyDictionary<string, double?> Metrics, double? RmScore, double? Seconds)> Rows(
        IReadOnlyList<(string Name, StageOutcome Outcome, StageResult Result)> stages)
    {
        var byName = stages.ToDictionary(s => s.Name, s => s.Result);
        var rm = byName.TryGetValue(R1Recipe.RewardModelStage, out var r) ? r.Metrics : [];
        double? Rm(string key) => rm.TryGetValue(key, out var v) ? v : null;
        var rows = new List<(string, IReadOnlyDictionary<string, double?>, double?, double?)>();
        if (byName.TryGetValue(R1Recipe.ZeroStage, out var zero))
            rows.Add(("base", zero.Metrics.Where(m => m.Key.StartsWith("start_", StringComparison.Ordinal))
                .ToDictionary(m => m.Key["start_".Length..], m => m.Value), Rm("rm_score/base"), null));
        string[] labels = ["R1-Zero (1)", "cold start (2)", "reasoning RL (3)", "rejection SFT (4)", "", "all-scenario RL (6)"];
        for (int i = 0; i < R1Recipe.StageNames.Count; i++)
        {
            string name = R1Recipe.StageNames[i];
            if (name == R1Recipe.RewardModelStage || !byName.TryGetValue(name, out var result)) continue;
            double? score = result.Metrics.TryGetValue("rm_score", out var own) && own is not null ? own : Rm($"rm_score/{name}");
            rows.Add((labels[i], result.Metrics, score, result.Seconds));
        }
        return rows;
    }

    /// <summary>The comparison as a Markdown table, then the reward model's accuracy and the convergence comparison.</summary>
    public static string Markdown(IReadOnlyList<(string Name, StageOutcome Outcome, StageResult Result)> stages)
    {
        var sb = new StringBuilder();
        sb.Append("| model | pass@1 | cons@k | mean length | language consistency | readable | harmless | RM score | wall time |\n");
        sb.Append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (var (label, m, rm, seconds) in Rows(stages))
            sb.Append(Inv($"| {label} | {Pct(m, "pass1")} | {Pct(m, "cons")} | {Num(m, "mean_length", "0.0")} | {Pct(m, "language_consistency")} | ") +
                Inv($"{Pct(m, "readable")} | {Pct(m, "harmless")} | {(rm is { } s ? s.ToString("0.00", CultureInfo.InvariantCulture) : "—")} | {Time(seconds)} |\n"));
        var byName = stages.ToDictionary(s => s.Name, s => s.Result);
        if (byName.TryGetValue(R1Recipe.RewardModelStage, out var rmStage))
            sb.Append(Inv($"\nreward model (5): pairwise accuracy {Pct(rmStage.Metrics, "pairwise_accuracy")} on held-out pairs, {Time(rmStage.Seconds)}\n"));
        var runs = new[] { (R1Recipe.ZeroStage, "R1-Zero (from the base)"), (R1Recipe.ReasoningStage, "reasoning RL (from cold start)") }
            .Where(x => byName.ContainsKey(x.Item1)).ToList();
        if (runs.Count > 0)
        {
            sb.Append("\n| GRPO run | train acc. first 10 steps | last 10 steps | steps to " +
                string.Join(" / ", Thresholds.Select(t => t + " %")) + " (10-step mean) |\n|---|---:|---:|---:|\n");
            foreach (var (name, label) in runs)
            {
                var m = byName[name].Metrics;
                string steps = string.Join(" / ", Thresholds.Select(t => m.TryGetValue($"steps_to_{t}", out var v) && v is { } s ? Inv($"{s:0}") : "never"));
                sb.Append(Inv($"| {label} | {Pct(m, "train_acc_first10")} | {Pct(m, "train_acc_last10")} | {steps} |\n"));
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// OUT/convergence.png: training accuracy (10-step moving mean) of R1-Zero and of the reasoning RL from the cold start
    /// against the step; OUT/language.png: their language consistency. Skipped when neither run has metrics.
    /// </summary>
    public static void RenderCharts(string outDirectory)
    {
        var series = new List<(string Label, List<Dictionary<string, double>> Rows)>();
        foreach (var (i, label) in new[] { (0, "R1-Zero"), (2, "cold start + RL") })
        {
            string path = Path.Combine(StageRunner.DirectoryOf(outDirectory, i, R1Recipe.StageNames[i]), MetricsLog.FileName);
            if (File.Exists(path)) series.Add((label, MetricsLog.Read(path)));
        }
        if (series.Count == 0) return;
        foreach (var (key, file, title) in new[] { ("accuracy", "convergence.png", "training accuracy (10-step moving mean)"),
                     ("language_consistency", "language.png", "language consistency of rollouts (10-step moving mean)") })
        {
            var byStep = new SortedDictionary<double, Dictionary<string, double>>();
            foreach (var (label, rows) in series)
            {
                var recent = new Queue<double>();
                foreach (var row in rows)
                {
                    if (!row.TryGetValue("step", out double step) || !row.TryGetValue(key, out double v) || !double.IsFinite(v)) continue;
                    recent.Enqueue(v);
                    if (recent.Count > ZeroAblationTable.Window) recent.Dequeue();
                    if (!byStep.TryGetValue(step, out var point)) byStep[step] = point = new() { ["step"] = step };
                    point[label] = recent.Average();
                }
            }
            Charts.Render([.. byStep.Values], new ChartSpec(file, title, [.. series.Select(s => s.Label)]), outDirectory);
        }
    }

    private static double? Finite(double v) => double.IsFinite(v) ? v : null;

    private static string Pct(IReadOnlyDictionary<string, double?> m, string key) =>
        m.TryGetValue(key, out var v) && v is { } x ? Inv($"{x * 100:0.0} %") : "—";

    private static string Num(IReadOnlyDictionary<string, double?> m, string key, string format) =>
        m.TryGetValue(key, out var v) && v is { } x ? x.ToString(format, CultureInfo.InvariantCulture) : "—";

    private static string Time(double? seconds) => seconds is not { } s ? "—" : s < 120 ? Inv($"{s:0} s") : Inv($"{s / 60:0.0} min");

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
