// `r1 zero`: the R1-Zero experiment end to end (R1-METHOD.md §4.1, §5) — evaluate the base model on held-out
// problems, run GRPO with the R1-Zero template and rule rewards, evaluate the result, write the run directory.
using System.Diagnostics;
using System.Text.Json;
using R1Sharp.Evaluation;
using R1Sharp.Training.Grpo;
using R1Sharp.Training.Infrastructure;

namespace R1Sharp.Training.Zero;

/// <summary>Options of <see cref="ZeroRun.Run"/>; the defaults are tuned for a 2-core CPU and the committed base.</summary>
public sealed record ZeroOptions
{
    /// <summary>Base model directory.</summary>
    public string BaseModel { get; init; } = "models/chain-sum-base";
    /// <summary>Run directory (metrics, completions, evaluations, checkpoint, summary).</summary>
    public required string OutDirectory { get; init; }
    /// <summary>Continue from OutDirectory's checkpoint.</summary>
    public bool Resume { get; init; }
    /// <summary>Held-out problems evaluated before and after.</summary>
    public int EvalProblems { get; init; } = 100;
    /// <summary>Samples per held-out problem (k of pass@1 and cons@k).</summary>
    public int EvalK { get; init; } = 8;
    /// <summary>Training problems (cycled).</summary>
    public int TrainProblems { get; init; } = 2000;
    /// <summary>GRPO hyper-parameters (max_steps, seed, …): see <see cref="DefaultGrpo"/>.</summary>
    public GrpoConfig Grpo { get; init; } = DefaultGrpo;

    /// <summary>
    /// The defaults: G = 8 samples × 8 prompts per step, 300 steps (~1.5 min on 2 cores), AdamW lr 1e-4 (60 steps at
    /// 5e-5 already gain +21 pass@1 points; 300 at 1e-4 make every completion think and gain ~40), β = 0, ε = 0.2,
    /// loss bnpo, group-scaled advantages, rollouts at temperature 1.0, rewards accuracy + format, completions up to
    /// 96 tokens.
    /// </summary>
    public static GrpoConfig DefaultGrpo { get; } = new()
    {
        MaxSteps = 300, NumGenerations = 8, GenerationBatchSize = 64, PerDeviceTrainBatchSize = 64, LearningRate = 1e-4,
        Beta = 0, Epsilon = 0.2, LossType = LossType.Bnpo, ScaleRewards = ScaleRewards.Group, Temperature = 1.0, TopP = 1.0,
        MaxCompletionLength = ZeroTask.MaxCompletionTokens, RewardFuncs = ["accuracy", "format"], SaveSteps = 10, Seed = 1,
        MaxPromptLength = 256,
    };
}

/// <summary>summary.json of a run; Seconds is this session's wall time (a resumed run counts only its own).</summary>
public sealed record ZeroSummary(double BasePass1, double FinalPass1, double BaseCons8, double FinalCons8,
    double BaseMeanLength, double FinalMeanLength, int Steps, double Seconds);

/// <summary>The experiment (see file header). Files in the run directory: see <see cref="Run"/>.</summary>
public static class ZeroRun
{
    /// <summary>The PNG charts drawn from metrics.jsonl against step.</summary>
    public static readonly ChartSpec[] ChartSpecs =
    [
        new("reward.png", "reward (accuracy + format)", ["reward", "format"]),
        new("accuracy.png", "rollout accuracy and share of completions that think", ["accuracy", "thinking_fraction"]),
        new("completion_length.png", "completion length (tokens)", ["completion_length"]),
    ];

    /// <summary>
    /// Writes eval_base.jsonl, metrics.jsonl, completions.jsonl, reward/accuracy/completion_length.png, checkpoint/ (an HF model directory + trainer_state.json,
    /// replaced atomically every save_steps), eval_final.jsonl and summary.json into the run directory. Cancelling leaves
    /// the last checkpoint intact; <see cref="ZeroOptions.Resume"/> continues from it.
    /// </summary>
    public static (ZeroSummary Summary, EvalResult Base, EvalResult Final) Run(ZeroOptions options, Action<string> log, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        var grpo = options.Grpo.Validate();
        string outDir = options.OutDirectory;
        var files = new ZeroFiles(outDir);
        int startStep = 0;
        string modelDir = options.BaseModel;
        if (options.Resume)
        {
            startStep = files.ReadCheckpointStep() ?? throw new R1SharpException($"--resume: {files.Checkpoint} has no trainer_state.json; start a new run instead");
            modelDir = files.Checkpoint;
            files.TruncateLogs(startStep);
            log($"resuming from step {startStep} ({files.Checkpoint}); AdamW moments restart from zero");
        }
        else
        {
            if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any())
                throw new R1SharpException($"--out {outDir}: the directory exists and is not empty; choose another or pass --resume");
            if (!File.Exists(Path.Combine(options.BaseModel, "config.json")))
                throw new R1SharpException($"--base {options.BaseModel}: no config.json; make one with `r1 pretrain --task chain-sum --out {options.BaseModel}`");
            Directory.CreateDirectory(outDir);
        }

        using var generator = R1Sharp.Generation.Generator.Load(modelDir);
        var evalOptions = new EvalOptions { K = options.EvalK, MaxNewTokens = ZeroTask.MaxCompletionTokens, Seed = (ulong)grpo.Seed };
        var heldOut = ZeroTask.EvalProblems(options.EvalProblems);
        EvalResult baseEval;
        if (options.Resume && files.ReadEval("base") is { } saved) baseEval = saved;
        else
        {
            log($"evaluating the base model on {heldOut.Count} held-out problems (k = {evalOptions.K}) ...");
            baseEval = Evaluator.Run(generator, heldOut, ZeroTask.Template, evalOptions, ct);
            ct.ThrowIfCancellationRequested(); // a cut-short evaluation is not a result
            files.WriteEval("base", baseEval);
        }
        log($"base: pass@1 {baseEval.Summary.PassAt1:P1}, cons@{evalOptions.K} {baseEval.Summary.ConsAtK:P1}, mean length {baseEval.Summary.MeanLength:0.0}");

        var trainer = new ZeroGrpo(generator, grpo, ZeroTask.TrainProblems(options.TrainProblems, (ulong)grpo.Seed));
        int done = startStep, lastSaved = startStep;
        try
        {
            for (int step = startStep + 1; step <= grpo.MaxSteps; step++)
            {
                var (metrics, completions) = trainer.Step(step, ct);
                files.AppendStep(metrics, completions);
                log($"step {step}/{grpo.MaxSteps} reward {metrics.Reward:0.000} acc {metrics.Accuracy:0.000} think {metrics.ThinkingFraction:0.00} " +
                    $"len {metrics.CompletionLength:0.0} loss {metrics.Loss:0.0000} ({metrics.Seconds:0.0} s)");
                done = step;
                if (step == grpo.MaxSteps || (grpo.SaveSteps > 0 && step % grpo.SaveSteps == 0))
                {
                    files.SaveCheckpoint(generator, options.BaseModel, modelDir, step);
                    lastSaved = step;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Ctrl+C: the step in flight is dropped (it never updated the weights); keep every finished step.
            if (done > lastSaved) files.SaveCheckpoint(generator, options.BaseModel, modelDir, done);
            log($"interrupted after step {done}; checkpoint at step {done} in {files.Checkpoint}; continue with --resume");
            throw;
        }

        Charts.RenderAll(Path.Combine(outDir, "metrics.jsonl"), ChartSpecs);
        log($"evaluating the trained model on {heldOut.Count} held-out problems ...");
        var finalEval = Evaluator.Run(generator, heldOut, ZeroTask.Template, evalOptions, ct);
        ct.ThrowIfCancellationRequested();
        files.WriteEval("final", finalEval);
        var summary = new ZeroSummary(baseEval.Summary.PassAt1, finalEval.Summary.PassAt1, baseEval.Summary.ConsAtK,
            finalEval.Summary.ConsAtK, baseEval.Summary.MeanLength, finalEval.Summary.MeanLength, grpo.MaxSteps,
            clock.Elapsed.TotalSeconds);
        File.WriteAllText(Path.Combine(outDir, "summary.json"), JsonSerializer.Serialize(summary, ZeroText.JsonIndented));
        return (summary, baseEval, finalEval);
    }
}
