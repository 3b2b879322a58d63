// The reward-model recipe config (`r1 train reward --config FILE`): field names and defaults follow TRL's RewardConfig
// (max_length 1024, center_rewards_coefficient None, disable_dropout True, learning_rate 1e-4) and the transformers
// TrainingArguments it inherits; bound from JSON + `--key=value` overrides by RecipeConfig, like SftConfig.
using System.Text.Json.Serialization;
using R1Sharp.Training.Infrastructure;

namespace R1Sharp.Training.Reward;

/// <summary>Reward-model hyper-parameters. Load with <see cref="Load"/>, then <see cref="Validate"/>.</summary>
public sealed partial record RewardConfig : ITrainerKeys
{
    // ---- model and data ----

    /// <summary>The model directory the reward model starts from (its decoder; a fresh scalar head is added).</summary>
    [JsonPropertyName("model_name_or_path")] public string ModelNameOrPath { get; init; } = "";

    /// <summary>A .jsonl preference dataset: rows with "chosen" and "rejected" strings (TRL's implicit-prompt form), or
    /// also a "prompt" string prepended to both (explicit prompt); an optional "margin" number per row.</summary>
    [JsonPropertyName("dataset_path")] public string? DatasetPath { get; init; }

    /// <summary>Longest tokenized prompt + response (EOS included); pairs with a longer side are dropped, as TRL's
    /// RewardTrainer filters them (default 1024).</summary>
    [JsonPropertyName("max_length")] public int MaxLength { get; init; } = 1024;

    /// <summary>Coefficient of the mean-zero reward term (Eisenstein et al. 2023 eq. 2; TRL recommends 0.01); null = off.</summary>
    [JsonPropertyName("center_rewards_coefficient")] public double? CenterRewardsCoefficient { get; init; }

    /// <summary>TRL disables dropout in the model (default true); R1Sharp's decoders have no dropout, so true is the
    /// only value (false is refused rather than ignored).</summary>
    [JsonPropertyName("disable_dropout")] public bool DisableDropout { get; init; } = true;

    /// <summary>Share of pairs held out for eval_loss and eval_accuracy (pairwise accuracy); default 0.1.</summary>
    [JsonPropertyName("eval_fraction")] public double EvalFraction { get; init; } = 0.1;

    // ---- optimisation (TrainingArguments) ----

    /// <summary>AdamW peak learning rate (TRL RewardConfig default 1e-4).</summary>
    [JsonPropertyName("learning_rate")] public double LearningRate { get; init; } = 1e-4;
    /// <summary>Passes over the pairs when max_steps is -1 (default 1).</summary>
    [JsonPropertyName("num_train_epochs")] public double NumTrainEpochs { get; init; } = 1;
    /// <summary>Optimizer steps; -1 = num_train_epochs passes.</summary>
    [JsonPropertyName("max_steps")] public int MaxSteps { get; init; } = -1;
    /// <summary>Pairs per micro-batch (each pair is two rows); default 8.</summary>
    [JsonPropertyName("per_device_train_batch_size")] public int PerDeviceTrainBatchSize { get; init; } = 8;
    /// <summary>Micro-batches per optimizer step (default 1).</summary>
    [JsonPropertyName("gradient_accumulation_steps")] public int GradientAccumulationSteps { get; init; } = 1;
    /// <summary>Warm-up as a fraction of the steps (default 0).</summary>
    [JsonPropertyName("warmup_ratio")] public double WarmupRatio { get; init; }
    /// <summary>Warm-up steps; wins over warmup_ratio when &gt; 0.</summary>
    [JsonPropertyName("warmup_steps")] public int WarmupSteps { get; init; }
    /// <summary>Decay after warm-up: linear (HF's default), cosine or constant.</summary>
    [JsonPropertyName("lr_scheduler_type")] public LrSchedulerType LrSchedulerType { get; init; } = LrSchedulerType.Linear;
    /// <summary>Decoupled weight decay (default 0).</summary>
    [JsonPropertyName("weight_decay")] public double WeightDecay { get; init; }
    /// <summary>AdamW β1 (0.9).</summary>
    [JsonPropertyName("adam_beta1")] public double AdamBeta1 { get; init; } = 0.9;
    /// <summary>AdamW β2 (0.999).</summary>
    [JsonPropertyName("adam_beta2")] public double AdamBeta2 { get; init; } = 0.999;
    /// <summary>AdamW ε (1e-8).</summary>
    [JsonPropertyName("adam_epsilon")] public double AdamEpsilon { get; init; } = 1e-8;
    /// <summary>Global gradient-norm clip (1.0); 0 disables.</summary>
    [JsonPropertyName("max_grad_norm")] public double MaxGradNorm { get; init; } = 1.0;
    /// <summary>Seed of the head's initial weights, the data order and the train/eval split (42).</summary>
    [JsonPropertyName("seed")] public int Seed { get; init; } = 42;

    // ---- logging, evaluation, checkpoints ----

    /// <summary>Print a metrics line every this many steps (10). metrics.jsonl gets every step.</summary>
    [JsonPropertyName("logging_steps")] public int LoggingSteps { get; init; } = 10;
    /// <summary>["tensorboard"] also writes TensorBoard event files to output_dir/runs; [] or ["none"] (default) not.</summary>
    [JsonPropertyName("report_to")] public IReadOnlyList<string> ReportTo { get; init; } = [];
    /// <summary>Evaluate every this many steps (null → logging_steps; 0 = only at the end).</summary>
    [JsonPropertyName("eval_steps")] public int? EvalSteps { get; init; }
    /// <summary>Checkpoint every this many steps (500); 0 = only at the end.</summary>
    [JsonPropertyName("save_steps")] public int SaveSteps { get; init; } = 500;
    /// <summary>Checkpoints kept (newest); 0 keeps all.</summary>
    [JsonPropertyName("save_total_limit")] public int SaveTotalLimit { get; init; } = 2;
    /// <summary>Where checkpoints, the final reward model, metrics.jsonl and charts go.</summary>
    [JsonPropertyName("output_dir")] public string OutputDir { get; init; } = "reward-output";
    /// <summary>Continue from a checkpoint: "latest" or a checkpoint directory; null = fresh.</summary>
    [JsonPropertyName("resume_from_checkpoint")] public string? ResumeFromCheckpoint { get; init; }
    /// <summary>Replace an earlier run in output_dir instead of refusing to start over one.</summary>
    [JsonPropertyName("overwrite_output_dir")] public bool OverwriteOutputDir { get; init; }

    double ITrainerKeys.MoeBiasUpdateSpeed => 0;
    double ITrainerKeys.SeqAuxLossAlpha => 0;

    /// <summary>How this run treats output_dir: resume, overwrite, or fresh (refusing an earlier run there).</summary>
    public RunStart Start => ResumeFromCheckpoint is not null ? RunStart.Resume : OverwriteOutputDir ? RunStart.Overwrite : RunStart.Fresh;

    /// <summary>Defaults, then the JSON file (if any), then the overrides; not yet validated.</summary>
    public static RewardConfig Load(string? jsonPath, IEnumerable<string>? overrides = null) => RecipeConfig.Load<RewardConfig>(jsonPath, overrides);

    /// <summary>The config as JSON (saved in every checkpoint).</summary>
    public string ToJson() => RecipeConfig.ToJson(this);

    /// <summary>The AdamW options of this config.</summary>
    public AdamWOptions AdamW => new(LearningRate, AdamBeta1, AdamBeta2, AdamEpsilon, WeightDecay);
}
