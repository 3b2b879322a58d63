// `r1 zero --seeds 1,2,3`: the R1-Zero experiment (ZeroRun) once per seed into OUT/seed-N, then every headline figure
// of the base and the trained model (pass@1, cons@k, mean length, share of completions that think, accuracy when
// thinking) as mean ± sample standard deviation over the seeds, in OUT/summary.json and the printed table. A seed whose
// summary.json exists is read (with its eval_*.jsonl), not repeated, so an interrupted multi-seed run continues.
using System.Text.Json;
using System.Text.Json.Serialization;
using R1Sharp.Evaluation;

namespace R1Sharp.Recipes.Zero;

/// <summary>One figure over the seeds: mean, sample standard deviation (n − 1; 0 for one seed) and the per-seed values.</summary>
public sealed record SeedStat(
    [property: JsonPropertyName("mean")] double Mean,
    [property: JsonPropertyName("std")] double Std,
    [property: JsonPropertyName("values")] IReadOnlyList<double> Values)
{
    /// <summary>The statistics of <paramref name="values"/> (NaN values, e.g. the accuracy of a mode no answer used, are left out).</summary>
    public static SeedStat Of(IReadOnlyList<double> values)
    {
        var finite = values.Where(v => !double.IsNaN(v)).ToArray();
        return new(finite.Length == 0 ? double.NaN : finite.Average(), ZeroAblationTable.SampleStd(finite), values);
    }
}

/// <summary>OUT/summary.json of a multi-seed run: the seeds, k, steps, each figure's <see cref="SeedStat"/>, the run directories.</summary>
public sealed record SeedsSummary(
    [property: JsonPropertyName("seeds")] IReadOnlyList<int> Seeds,
    [property: JsonPropertyName("k")] int K,
    [property: JsonPropertyName("steps")] int Steps,
    [property: JsonPropertyName("figures")] IReadOnlyDictionary<string, SeedStat> Figures,
    [property: JsonPropertyName("runs")] IReadOnlyList<string> Runs);

/// <summary>See the file header.</summary>
public static class ZeroSeeds
{
    /// <summary>The headline figures, in table order: key (summary.json, prefixed base_/final_), label, shown in percent.</summary>
    public static readonly (string Key, string Label, bool Percent)[] Figures =
    [
        ("pass1", "pass@1", true),
        ("cons_at_k", "cons@k", true),
        ("mean_length", "mean length (tokens)", false),
        ("thinking_share", "thinks (non-empty)", true),
        ("thinking_accuracy", "accuracy thinking", true),
    ];

    /// <summary>
    /// Runs (or reads) <paramref name="template"/> once per seed (its GRPO seed replaced) in OUTDIR/seed-N, writes
    /// OUTDIR/summary.json and returns it. Bad seed lists throw a one-line <see cref="R1SharpException"/>.
    /// </summary>
    public static SeedsSummary Run(ZeroOptions template, IReadOnlyList<int> seeds, Action<string> log, CancellationToken ct = default)
    {
        if (seeds.Count == 0) throw new R1SharpException("--seeds: no seed given; e.g. --seeds 1,2,3");
        if (seeds.Distinct().Count() != seeds.Count) throw new R1SharpException($"--seeds: a seed is repeated in {string.Join(',', seeds)}");
        if (template.Resume) throw new R1SharpException("--seeds continues an interrupted run by itself (finished seeds are read); run the same command again without --resume");
        Directory.CreateDirectory(template.OutDirectory);
        var runs = new List<(string Dir, ZeroSummary Summary, EvalResult Base, EvalResult Final)>();
        foreach (int seed in seeds)
        {
            ct.ThrowIfCancellationRequested();
            runs.Add(RunOne(template, seed, log, ct));
        }
        var figures = new Dictionary<string, SeedStat>();
        foreach (var (stage, pick) in new[] { ("base", 0), ("final", 1) })
            foreach (var (key, _, _) in Figures)
                figures[$"{stage}_{key}"] = SeedStat.Of([.. runs.Select(r => Figure(key, pick == 0 ? r.Base : r.Final))]);
        var summary = new SeedsSummary(seeds, runs[0].Summary.K, runs[0].Summary.Steps, figures, [.. runs.Select(r => r.Dir)]);
        File.WriteAllText(Path.Combine(template.OutDirectory, "summary.json"), JsonSerializer.Serialize(summary,
            new JsonSerializerOptions(ZeroText.JsonIndented) { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        return summary;
    }

    /// <summary>Parses "1,2,3" (spaces allowed); anything else is a one-line error naming --seeds.</summary>
    public static int[] Parse(string list) => [.. list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
        .Select(s => int.TryParse(s, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int v) && v >= 0 ? v
            : throw new R1SharpException($"--seeds: '{s}' is not a non-negative integer; e.g. --seeds 1,2,3"))];

    /// <summary>One headline figure of one evaluation.</summary>
    public static double Figure(string key, EvalResult eval) => key switch
    {
        "pass1" => eval.Summary.PassAt1,
        "cons_at_k" => eval.Summary.ConsAtK,
        "mean_length" => eval.Summary.MeanLength,
        "thinking_share" => ZeroText.ByMode(eval).ThinkingShare,
        "thinking_accuracy" => ZeroText.ByMode(eval).ThinkingAccuracy,
        _ => throw new ArgumentOutOfRangeException(nameof(key), key, "not a headline figure"),
    };

    /// <summary>"mean ± std" of a figure: percent with one decimal, or a plain number with one decimal.</summary>
    public static string Format(SeedStat s, bool percent) => double.IsNaN(s.Mean) ? "NaN"
        : percent ? FormattableString.Invariant($"{100 * s.Mean:0.0} ± {100 * s.Std:0.0} %")
        : FormattableString.Invariant($"{s.Mean:0.0} ± {s.Std:0.0}");

    private static (string, ZeroSummary, EvalResult, EvalResult) RunOne(ZeroOptions template, int seed, Action<string> log, CancellationToken ct)
    {
        string dir = Path.Combine(template.OutDirectory, $"seed-{seed}");
        string summaryPath = Path.Combine(dir, "summary.json");
        var files = new ZeroFiles(dir);
        if (!template.Overwrite && File.Exists(summaryPath))
        {
            log($"seed {seed}: done before, reading {dir}");
            var saved = JsonSerializer.Deserialize<ZeroSummary>(File.ReadAllText(summaryPath), ZeroText.JsonIndented)
                ?? throw new R1SharpException($"{summaryPath}: empty summary; delete {dir} to run it again");
            return (dir, saved, files.ReadEval("base") ?? Missing(dir, "base"), files.ReadEval("final") ?? Missing(dir, "final"));
        }
        log($"seed {seed}: {template.Grpo.MaxSteps} steps -> {dir}");
        var options = template with
        {
            OutDirectory = dir, Overwrite = template.Overwrite || Directory.Exists(dir), Grpo = template.Grpo with { Seed = seed },
        };
        var (summary, before, after) = ZeroRun.Run(options, log, ct);
        log($"seed {seed}: pass@1 {summary.BasePass1:P1} -> {summary.FinalPass1:P1} in {summary.Seconds:0} s");
        return (dir, summary, before, after);
    }

    private static EvalResult Missing(string dir, string name) =>
        throw new R1SharpException($"{dir}: summary.json but no eval_{name}.jsonl; delete {dir} to run that seed again");
}
