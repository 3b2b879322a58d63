// `r1 zero`: the R1-Zero experiment end to end (R1-METHOD.md §4.1, §5) — evaluate the base model on held-out
// problems, run GRPO (GrpoTrainer) with the R1-Zero template and rule rewards, evaluate the result, write the run directory.
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using R1Sharp.Evaluation;
using R1Sharp.Formats.Config;
using R1Sharp.Generation;
using R1Sharp.Models;
using R1Sharp.Text;
using R1Sharp.Training.Grpo;
using R1Sharp.Training.Infrastructure;

namespace R1Sharp.Recipes.Zero;

/// <summary>Options of <see cref="ZeroRun.Run"/>; the defaults are tuned for a 2-core CPU and the committed base.</summary>
public sealed record ZeroOptions
{
    /// <summary>Base model directory; null = the committed base of <see cref="Arch"/> (<see cref="DefaultBase"/>).</summary>
    public string? BaseModel { get; init; }
    /// <summary>Architecture the base must have (qwen2, llama, deepseek_v3); null = whatever the base is.</summary>
    public string? Arch { get; init; }
    /// <summary>Run directory (metrics, completions, evaluations, checkpoint, summary).</summary>
    public required string OutDirectory { get; init; }
    /// <summary>Continue from OutDirectory's checkpoint.</summary>
    public bool Resume { get; init; }
    /// <summary>Replace the earlier run in OutDirectory (its files are removed first) instead of refusing a non-empty one.</summary>
    public bool Overwrite { get; init; }
    /// <summary>Held-out problems evaluated before and after.</summary>
    public int EvalProblems { get; init; } = 100;
    /// <summary>Samples per held-out problem (k of pass@1 and cons@k).</summary>
    public int EvalK { get; init; } = 8;
    /// <summary>Training problems (one shuffled pass per epoch).</summary>
    public int TrainProblems { get; init; } = 2000;
    /// <summary>GRPO hyper-parameters (max_steps, seed, …): see <see cref="DefaultGrpo"/>.</summary>
    public GrpoConfig Grpo { get; init; } = DefaultGrpo;

    /// <summary>
    /// The defaults: G = 8 samples × 8 prompts per step, 300 steps (~2 min on 2 cores), AdamW lr 1e-4 held constant
    /// (60 steps at 5e-5 already gain +21 pass@1 points; 300 at 1e-4 make every completion think and gain ~40), β = 0,
    /// ε = 0.2, μ = 1, loss bnpo, group-scaled advantages, rollouts at temperature 1.0, rewards accuracy + format,
    /// completions up to 96 tokens; a checkpoint every 50 steps (the newest kept), completions logged every step.
    /// </summary>
    public static GrpoConfig DefaultGrpo { get; } = new()
    {
        MaxSteps = 300, NumGenerations = 8, GenerationBatchSize = 64, PerDeviceTrainBatchSize = 64, LearningRate = 1e-4,
        LrSchedulerType = LrSchedulerType.Constant, Beta = 0, Epsilon = 0.2, LossType = LossType.Bnpo,
        ScaleRewards = ScaleRewards.Group, Temperature = 1.0, TopP = 1.0, MaxCompletionLength = ZeroTask.MaxCompletionTokens,
        RewardFuncs = ["accuracy", "format"], SaveSteps = 50, SaveTotalLimit = 1, LoggingSteps = 10, LogCompletionsSteps = 1,
        Seed = 1, MaxPromptLength = 256, Template = "r1-zero",
    };

    /// <summary>The committed base model of an architecture: models/chain-sum-base (qwen2), models/chain-sum-base-v3
    /// (deepseek_v3), else models/chain-sum-base-{arch} (make it with `r1 pretrain --arch`).</summary>
    public static string DefaultBase(string? arch) => arch switch
    {
        null or "qwen2" => "models/chain-sum-base",
        "deepseek_v3" => "models/chain-sum-base-v3",
        _ => $"models/chain-sum-base-{arch}",
    };
}

/// <summary>summary.json of a run; Seconds is this session's wall time (a resumed run counts only its own).</summary>
public sealed record ZeroSummary(double BasePass1, double FinalPass1, double BaseCons8, double FinalCons8,
    double BaseMeanLength, double FinalMeanLength, int Steps, double Seconds)
{
    /// <summary>The trained model: the run's last checkpoint directory (an HF model directory).</summary>
    [JsonPropertyName("model")] public string? Model { get; init; }
}

/// <summary>The experiment (see file header). Files in the run directory: see <see cref="Run"/>.</summary>
public static class ZeroRun
{
    /// <summary>The PNG charts drawn from metrics.jsonl against step (GrpoTrainer's metric keys).</summary>
    public static readonly ChartSpec[] ChartSpecs =
    [
        new("reward.png", "reward (accuracy + format)", ["reward", "rewards/format/mean"]),
        new("accuracy.png", "rollout accuracy and share of completions that think", ["accuracy", "completions/thinking_fraction"]),
        new("completion_length.png", "completion length (tokens)", ["completions/mean_length"]),
    ];

    /// <summary>
    /// Writes eval_base.jsonl, metrics.jsonl, completions.jsonl, checkpoint-N/ (an HF model directory with
    /// optimizer.safetensors and trainer_state.json, every save_steps, on cancellation and at the end; only the newest
    /// is kept), charts (reward/accuracy/completion_length.png and GrpoTrainer's), eval_final.jsonl and summary.json.
    /// Cancelling writes a checkpoint of the last finished step and throws <see cref="OperationCanceledException"/>;
    /// <see cref="ZeroOptions.Resume"/> continues from it (weights, AdamW moments, prompt stream and seeds).
    /// </summary>
    public static (ZeroSummary Summary, EvalResult Base, EvalResult Final) Run(ZeroOptions options, Action<string> log, CancellationToken ct = default)
    {
        var clock = Stopwatch.StartNew();
        string outDir = options.OutDirectory;
        var files = new ZeroFiles(outDir);
        string baseModel = Path.GetFullPath(options.BaseModel ?? ZeroOptions.DefaultBase(options.Arch));
        string modelDir = baseModel;
        if (options.Resume)
        {
            modelDir = Checkpointer.Latest(outDir)
                ?? throw new R1SharpException($"--resume: {outDir} has no checkpoint-N with trainer_state.json; start a new run instead");
            baseModel = ZeroFiles.BaseModelOf(modelDir) is { } b && Directory.Exists(b) ? b : baseModel;
        }
        else
        {
            if (options.Overwrite) RunDirectory.Prepare(outDir, RunStart.Overwrite, "--out");
            else if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any())
                throw new R1SharpException($"--out {outDir}: the directory exists and is not empty; choose another, pass --resume to continue its run or --overwrite to replace it");
            if (!File.Exists(Path.Combine(baseModel, "config.json")))
                throw new R1SharpException($"--base {baseModel}: no config.json; make one with `r1 pretrain --task chain-sum --arch {options.Arch ?? "qwen2"} --out {baseModel}`");
        }
        var config = ModelConfig.Load(modelDir);
        if (options.Arch is { } arch && arch != config.ModelType)
            throw new R1SharpException($"--arch {arch}: the base model {baseModel} is {config.ModelType}; pass --arch {config.ModelType} or a {arch} --base");
        var grpo = (options.Grpo with { OutputDir = outDir, ModelNameOrPath = baseModel }).Validate();
        Directory.CreateDirectory(outDir);

        var tokenizer = HfTokenizer.Load(modelDir);
        using var model = DecoderModel.Load(modelDir);
        using var generator = new Generator(model, tokenizer, GenerationConfig.Load(modelDir));
        var evalOptions = new EvalOptions { K = options.EvalK, MaxNewTokens = grpo.MaxCompletionLength, Seed = (ulong)grpo.Seed };
        var heldOut = ZeroTask.EvalProblems(options.EvalProblems);
        var baseEval = options.Resume ? files.ReadEval("base") : null;
        if (baseEval is null)
        {
            if (options.Resume) throw new R1SharpException($"--resume: {outDir} has no eval_base.jsonl; start a new run instead");
            log($"evaluating the base model on {heldOut.Count} held-out problems (k = {evalOptions.K}) ...");
            baseEval = Evaluator.Run(generator, heldOut, ZeroTask.Template, evalOptions, ct);
            ct.ThrowIfCancellationRequested(); // a cut-short evaluation is not a result
            files.WriteEval("base", baseEval);
        }
        log($"base: pass@1 {baseEval.Summary.PassAt1:P1}, cons@{evalOptions.K} {baseEval.Summary.ConsAtK:P1}, mean length {baseEval.Summary.MeanLength:0.0}");

        var result = Train(options, grpo, model, tokenizer, baseModel, files, log, ct);
        if (result.Interrupted)
        {
            log($"interrupted after step {result.Steps}; checkpoint in {result.LastCheckpoint}; continue with --resume --out {outDir}");
            throw new OperationCanceledException(ct);
        }
        Charts.RenderAll(Path.Combine(outDir, MetricsLog.FileName), ChartSpecs);

        log($"evaluating the trained model on {heldOut.Count} held-out problems ...");
        var finalEval = Evaluator.Run(generator, heldOut, ZeroTask.Template, evalOptions, ct);
        ct.ThrowIfCancellationRequested();
        files.WriteEval("final", finalEval);
        var summary = new ZeroSummary(baseEval.Summary.PassAt1, finalEval.Summary.PassAt1, baseEval.Summary.ConsAtK,
            finalEval.Summary.ConsAtK, baseEval.Summary.MeanLength, finalEval.Summary.MeanLength, result.Steps,
            clock.Elapsed.TotalSeconds) { Model = result.LastCheckpoint };
        File.WriteAllText(Path.Combine(outDir, "summary.json"), JsonSerializer.Serialize(summary, ZeroText.JsonIndented));
        return (summary, baseEval, finalEval);
    }

    // GRPO on the training problems rendered with the plain-text R1-Zero template (the base has no chat template).
    private static GrpoRunResult Train(ZeroOptions options, GrpoConfig grpo, DecoderModel model, HfTokenizer tokenizer,
        string baseModel, ZeroFiles files, Action<string> log, CancellationToken ct)
    {
        var problems = ZeroTask.TrainProblems(options.TrainProblems, (ulong)grpo.Seed).Select(p => (p.Question, (string?)p.Answer));
        var prompts = GrpoPrompts.Render(problems, ZeroTask.Template, tokenizer, grpo.MaxPromptLength);
        if (options.Resume && Checkpointer.Latest(grpo.OutputDir) is { } latest)
            files.TruncateCompletions(TrainerState.Parse(File.ReadAllText(Path.Combine(latest, TrainerState.FileName)), latest).GlobalStep);
        using var trainer = new GrpoTrainer(grpo, model, tokenizer, prompts, GrpoTrainer.RewardsFromConfig(grpo), new GrpoRunOptions
        {
            Resume = options.Resume, TokenizerSource = baseModel, Log = log,
        });
        return trainer.Train(ct);
    }
}
