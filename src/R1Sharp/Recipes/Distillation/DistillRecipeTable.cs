// The comparison of `r1 recipe distill` over seeds (R1 Table 6's question at toy scale): per model — teacher, student
// before, distilled, RL only, distilled + RL — pass@1, cons@k, mean length and training seconds as mean ± sample std
// (ZeroSeeds' SeedStat), each seed's final SFT loss, and distilled − RL-only pass@1 with the issue's criterion (>= 10
// points). Pure functions.
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using R1Sharp.Recipes.R1;
using R1Sharp.Recipes.Zero;

namespace R1Sharp.Recipes.Distillation;

/// <summary>One model of the table over seeds; <see cref="Seconds"/> is its training cost beyond the student base (see
/// <see cref="DistillRecipeTable.Rows"/>).</summary>
public sealed record DistillRow(
    [property: JsonPropertyName("row")] string Row,
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("pass1")] SeedStat Pass1,
    [property: JsonPropertyName("cons")] SeedStat Cons,
    [property: JsonPropertyName("mean_length")] SeedStat MeanLength,
    [property: JsonPropertyName("seconds")] SeedStat Seconds);

/// <summary>OUT/summary.json: the seeds, the evaluation, every row, distilled − RL-only pass@1 (fractions, like pass1) and the runs.</summary>
public sealed record DistillRecipeSummary(
    [property: JsonPropertyName("seeds")] IReadOnlyList<int> Seeds,
    [property: JsonPropertyName("eval_problems")] int EvalProblems,
    [property: JsonPropertyName("k")] int K,
    [property: JsonPropertyName("rows")] IReadOnlyList<DistillRow> Rows,
    [property: JsonPropertyName("distilled_minus_rl")] SeedStat DistilledMinusRl,
    [property: JsonPropertyName("criterion_points")] double CriterionPoints,
    [property: JsonPropertyName("criterion_met")] bool CriterionMet,
    [property: JsonPropertyName("rl_steps")] SeedStat RlSteps,
    [property: JsonPropertyName("sft_final_loss")] SeedStat SftFinalLoss,
    [property: JsonPropertyName("runs")] IReadOnlyList<string> Runs);

/// <summary>Builds and prints the summary (see file header).</summary>
public static class DistillRecipeTable
{
    /// <summary>The issue's criterion: distillation beats RL-only by at least this many pass@1 points (mean over seeds).</summary>
    public const double CriterionPoints = 10;

    /// <summary>How summary.json is written (NaN, e.g. of an empty evaluation, as a literal).</summary>
    public static readonly JsonSerializerOptions Json = new(ZeroText.JsonIndented) { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>
    /// The rows: (key, label, stage). Seconds: the teacher's GRPO steps; the student base's pretraining; distilled =
    /// teacher sampling + SFT; RL only = its GRPO steps (given the distilled time); distilled + RL = distilled + its GRPO steps.
    /// </summary>
    public static IReadOnlyList<(string Row, string Label, string Stage)> Rows { get; } =
    [
        ("teacher", "teacher (R1-Zero GRPO)", DistillRecipe.TeacherStage),
        ("student", "student before", DistillRecipe.StudentStage),
        ("distilled", "student, distill + SFT", DistillRecipe.SftStage),
        ("rl_only", "student, RL only (same time)", DistillRecipe.RlOnlyStage),
        ("distilled_rl", "student, distill + SFT + RL", DistillRecipe.DistillRlStage),
    ];

    /// <summary>The summary of every seed's stage results: each row present in every seed, as mean ± std over the seeds.</summary>
    public static DistillRecipeSummary Summarize(DistillRecipeOptions options,
        IReadOnlyList<(int Seed, IReadOnlyList<(string Name, StageOutcome Outcome, StageResult Result)> Stages)> runs)
    {
        var bySeed = runs.Select(r => r.Stages.ToDictionary(s => s.Name, s => s.Result.Metrics)).ToList();
        double Value(Dictionary<string, double?> m, string key) => m.TryGetValue(key, out var v) && v is { } x ? x : double.NaN;
        SeedStat Stat(string stage, string key) => SeedStat.Of([.. bySeed.Select(m => Value(m[stage], key))]);
        var rows = new List<DistillRow>();
        foreach (var (row, label, stage) in Rows)
        {
            if (!bySeed.All(m => m.ContainsKey(stage))) continue;
            string shown = row == "teacher" && options.Teacher is not null ? "teacher (given)" : label;
            rows.Add(new DistillRow(row, shown, Stat(stage, "pass1"), Stat(stage, "cons"), Stat(stage, "mean_length"), Stat(stage, DistillRecipe.TrainSeconds)));
        }
        var difference = SeedStat.Of([.. bySeed.Select(m => Value(m[DistillRecipe.SftStage], "pass1") - Value(m[DistillRecipe.RlOnlyStage], "pass1"))]);
        return new DistillRecipeSummary([.. runs.Select(r => r.Seed)], options.EvalProblems, options.EvalK, rows, difference, CriterionPoints,
            difference.Mean * 100 >= CriterionPoints, Stat(DistillRecipe.RlOnlyStage, "rl_steps"), Stat(DistillRecipe.SftStage, "sft_final_loss"),
            [.. runs.Select(r => DistillRecipe.SeedDirectory(options.OutDirectory, r.Seed))]);
    }

    /// <summary>The table as Markdown (mean ± std over the seeds), then distilled − RL-only and whether it meets the criterion.</summary>
    public static string Markdown(DistillRecipeSummary s)
    {
        var sb = new StringBuilder();
        sb.Append(Inv($"chain-sum held-out ({s.EvalProblems} problems x k = {s.K}, temperature 0.6, as `r1 eval --task chain-sum`); "));
        sb.Append(Inv($"mean ± std over {s.Seeds.Count} seed{(s.Seeds.Count == 1 ? "" : "s")} ({string.Join(',', s.Seeds)})\n\n"));
        sb.Append(Inv($"| model | pass@1 | cons@{s.K} | mean length | training time |\n|---|---:|---:|---:|---:|\n"));
        foreach (var r in s.Rows)
            sb.Append(Inv($"| {r.Label} | {ZeroSeeds.Format(r.Pass1, true)} | {ZeroSeeds.Format(r.Cons, true)} | {ZeroSeeds.Format(r.MeanLength, false)} | {Seconds(r.Seconds)} |\n"));
        sb.Append(Inv($"\ntraining time: distill + SFT = teacher sampling + SFT wall time; RL only = its GRPO steps' rollout + update time, "));
        sb.Append(Inv($"{ZeroSeeds.Format(s.RlSteps, false)} steps chosen to match distill + SFT; distill + SFT + RL adds its own GRPO steps\n"));
        // A student whose SFT never left the copy plateau (loss ≈ 0.57) shows here rather than only in its log.
        sb.Append(Inv($"SFT final loss per seed: {string.Join(", ", s.SftFinalLoss.Values.Select(v => Inv($"{v:0.000}")))}\n"));
        var d = s.DistilledMinusRl;
        string values = string.Join(", ", d.Values.Select(v => Inv($"{100 * v:+0.0;-0.0}")));
        sb.Append(Inv($"distilled − RL only, pass@1: {100 * d.Mean:+0.0;-0.0} ± {100 * d.Std:0.0} points (per seed: {values}); "));
        sb.Append(s.CriterionMet ? Inv($"meets the criterion (>= {s.CriterionPoints:0} points)\n") : Inv($"does not meet the criterion (>= {s.CriterionPoints:0} points)\n"));
        return sb.ToString();
    }

    // Whole seconds, or one decimal below 10 s (toy runs).
    private static string Seconds(SeedStat s) => double.IsNaN(s.Mean) ? "—" : s.Mean >= 10 ? Inv($"{s.Mean:0} ± {s.Std:0} s") : Inv($"{s.Mean:0.0} ± {s.Std:0.0} s");

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
