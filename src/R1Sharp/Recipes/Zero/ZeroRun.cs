// `r1 zero`: the R1-Zero experiment end to end (R1-METHOD.md §4.1, §5) — evaluate the base model on held-out
// problems, run GRPO (GrpoTrainer) with the R1-Zero template and rule rewards, evaluate the result, write the run
// directory. The recipe composes the trainer: it evaluates with the trainer's own generator and never reads the
// trainer's files (checkpoints, metrics, completions, charts are the trainer's).
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using R1Sharp.Evaluation;
using R1Sharp.Formats.Config;
using R1Sharp.Models;
using R1Sharp.Text;
using R1Sharp.Training.Distributed;
using R1Sharp.Training.Grpo;
using R1Sharp.Training.Infrastructure;

namespace R1Sharp.Recipes.Zero;

/// <summary>summary.json of a run: pass@1 over <see cref="K"/> samples and cons@K before and after, mean completion
/// lengths, steps; Seconds is this session's wall time (a resumed run counts only its own).</summary>
public sealed record ZeroSummary(double BasePass1, double FinalPass1, int K, double BaseConsAtK, double FinalConsAtK,
    double BaseMeanLength, double FinalMeanLength, int Steps, double Seconds)
{
    /// <summary>The trained model: the run's last checkpoint directory (an HF model directory).</summary>
    [JsonPropertyName("model")] public string? Model { get; init; }

    /// <summary>MoE load balance of the base's held-out evaluation (deepseek_v3 bases; null for dense ones).</summary>
    [JsonPropertyName("base_moe_load")] public MoeLoadSummary? BaseMoeLoad { get; init; }
    /// <summary>MoE load balance of the trained model's held-out evaluation (null for dense models).</summary>
    [JsonPropertyName("final_moe_load")] public MoeLoadSummary? FinalMoeLoad { get; init; }
    /// <summary>The task trained on (chain-sum or chain-sum-bilingual).</summary>
    [JsonPropertyName("task")] public string Task { get; init; } = Tasks.ChainSumTask.Name;
    /// <summary>Share of the reasoning in the question's language, before and after (null when nothing reasons in words).</summary>
    [JsonPropertyName("base_language_consistency")] public double? BaseLanguageConsistency { get; init; }
    /// <summary>As <see cref="BaseLanguageConsistency"/>, of the trained model.</summary>
    [JsonPropertyName("final_language_consistency")] public double? FinalLanguageConsistency { get; init; }
}

/// <summary>
/// How evenly the routed experts were used over one evaluation, all MoE layers together: MaxVio = max load / mean
/// load − 1 (DeepSeek-V3's balance measure), and the least and most used experts' shares of the routed tokens.
/// </summary>
public sealed record MoeLoadSummary(
    [property: JsonPropertyName("max_vio")] double MaxViolation,
    [property: JsonPropertyName("min_frac")] double MinFraction,
    [property: JsonPropertyName("max_frac")] double MaxFraction);

/// <summary>The experiment (see file header). Files in the run directory: see <see cref="Run"/>.</summary>
public static class ZeroRun
{
    /// <summary>
    /// The PNG charts the trainer draws from metrics.jsonl: the R1-Zero views (reward, accuracy and thinking, length),
    /// then GrpoTrainer's other charts; one spec per file, so no chart overwrites another.
    /// </summary>
    public static readonly ChartSpec[] ChartSpecs =
    [
        new("reward.png", "reward (accuracy + format)", ["reward", "rewards/format/mean"]),
        new("accuracy.png", "rollout accuracy and share of completions that think", ["accuracy", "completions/thinking_fraction"]),
        new("completion_length.png", "completion length (tokens)", ["completions/mean_length"]),
        .. GrpoTrainer.ChartSpecs.Where(c => c.FileName is not ("reward.png" or "completion_length.png")),
    ];

    /// <summary>
    /// Writes eval_base.jsonl, then (through GrpoTrainer) metrics.jsonl, completions.jsonl, checkpoint-N/ (an HF model
    /// directory with optimizer.safetensors and trainer_state.json, every save_steps, on cancellation and at the end;
    /// only the newest is kept) and the charts of <see cref="ChartSpecs"/>, then eval_final.jsonl and summary.json.
    /// Cancelling writes a checkpoint of the last finished step and throws <see cref="OperationCanceledException"/>;
    /// <see cref="ZeroOptions.Resume"/> continues from it (weights, AdamW moments, prompt stream and seeds).
    /// </summary>
    public static (ZeroSummary Summary, EvalResult Base, EvalResult Final) Run(ZeroOptions options, Action<string> log, CancellationToken ct = default)
    {
        // 1. Config: validated once; on resume the model comes from the checkpoint, the base from its config.
        var clock = Stopwatch.StartNew();
        // Under mpirun rank 0 checks and prepares the run directory first; every rank then trains (and evaluates the
        // same samples), only rank 0 writes files and logs.
        var parallel = DataParallel.Current;
        if (!parallel.IsMain) log = _ => { };
        var (grpo, modelDir) = ConfigureOnRanks(options, parallel);
        var files = new ZeroFiles(options.OutDirectory);

        // 2. Setup: one model, one trainer, one generator (rollouts and evaluation stop on the same EOS ids).
        var tokenizer = HfTokenizer.Load(modelDir);
        // LoRA: the base with fresh adapters (a resumed run's adapter values come from its checkpoint in Train).
        using var model = PeftSetup.Load(grpo.UsePeft ? grpo.ModelNameOrPath! : modelDir, grpo, grpo.DType, grpo.Seed);
        bool bilingual = options.Task == Tasks.BilingualChainSum.Name;
        var problems = (bilingual ? BilingualTask.TrainProblems(options.TrainProblems, (ulong)grpo.Seed)
            : ZeroTask.TrainProblems(options.TrainProblems, (ulong)grpo.Seed)).Select(p => (p.Question, (string?)p.Answer));
        var prompts = GrpoPrompts.Render(problems, ZeroTask.Template, tokenizer, grpo.MaxPromptLength);
        using var trainer = new GrpoTrainer(grpo, model, tokenizer, prompts, GrpoTrainer.RewardsFromConfig(grpo), new GrpoRunOptions
        {
            Resume = options.Resume, TokenizerSource = grpo.ModelNameOrPath, GenerationConfig = GenerationConfig.Load(modelDir),
            Charts = ChartSpecs, Log = log,
        });
        var evalOptions = new EvalOptions { K = options.EvalK, MaxNewTokens = grpo.MaxCompletionLength, Seed = (ulong)grpo.Seed };
        var heldOut = bilingual ? BilingualTask.EvalProblems(options.EvalProblems) : ZeroTask.EvalProblems(options.EvalProblems);

        // 3. Evaluate the base (a resumed run reuses its evaluation), train, evaluate the result.
        var moe = Models.DeepSeekV3.MoeBalancer.For(model, 0);   // measures expert loads during the evaluations (γ 0: no update)
        moe?.BeginStep();
        var baseEval = options.Resume
            ? files.ReadEval("base") ?? throw new R1SharpException($"--resume: {options.OutDirectory} has no eval_base.jsonl; start a new run instead")
            : Evaluate(trainer, "base", heldOut, evalOptions, parallel.IsMain ? files : null, log, ct);
        var baseMoe = options.Resume ? null : LoadOf(moe);
        log($"base: pass@1 {baseEval.Summary.PassAt1:P1}, cons@{evalOptions.K} {baseEval.Summary.ConsAtK:P1}, mean length {baseEval.Summary.MeanLength:0.0}");
        var result = trainer.Train(ct);
        if (result.Interrupted)
        {
            log($"interrupted after step {result.Steps}; checkpoint in {result.LastCheckpoint}; continue with --resume --out {options.OutDirectory}");
            throw new OperationCanceledException(ct);
        }
        moe?.BeginStep();
        var finalEval = Evaluate(trainer, "final", heldOut, evalOptions, parallel.IsMain ? files : null, log, ct);
        var finalMoe = LoadOf(moe);

        // 4. Summary.
        var summary = new ZeroSummary(baseEval.Summary.PassAt1, finalEval.Summary.PassAt1, evalOptions.K, baseEval.Summary.ConsAtK,
            finalEval.Summary.ConsAtK, baseEval.Summary.MeanLength, finalEval.Summary.MeanLength, result.Steps,
            clock.Elapsed.TotalSeconds)
        {
            Model = result.LastCheckpoint, BaseMoeLoad = baseMoe, FinalMoeLoad = finalMoe, Task = options.Task,
            BaseLanguageConsistency = baseEval.Summary.LanguageConsistency, FinalLanguageConsistency = finalEval.Summary.LanguageConsistency,
        };
        if (parallel.IsMain) File.WriteAllText(Path.Combine(options.OutDirectory, "summary.json"), JsonSerializer.Serialize(summary, ZeroText.JsonIndented));
        return (summary, baseEval, finalEval);
    }

    // The expert loads counted since the balancer's last BeginStep (γ 0 leaves the biases alone); null without MoE.
    private static MoeLoadSummary? LoadOf(Models.DeepSeekV3.MoeBalancer? moe) =>
        moe?.AfterOptimizerStep() is { Assignments: > 0 } l ? new MoeLoadSummary(l.MaxViolation, l.MinFraction, l.MaxFraction) : null;

    // The held-out evaluation with the trainer's generator, written as eval_{name}.jsonl; a cut-short one is not a result.
    private static EvalResult Evaluate(GrpoTrainer trainer, string name, IReadOnlyList<Data.Problem> problems, EvalOptions options,
        ZeroFiles? files, Action<string> log, CancellationToken ct)
    {
        log(name == "base" ? $"evaluating the base model on {problems.Count} held-out problems (k = {options.K}) ..."
            : $"evaluating the trained model on {problems.Count} held-out problems ...");
        var result = Evaluator.Run(trainer.TextGenerator, problems, ZeroTask.Template, options, ct);
        ct.ThrowIfCancellationRequested();
        files?.WriteEval(name, result);
        return result;
    }

    private static (GrpoConfig Grpo, string ModelDir) ConfigureOnRanks(ZeroOptions options, DataParallel parallel)
    {
        if (!parallel.IsMain) parallel.Barrier();
        var configured = Configure(options, prepare: parallel.IsMain);
        if (parallel.IsMain) parallel.Barrier();
        return configured;
    }

    // Checks the run directory and the base, and returns the validated GRPO config and the model directory to load;
    // without prepare (ranks other than 0, after rank 0 prepared it) it only reads.
    private static (GrpoConfig Grpo, string ModelDir) Configure(ZeroOptions options, bool prepare)
    {
        string outDir = options.OutDirectory;
        if (options.Task != Tasks.ChainSumTask.Name && options.Task != Tasks.BilingualChainSum.Name)
            throw new R1SharpException($"--task: unknown task '{options.Task}'; use {Tasks.ChainSumTask.Name} or {Tasks.BilingualChainSum.Name}");
        string baseModel = Path.GetFullPath(options.BaseModel ?? ZeroOptions.DefaultBase(options.Arch, options.Task));
        string modelDir = baseModel;
        if (options.Resume)
        {
            var (checkpoint, saved) = GrpoTrainer.LatestCheckpoint(outDir)
                ?? throw new R1SharpException($"--resume: {outDir} has no checkpoint-N with trainer_state.json; start a new run instead");
            if (saved.ModelNameOrPath is { } b && Directory.Exists(b)) baseModel = b;
            modelDir = options.Grpo.UsePeft ? baseModel : checkpoint;   // a LoRA checkpoint is an adapter, not a model
        }
        else if (prepare)
        {
            if (options.Overwrite) RunDirectory.Prepare(outDir, RunStart.Overwrite, "--out");
            else if (Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any())
                throw new R1SharpException($"--out {outDir}: the directory exists and is not empty; choose another, pass --resume to continue its run or --overwrite to replace it");
            if (!File.Exists(Path.Combine(baseModel, "config.json")))
                throw new R1SharpException(options.BaseModel is { } given
                    ? $"--base {given}: no config.json; make a base with `r1 pretrain --task {options.Task} --arch {options.Arch ?? "qwen2"} --out {given}`"
                    : $"--arch {options.Arch}: no committed base ships for it (r1 has qwen2 and deepseek_v3); make one with " +
                      $"`r1 pretrain --task chain-sum --arch {options.Arch} --out DIR` and pass --base DIR");
        }
        var config = ModelConfig.Load(modelDir);
        if (options.Arch is { } arch && arch != config.ModelType)
            throw new R1SharpException($"--arch {arch}: the base model {baseModel} is {config.ModelType}; pass --arch {config.ModelType} or a {arch} --base");
        var grpo = (options.Grpo with { OutputDir = outDir, ModelNameOrPath = baseModel }).Validate();
        if (prepare) Directory.CreateDirectory(outDir);
        return (grpo, modelDir);
    }
}
