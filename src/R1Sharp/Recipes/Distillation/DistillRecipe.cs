// `r1 recipe distill`: distillation against RL for a small student on the built-in chain-sum task (R1-METHOD.md §4.4,
// §4.6; the direction of R1 Table 6), as resumable stages on the StageRunner, once per seed in OUT/seed-N: 1 teacher
// (R1-Zero GRPO from the chain-sum base, or a given model), 2 student base (ZeroPretrainer, a smaller shape), 3 rejection
// sampling of the teacher (DistillRunner), 4 SFT of the student on the kept traces, 5 GRPO of the student alone for the
// wall time stages 3 + 4 took, 6 GRPO of the distilled student. Every model is evaluated as `r1 eval --task chain-sum`
// does; OUT/summary.json and OUT/table.md give each row as mean ± sample std over the seeds.
using System.Text.Json;
using R1Sharp.Evaluation;
using R1Sharp.IO;
using R1Sharp.Recipes.R1;
using R1Sharp.Recipes.Zero;
using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Recipes.Distillation;

/// <summary>The recipe's result: every seed's stages, the summary over seeds and the printed table.</summary>
public sealed record DistillRecipeResult(
    IReadOnlyList<(int Seed, IReadOnlyList<(string Name, StageOutcome Outcome, StageResult Result)> Stages)> Runs,
    DistillRecipeSummary Summary, string Table);

/// <summary>Runs the distillation-vs-RL recipe (see file header).</summary>
public static partial class DistillRecipe
{
    /// <summary>Stage names (their directories are OUT/seed-N/01-teacher, …).</summary>
    public const string TeacherStage = "teacher", StudentStage = "student-base", DistillStage = "distill", SftStage = "sft",
        RlOnlyStage = "rl-only", DistillRlStage = "distill-rl";

    /// <summary>The stages in order (<see cref="DistillRlStage"/> only when <see cref="DistillRecipeOptions.ThenRlSteps"/> is not 0).</summary>
    public static IReadOnlyList<string> StageNames { get; } = [TeacherStage, StudentStage, DistillStage, SftStage, RlOnlyStage, DistillRlStage];

    /// <summary>The metric every stage records for its training time: seconds of compute spent making its model (or data).</summary>
    public const string TrainSeconds = "train_seconds";

    /// <summary>
    /// Runs (or continues) every stage of every seed under <see cref="DistillRecipeOptions.OutDirectory"/>, then writes
    /// OUT/summary.json and OUT/table.md. Finished stages are skipped on a rerun, interrupted ones resumed, and a finished
    /// stage whose settings changed is refused; cancelling stops inside the running stage and throws
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    public static DistillRecipeResult Run(DistillRecipeOptions options, Action<string>? log = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options = options.Validate().Resolve();
        log ??= _ => { };
        Directory.CreateDirectory(options.OutDirectory);
        var runs = new List<(int, IReadOnlyList<(string, StageOutcome, StageResult)>)>();
        foreach (int seed in options.Seeds)
        {
            ct.ThrowIfCancellationRequested();
            string dir = SeedDirectory(options.OutDirectory, seed);
            void SeedLog(string line) => log($"seed {seed}: {line}");
            runs.Add((seed, StageRunner.Run(dir, Stages(options, seed, dir, SeedLog), SeedLog, ct)));
        }
        var summary = DistillRecipeTable.Summarize(options, runs);
        AtomicFile.WriteAllText(Path.Combine(options.OutDirectory, "summary.json"), JsonSerializer.Serialize(summary, DistillRecipeTable.Json));
        string table = DistillRecipeTable.Markdown(summary);
        AtomicFile.WriteAllText(Path.Combine(options.OutDirectory, "table.md"), table);
        return new DistillRecipeResult(runs, summary, table);
    }

    /// <summary>The directory of one seed's stages: OUT/seed-N.</summary>
    public static string SeedDirectory(string outDirectory, int seed) => Path.Combine(outDirectory, $"seed-{seed}");

    private static List<Stage> Stages(DistillRecipeOptions o, int seed, string seedDir, Action<string> log)
    {
        var stages = new List<Stage>
        {
            new(TeacherStage, o.KeyOf(TeacherStage, seed), c => RunTeacher(c, o, seed, log)),
            new(StudentStage, o.KeyOf(StudentStage, seed), c => RunStudent(c, o, seed, log)),
            new(DistillStage, o.KeyOf(DistillStage, seed), c => RunDistill(c, o, seed, log)),
            new(SftStage, o.KeyOf(SftStage, seed), c => RunSft(c, o, seed, StageRunner.DirectoryOf(seedDir, 2, DistillStage), log)),
            new(RlOnlyStage, o.KeyOf(RlOnlyStage, seed), c => RunRlOnly(c, o, seed, log)),
        };
        if (o.ThenRlSteps != 0) stages.Add(new(DistillRlStage, o.KeyOf(DistillRlStage, seed), c => RunDistillRl(c, o, seed, log)));
        return stages;
    }

    // The model an earlier stage produced; a stage that needs one runs only after it.
    private static string ModelOf(StageContext context, string stage) =>
        context.Earlier.TryGetValue(stage, out var r) && r.Model is { } m ? m
        : throw new R1SharpException($"stage '{stage}' left no model; remove its directory under the run to redo it");

    // A metric an earlier stage recorded.
    private static double MetricOf(StageContext context, string stage, string metric) =>
        context.Earlier.TryGetValue(stage, out var r) && r.Metrics.TryGetValue(metric, out var v) && v is { } x ? x
        : throw new R1SharpException($"stage '{stage}' recorded no {metric}; remove its directory under the run to redo it");

    /// <summary>
    /// Evaluates the model in <paramref name="model"/> as `r1 eval --task chain-sum` does (the first
    /// <see cref="DistillRecipeOptions.EvalProblems"/> held-out problems of `r1 zero`, k = <see cref="DistillRecipeOptions.EvalK"/>,
    /// temperature 0.6, top-p 0.95, seed 1234, r1-zero template), writing its records to DIR/eval.jsonl (a rerun continues
    /// them); returns pass1, cons and mean_length.
    /// </summary>
    public static Dictionary<string, double?> Evaluate(string model, string directory, DistillRecipeOptions o, Action<string> log, CancellationToken ct)
    {
        var problems = ZeroTask.EvalProblems(o.EvalProblems);
        var options = new EvalOptions { K = o.EvalK, MaxNewTokens = ZeroTask.MaxCompletionTokens }.Validate();
        string full = Path.GetFullPath(model);
        var run = EvalRunKey.Create(full, EvalRunKey.FingerprintModel(full), problems, options, null, "r1-zero", "f32");
        log($"evaluating {full} on {problems.Count} held-out problems (k = {options.K}) ...");
        EvalResult result;
        using (var backend = LocalEvalBackend.Load(full, d => ChatTemplate.ForModel(d, "r1-zero"), options, null, full))
            result = EvalRunner.RunAsync(backend, problems, options.K, Path.Combine(directory, "eval.jsonl"), null, ct, run).GetAwaiter().GetResult();
        ct.ThrowIfCancellationRequested(); // a cut-short evaluation is not a result
        var s = result.Summary;
        log(FormattableString.Invariant($"pass@1 {s.PassAt1:P1}, cons@{s.K} {s.ConsAtK:P1}, mean length {s.MeanLength:0.0} tokens"));
        return new() { ["pass1"] = s.PassAt1, ["cons"] = s.ConsAtK, ["mean_length"] = s.MeanLength };
    }

    /// <summary>
    /// Runs <paramref name="work"/> and adds its wall time to <paramref name="name"/> in DIR/seconds.json, also when it is
    /// cancelled, so an interrupted and resumed stage counts every run's time; returns the total.
    /// </summary>
    public static double Timed(string directory, string name, Action work)
    {
        string path = Path.Combine(directory, "seconds.json");
        var seconds = File.Exists(path) ? JsonSerializer.Deserialize<Dictionary<string, double>>(File.ReadAllText(path)) ?? [] : [];
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try { work(); }
        finally
        {
            seconds[name] = seconds.GetValueOrDefault(name) + clock.Elapsed.TotalSeconds;
            AtomicFile.WriteAllText(path, JsonSerializer.Serialize(seconds));
        }
        return seconds[name];
    }
}
