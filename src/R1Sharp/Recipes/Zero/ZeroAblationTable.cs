// The numbers of `r1 zero ablate` from finished runs: per run the step at which training accuracy reaches 70 % and the
// length and entropy trends, per variant the mean and spread over seeds, a Markdown table and per-step series (one
// line per variant) for the charts. Pure functions over summaries and metrics rows.
using System.Globalization;
using System.Text;

namespace R1Sharp.Recipes.Zero;

/// <summary>One finished run of the ablation: its summary and metrics.jsonl rows.</summary>
public sealed record AblationRun(string Variant, int Seed, ZeroSummary Summary, IReadOnlyList<IReadOnlyDictionary<string, double>> Metrics);

/// <summary>One variant's line of the table (means over its seeds; Pass1Spread is the sample std, 0 for one seed).</summary>
public sealed record AblationRow(string Variant, int Runs, double Pass1Mean, double Pass1Spread, double StepsTo70Mean, int Reached70,
    double FinalLength, double LengthGrowth, double FinalEntropy, double WallSeconds);

/// <summary>See the file header.</summary>
public static class ZeroAblationTable
{
    /// <summary>Steps averaged for the noisy per-step figures (moving accuracy, head and tail means).</summary>
    public const int Window = 10;

    /// <summary>
    /// The first step whose training accuracy, averaged over the last <paramref name="window"/> steps (fewer at the
    /// start), is at least <paramref name="threshold"/>; null when none is.
    /// </summary>
    /// <example>accuracy 0.5, 0.9, 0.8 with window 2: moving means 0.5, 0.7, 0.85 → step 2 at threshold 0.7.</example>
    public static int? StepsToAccuracy(IReadOnlyList<IReadOnlyDictionary<string, double>> rows, double threshold = 0.7, int window = Window)
    {
        var recent = new Queue<double>();
        foreach (var row in rows)
        {
            if (!row.TryGetValue("accuracy", out double a) || !double.IsFinite(a)) continue;
            recent.Enqueue(a);
            if (recent.Count > window) recent.Dequeue();
            if (recent.Average() >= threshold) return (int)row["step"];
        }
        return null;
    }

    /// <summary>Mean of <paramref name="key"/> over the first (<paramref name="tail"/> false) or last <paramref name="window"/>
    /// rows that have it; NaN when none has.</summary>
    public static double EdgeMean(IReadOnlyList<IReadOnlyDictionary<string, double>> rows, string key, bool tail, int window = Window)
    {
        var values = rows.Where(r => r.TryGetValue(key, out double v) && double.IsFinite(v)).Select(r => r[key]).ToArray();
        if (values.Length == 0) return double.NaN;
        return (tail ? values.TakeLast(window) : values.Take(window)).Average();
    }

    /// <summary>The variant's row from its runs.</summary>
    public static AblationRow Summarize(string variant, IReadOnlyList<AblationRun> runs)
    {
        if (runs.Count == 0) throw new ArgumentException($"variant {variant} has no runs", nameof(runs));
        var pass = runs.Select(r => r.Summary.FinalPass1).ToArray();
        var reached = runs.Select(r => StepsToAccuracy(r.Metrics)).Where(s => s is not null).Select(s => (double)s!.Value).ToArray();
        return new AblationRow(variant, runs.Count, pass.Average(), SampleStd(pass), reached.Length == 0 ? double.NaN : reached.Average(),
            reached.Length, runs.Average(r => r.Summary.FinalMeanLength),
            runs.Average(r => EdgeMean(r.Metrics, "completions/mean_length", true) - EdgeMean(r.Metrics, "completions/mean_length", false)),
            runs.Average(r => EdgeMean(r.Metrics, "entropy", true)), runs.Average(r => r.Summary.Seconds));
    }

    /// <summary>Unbiased (n − 1) standard deviation; 0 for fewer than two values.</summary>
    public static double SampleStd(IReadOnlyList<double> values)
    {
        if (values.Count < 2) return 0;
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }

    /// <summary>The Markdown table of the README (pass@1 in percent).</summary>
    public static string Markdown(IReadOnlyList<AblationRow> rows)
    {
        var text = new StringBuilder();
        text.AppendLine("| variant | seeds | final pass@1 | steps to 70 % train acc. | final mean length | length growth | final entropy | wall time |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            string steps = r.Reached70 == 0 ? $"never (0/{r.Runs})" : Inv($"{r.StepsTo70Mean:0} ({r.Reached70}/{r.Runs})");
            text.AppendLine(Inv($"| {r.Variant} | {r.Runs} | {100 * r.Pass1Mean:0.0} ± {100 * r.Pass1Spread:0.0} % | {steps} | {r.FinalLength:0.0} | {r.LengthGrowth:+0.0;-0.0;0.0} | {r.FinalEntropy:0.000} | {r.WallSeconds:0} s |"));
        }
        return text.ToString();
    }

    /// <summary>
    /// Per step, the mean of <paramref name="key"/> over each variant's seeds, as chart rows {step, variant: value}
    /// (Charts.Render draws one line per variant key).
    /// </summary>
    public static List<IReadOnlyDictionary<string, double>> SeriesByVariant(IReadOnlyList<AblationRun> runs, string key)
    {
        var byStep = new SortedDictionary<double, Dictionary<string, List<double>>>();
        foreach (var run in runs)
            foreach (var row in run.Metrics)
            {
                if (!row.TryGetValue("step", out double step) || !row.TryGetValue(key, out double v) || !double.IsFinite(v)) continue;
                if (!byStep.TryGetValue(step, out var variants)) byStep[step] = variants = [];
                if (!variants.TryGetValue(run.Variant, out var list)) variants[run.Variant] = list = [];
                list.Add(v);
            }
        return byStep.Select(kv =>
        {
            var row = new Dictionary<string, double> { ["step"] = kv.Key };
            foreach (var (variant, values) in kv.Value) row[variant] = values.Average();
            return (IReadOnlyDictionary<string, double>)row;
        }).ToList();
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
