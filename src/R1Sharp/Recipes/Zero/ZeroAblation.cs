// `r1 zero ablate`: the R1-Zero experiment (ZeroRun) once per GRPO variant × seed, then the table and charts of
// ZeroAblationTable. Every run keeps its own directory (DIR/variant/seed-N); a run whose summary.json exists is read,
// not repeated, so an interrupted ablation continues where it stopped.
using System.Text.Json;
using R1Sharp.Training.Grpo;
using R1Sharp.Training.Infrastructure;

namespace R1Sharp.Recipes.Zero;

/// <summary>Options of <see cref="ZeroAblation.Run"/>.</summary>
public sealed record AblationOptions
{
    /// <summary>Variant names (<see cref="ZeroVariants.Names"/>).</summary>
    public IReadOnlyList<string> Variants { get; init; } = ZeroVariants.Ablation;
    /// <summary>Seeds; each variant runs once per seed.</summary>
    public IReadOnlyList<int> Seeds { get; init; } = [1, 2, 3];
    /// <summary>The ablation directory.</summary>
    public required string OutDirectory { get; init; }
    /// <summary>GRPO steps of every run.</summary>
    public int Steps { get; init; } = ZeroOptions.DefaultGrpo.MaxSteps;
    /// <summary>
    /// μ of every run (num_iterations). Default 2: with μ = 1 and one micro-batch per generation the policy never moves
    /// between rollout and update, ρ ≡ 1, and GSPO/CISPO/SAPO/clipping reduce exactly to their aggregation; the second
    /// pass makes the ratio-based variants differ.
    /// </summary>
    public int NumIterations { get; init; } = 2;
    /// <summary>Held-out problems and samples of each run's evaluation.</summary>
    public int EvalProblems { get; init; } = 100;
    /// <summary>k of pass@1 and cons@k.</summary>
    public int EvalK { get; init; } = 8;
    /// <summary>The base model (null = the committed base).</summary>
    public string? BaseModel { get; init; }
    /// <summary>Run the missing runs (false: only tabulate what exists).</summary>
    public bool Train { get; init; } = true;
}

/// <summary>See the file header.</summary>
public static class ZeroAblation
{
    /// <summary>The charts written to the ablation directory: one line per variant, mean over seeds.</summary>
    public static readonly (string File, string Title, string Key)[] Charts =
    [
        ("ablation_reward.png", "reward vs step (mean over seeds)", "reward"),
        ("ablation_accuracy.png", "training accuracy vs step (mean over seeds)", "accuracy"),
        ("ablation_length.png", "completion length vs step (mean over seeds)", "completions/mean_length"),
        ("ablation_entropy.png", "entropy vs step (mean over seeds)", "entropy"),
    ];

    /// <summary>Runs (or reads) every variant × seed, writes ablation.md, ablation.json and the charts; returns the rows.</summary>
    public static IReadOnlyList<AblationRow> Run(AblationOptions options, Action<string> log, CancellationToken ct = default)
    {
        if (options.Seeds.Count == 0) throw new R1SharpException("--seeds: no seed given; e.g. --seeds 1,2,3");
        foreach (var v in options.Variants) ZeroVariants.Apply(ZeroOptions.DefaultGrpo, v);   // unknown names fail before any run
        Directory.CreateDirectory(options.OutDirectory);
        var runs = new List<AblationRun>();
        foreach (string variant in options.Variants)
            foreach (int seed in options.Seeds)
            {
                ct.ThrowIfCancellationRequested();
                runs.Add(RunOne(options, variant, seed, log, ct));
            }
        var rows = options.Variants.Select(v => ZeroAblationTable.Summarize(v, runs.Where(r => r.Variant == v).ToArray())).ToArray();
        string table = ZeroAblationTable.Markdown(rows);
        File.WriteAllText(Path.Combine(options.OutDirectory, "ablation.md"), table);
        File.WriteAllText(Path.Combine(options.OutDirectory, "ablation.json"), JsonSerializer.Serialize(rows,
            new JsonSerializerOptions(ZeroText.JsonIndented) { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        foreach (var (file, title, key) in Charts)
            Training.Infrastructure.Charts.Render(ZeroAblationTable.SeriesByVariant(runs, key), new ChartSpec(file, title, options.Variants), options.OutDirectory);
        return rows;
    }

    /// <summary>The GRPO config of one run: the r1 zero defaults, the variant, the steps, μ and the seed.</summary>
    public static GrpoConfig ConfigFor(AblationOptions options, string variant, int seed) =>
        ZeroVariants.Apply(ZeroOptions.DefaultGrpo with { MaxSteps = options.Steps, Seed = seed, NumIterations = options.NumIterations }, variant);

    private static AblationRun RunOne(AblationOptions options, string variant, int seed, Action<string> log, CancellationToken ct)
    {
        string dir = Path.Combine(options.OutDirectory, variant, $"seed-{seed}");
        string summaryPath = Path.Combine(dir, "summary.json");
        ZeroSummary summary;
        if (File.Exists(summaryPath))
        {
            log($"{variant} seed {seed}: done before, reading {summaryPath}");
            summary = JsonSerializer.Deserialize<ZeroSummary>(File.ReadAllText(summaryPath), ZeroText.JsonIndented)
                ?? throw new R1SharpException($"{summaryPath}: empty summary; delete {dir} to run it again");
        }
        else
        {
            if (!options.Train) throw new R1SharpException($"{dir}: no summary.json; run the ablation without --table-only first");
            log($"{variant} seed {seed}: training {options.Steps} steps -> {dir}");
            var zero = new ZeroOptions
            {
                OutDirectory = dir, BaseModel = options.BaseModel, Overwrite = Directory.Exists(dir),
                EvalProblems = options.EvalProblems, EvalK = options.EvalK, Grpo = ConfigFor(options, variant, seed),
            };
            summary = ZeroRun.Run(zero, line => { if (!line.StartsWith("step ", StringComparison.Ordinal)) log($"  {line}"); }, ct).Summary;
            log($"{variant} seed {seed}: pass@1 {summary.BasePass1:P1} -> {summary.FinalPass1:P1} in {summary.Seconds:0} s");
        }
        var metricsPath = Path.Combine(dir, MetricsLog.FileName);
        var metrics = File.Exists(metricsPath) ? MetricsLog.Read(metricsPath) : [];
        return new AblationRun(variant, seed, summary, metrics.Cast<IReadOnlyDictionary<string, double>>().ToArray());
    }
}
