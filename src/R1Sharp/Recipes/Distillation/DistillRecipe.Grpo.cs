// The recipe's GRPO runs, each as `r1 zero` trains (its default hyper-parameters, accuracy + format rewards, the task's
// training problems): the teacher (stage 1), the student alone for the time distillation took (stage 5) and the distilled
// student (stage 6). Equal time is made deterministic: a short probe run times a GRPO step of the student, the step
// count = (distill + SFT seconds) / (probe step seconds) is written to plan.json once, and the run is then an ordinary
// fixed-step run (resumable, the same on a rerun); the seconds its steps actually took are recorded beside the budget.
using System.Globalization;
using System.Text.Json;
using R1Sharp.Formats.Config;
using R1Sharp.IO;
using R1Sharp.Recipes.R1;
using R1Sharp.Recipes.Zero;
using R1Sharp.Text;
using R1Sharp.Training.Grpo;
using R1Sharp.Training.Infrastructure;

namespace R1Sharp.Recipes.Distillation;

/// <summary>The RL-only run's step count and how it was chosen (OUT/seed-N/05-rl-only/plan.json).</summary>
/// <param name="BudgetSeconds">Seconds distillation (teacher sampling + SFT) took: the time RL gets.</param>
/// <param name="ProbeStepSeconds">Mean rollout + update seconds of the probe's steps after its first.</param>
/// <param name="Steps">GRPO steps = max(1, round(budget / probe step)).</param>
public sealed record RlPlan(double BudgetSeconds, double ProbeStepSeconds, int Steps);

public static partial class DistillRecipe
{
    private static StageResult RunRlOnly(StageContext c, DistillRecipeOptions o, int seed, Action<string> log)
    {
        string student = ModelOf(c, StudentStage);
        var plan = Plan(c, student, MetricOf(c, SftStage, TrainSeconds), seed, o, log);
        log(FormattableString.Invariant($"RL only: {plan.Steps} GRPO steps (distill + SFT took {plan.BudgetSeconds:0.0} s; a step ~{plan.ProbeStepSeconds:0.00} s)"));
        var (model, seconds, steps) = Grpo(c, "grpo", student, plan.Steps, seed, o, log);
        var metrics = Evaluate(model, c.Directory, o, log, c.Cancel);
        metrics[TrainSeconds] = seconds;
        metrics["rl_steps"] = steps;
        metrics["budget_seconds"] = plan.BudgetSeconds;
        metrics["probe_step_seconds"] = plan.ProbeStepSeconds;
        return new StageResult { Model = model, Metrics = metrics };
    }

    private static StageResult RunDistillRl(StageContext c, DistillRecipeOptions o, int seed, Action<string> log)
    {
        int steps = o.ThenRlSteps ?? (int)MetricOf(c, RlOnlyStage, "rl_steps");
        log($"distilled + RL: {steps} GRPO steps from the distilled student");
        var (model, seconds, done) = Grpo(c, "grpo", ModelOf(c, SftStage), steps, seed, o, log);
        var metrics = Evaluate(model, c.Directory, o, log, c.Cancel);
        metrics["rl_seconds"] = seconds;
        metrics[TrainSeconds] = seconds + MetricOf(c, SftStage, TrainSeconds); // distillation's cost, then RL's
        metrics["rl_steps"] = done;
        return new StageResult { Model = model, Metrics = metrics };
    }

    // plan.json of the stage: made once by a probe run (then removed), read back by a resumed stage.
    private static RlPlan Plan(StageContext c, string student, double budget, int seed, DistillRecipeOptions o, Action<string> log)
    {
        string path = Path.Combine(c.Directory, "plan.json");
        if (File.Exists(path))
            return JsonSerializer.Deserialize<RlPlan>(File.ReadAllText(path)) ?? throw new R1SharpException($"{path}: empty plan; remove {c.Directory} to redo the stage");
        log($"timing {o.ProbeSteps} GRPO steps of the student ...");
        string probe = Path.Combine(c.Directory, "probe");
        Grpo(c with { Resume = false }, "probe", student, o.ProbeSteps, seed, o, log);
        var steps = MetricsLog.Read(Path.Combine(probe, MetricsLog.FileName)).Skip(1).Select(StepSeconds).ToList(); // the first pays warm-up
        double step = steps.Average();
        var plan = new RlPlan(budget, step, Math.Max(1, (int)Math.Round(budget / step, MidpointRounding.AwayFromZero)));
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(plan));
        Directory.Delete(probe, recursive: true);
        return plan;
    }

    private static double StepSeconds(IReadOnlyDictionary<string, double> row) =>
        row.GetValueOrDefault("time/rollout_s") + row.GetValueOrDefault("time/update_s");

    /// <summary>
    /// GRPO as `r1 zero` from <paramref name="startModel"/> for <paramref name="steps"/> steps into STAGE/<paramref name="folder"/>,
    /// continuing from its newest checkpoint when the stage resumes. Returns the final checkpoint (the model), the
    /// seconds its steps took (rollout + update, from metrics.jsonl: resumed steps counted, evaluation and saving not) and the steps.
    /// </summary>
    private static (string Model, double Seconds, int Steps) Grpo(StageContext c, string folder, string startModel, int steps, int seed,
        DistillRecipeOptions o, Action<string> log)
    {
        string dir = Path.Combine(c.Directory, folder);
        var latest = c.Resume ? GrpoTrainer.LatestCheckpoint(dir) : null;
        if (latest is null) RunDirectory.Prepare(dir, RunStart.Overwrite, "stage directory");
        string modelDir = latest?.Directory ?? startModel;
        int batch = o.PromptsPerStep * o.Generations;
        var config = (ZeroOptions.DefaultGrpo with
        {
            MaxSteps = steps, NumGenerations = o.Generations, GenerationBatchSize = batch, PerDeviceTrainBatchSize = batch, Seed = seed,
            OutputDir = dir, ModelNameOrPath = startModel,
        }).Validate();
        var tokenizer = HfTokenizer.Load(modelDir);
        using var model = PeftSetup.Load(modelDir, config, config.DType, config.Seed);
        var problems = ZeroTask.TrainProblems(new ZeroOptions { OutDirectory = dir }.TrainProblems, (ulong)seed).Select(p => (p.Question, (string?)p.Answer));
        var prompts = GrpoPrompts.Render(problems, ZeroTask.Template, tokenizer, config.MaxPromptLength);
        using var trainer = new GrpoTrainer(config, model, tokenizer, prompts, GrpoTrainer.RewardsFromConfig(config), new GrpoRunOptions
        {
            Resume = latest is not null, TokenizerSource = startModel, GenerationConfig = GenerationConfig.Load(startModel),
            Charts = ZeroRun.ChartSpecs, Log = log,
        });
        var result = trainer.Train(c.Cancel);
        if (result.Interrupted)
        {
            log($"interrupted after GRPO step {result.Steps}; checkpoint in {result.LastCheckpoint}; rerun the same command to continue");
            throw new OperationCanceledException(c.Cancel);
        }
        double seconds = MetricsLog.Read(Path.Combine(dir, MetricsLog.FileName)).Sum(StepSeconds);
        log(string.Create(CultureInfo.InvariantCulture, $"GRPO: {result.Steps} steps in {seconds:0.0} s (rollout + update) -> {result.LastCheckpoint}"));
        return (result.LastCheckpoint!, seconds, result.Steps);
    }
}
