// Options of `r1 zero` (ZeroRun.Run): the base model, the run directory, the held-out evaluation and the GRPO
// hyper-parameters tuned for a 2-core CPU (R1-METHOD.md §4.1).
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
    /// <summary>The built-in task: chain-sum (default) or chain-sum-bilingual (prompts alternate English and Chinese;
    /// default base models/chain-sum-bilingual-base).</summary>
    public string Task { get; init; } = Tasks.ChainSumTask.Name;
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
    /// The loss, μ and clipping are kept from the issue-16 ablation (README): 77.4 ± 0.9 % final pass@1 over 3 seeds, level
    /// with its best variant (dapo + top-20 % entropy tokens at μ = 2, 77.3 ± 2.7 %) at half the update cost.
    /// </summary>
    public static GrpoConfig DefaultGrpo { get; } = new()
    {
        MaxSteps = 300, NumGenerations = 8, GenerationBatchSize = 64, PerDeviceTrainBatchSize = 64, LearningRate = 1e-4,
        LrSchedulerType = LrSchedulerType.Constant, Beta = 0, Epsilon = 0.2, LossType = LossType.Bnpo,
        ScaleRewards = ScaleRewards.Group, Temperature = 1.0, TopP = 1.0, MaxCompletionLength = ZeroTask.MaxCompletionTokens,
        RewardFuncs = ["accuracy", "format"], SaveSteps = 50, SaveTotalLimit = 1, LoggingSteps = 10, LogCompletionsSteps = 1,
        Seed = 1, MaxPromptLength = 256, Template = "r1-zero",
    };

    /// <summary>The committed base model of an architecture as the r1 tool ships it: models/chain-sum-base (qwen2) or
    /// models/chain-sum-base-v3 (deepseek_v3) beside the program (<see cref="AppContext.BaseDirectory"/>), so `r1 zero`
    /// finds it from any folder; another architecture's base is models/chain-sum-base-{arch} there (make one with
    /// `r1 pretrain --arch` and pass it as <see cref="BaseModel"/>).</summary>
    public static string DefaultBase(string? arch, string task = Tasks.ChainSumTask.Name) => task == Tasks.BilingualChainSum.Name
        ? Path.Combine(AppContext.BaseDirectory, "models", BilingualTask.BaseName) : Path.Combine(AppContext.BaseDirectory, "models", arch switch
    {
        null or "qwen2" => "chain-sum-base",
        "deepseek_v3" => "chain-sum-base-v3",
        _ => $"chain-sum-base-{arch}",
    });
}
