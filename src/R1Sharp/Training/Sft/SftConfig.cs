// The SFT recipe config: field names and defaults follow TRL's SFTConfig (trl/trainer/sft_config.py) and the
// transformers TrainingArguments it inherits; bound from JSON + `--key=value` overrides by RecipeConfig.
using System.Text.Json.Serialization;
using R1Sharp.Training.Infrastructure;

namespace R1Sharp.Training.Sft;

/// <summary>What the rows of dataset_path hold.</summary>
public enum SftDatasetFormat
{
    /// <summary>A "messages" list: everything before the last assistant message is the prompt (rendered by the chat
    /// template with its generation prompt), the last assistant message is the completion (verbatim, thinking kept) + EOS.</summary>
    Messages,
    /// <summary>TRL prompt/completion: strings (used as they are; EOS appended) or message lists (prompt rendered by the template).</summary>
    PromptCompletion,
    /// <summary>Problems (GSM8K / MATH-500 / AIME columns): the question is the user prompt, the solution column
    /// (else the answer) the completion.</summary>
    Problems,
    /// <summary>Plain documents (a "text" column) for language-model pretraining: the whole document is the completion.</summary>
    Text,
}

/// <summary>SFT hyper-parameters. Load with <see cref="Load"/>, then <see cref="Validate"/>.</summary>
public sealed partial record SftConfig : ITrainerKeys
{
    // ---- model and data ----

    /// <summary>The model directory to fine-tune (TRL model_name_or_path; a local HF directory here).</summary>
    [JsonPropertyName("model_name_or_path")] public string ModelNameOrPath { get; init; } = "";

    /// <summary>A .jsonl or .parquet dataset (TRL dataset_name); may be empty when the caller passes data in memory.</summary>
    [JsonPropertyName("dataset_path")] public string? DatasetPath { get; init; }

    /// <summary>Row format of the dataset (default messages).</summary>
    [JsonPropertyName("dataset_format")] public SftDatasetFormat DatasetFormat { get; init; } = SftDatasetFormat.Messages;

    /// <summary>Prompt rendering, named as r1's --chat-template: auto (default; the model's own template), r1-zero (the
    /// R1-Zero prompt of the paper, for base models without a chat template; one user turn), deepseek-r1, qwen2.5, llama3.</summary>
    [JsonPropertyName("chat_template")] public string ChatTemplate { get; init; } = "auto";

    /// <summary>Loss only on completion tokens (TRL completion_only_loss; default true). False: every token
    /// (language modelling, e.g. pretraining on text).</summary>
    [JsonPropertyName("completion_only_loss")] public bool CompletionOnlyLoss { get; init; } = true;

    /// <summary>Pack several examples into each max_length row (TRL packing, default false). Positions restart per
    /// example and attention stays within each example (a block-diagonal causal mask, like TRL's padding-free
    /// packing with position_ids), so a packed example trains exactly as it would alone.</summary>
    [JsonPropertyName("packing")] public bool Packing { get; init; }

    /// <summary>Longest tokenized example (truncated from the right) and the packed row length (TRL max_length, 1024).</summary>
    [JsonPropertyName("max_length")] public int MaxLength { get; init; } = 1024;

    /// <summary>Share of examples held out for eval_loss (0 = no evaluation).</summary>
    [JsonPropertyName("eval_fraction")] public double EvalFraction { get; init; }

    // ---- optimisation (TrainingArguments) ----

    /// <summary>AdamW peak learning rate (TRL SFTConfig default 2e-5).</summary>
    [JsonPropertyName("learning_rate")] public double LearningRate { get; init; } = 2e-5;

    /// <summary>Passes over the training set when max_steps is -1 (default 3).</summary>
    [JsonPropertyName("num_train_epochs")] public double NumTrainEpochs { get; init; } = 3;

    /// <summary>Optimizer steps; -1 = num_train_epochs passes.</summary>
    [JsonPropertyName("max_steps")] public int MaxSteps { get; init; } = -1;

    /// <summary>Rows per micro-batch (default 8).</summary>
    [JsonPropertyName("per_device_train_batch_size")] public int PerDeviceTrainBatchSize { get; init; } = 8;

    /// <summary>Micro-batches per optimizer step (default 1); the loss is normalised over all their completion tokens.</summary>
    [JsonPropertyName("gradient_accumulation_steps")] public int GradientAccumulationSteps { get; init; } = 1;

    /// <summary>Warm-up as a fraction of the steps (default 0).</summary>
    [JsonPropertyName("warmup_ratio")] public double WarmupRatio { get; init; }

    /// <summary>Warm-up steps; wins over warmup_ratio when &gt; 0.</summary>
    [JsonPropertyName("warmup_steps")] public int WarmupSteps { get; init; }

    /// <summary>Decay after warm-up: cosine (default here), linear (HF's default) or constant.</summary>
    [JsonPropertyName("lr_scheduler_type")] public LrSchedulerType LrSchedulerType { get; init; } = LrSchedulerType.Cosine;

    /// <summary>Decoupled weight decay on matrices and embeddings (default 0).</summary>
    [JsonPropertyName("weight_decay")] public double WeightDecay { get; init; }

    /// <summary>AdamW β1 (0.9).</summary>
    [JsonPropertyName("adam_beta1")] public double AdamBeta1 { get; init; } = 0.9;

    /// <summary>AdamW β2 (0.999).</summary>
    [JsonPropertyName("adam_beta2")] public double AdamBeta2 { get; init; } = 0.999;

    /// <summary>AdamW ε (1e-8).</summary>
    [JsonPropertyName("adam_epsilon")] public double AdamEpsilon { get; init; } = 1e-8;

    /// <summary>Global gradient-norm clip (1.0); 0 disables.</summary>
    [JsonPropertyName("max_grad_norm")] public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Seed of the data order and the train/eval split (42).</summary>
    [JsonPropertyName("seed")] public int Seed { get; init; } = 42;

    /// <summary>Parameter dtype: float32 (bf16 matmul is ~2× slower on these CPUs: DESIGN.md), or bfloat16 for a frozen
    /// base with use_peft.</summary>
    [JsonPropertyName("dtype")] public string DType { get; init; } = "float32";

    /// <summary>
    /// γ of auxiliary-loss-free MoE balancing (DeepSeek-V3 report §2.1.2; the paper's bias update speed 0.001): after
    /// each optimizer step every DeepSeekMoE expert's selection bias moves by −γ if it was overloaded in the step, +γ if
    /// underloaded. 0 disables the update (loads are still logged); dense models ignore it.
    /// </summary>
    [JsonPropertyName("moe_bias_update_speed")] public double MoeBiasUpdateSpeed { get; init; } = 0.001;

    /// <summary>
    /// α of DeepSeek-V3's complementary sequence-wise balance loss (report §2.1.2, eqs. 17–20; V3 used 0.0001), summed
    /// over the MoE layers and added to the loss. 0 (default) = off; dense models ignore it. Logged as aux_loss.
    /// </summary>
    [JsonPropertyName("seq_aux_loss_alpha")] public double SeqAuxLossAlpha { get; init; }

    /// <summary>
    /// λ of DeepSeek-V3's Multi-Token Prediction loss (report §2.2, eq. 25, depth 1; V3 used 0.3, then 0.1): the MTP
    /// layer's cross-entropy on token t+2 is added with weight λ. Needs a deepseek_v3 model with
    /// num_nextn_predict_layers ≥ 1; its MTP tensors are loaded when the directory has them, else freshly drawn. The
    /// MTP layer shares the main embedding and output head. 0 (default) = off. Logged as mtp_loss (unweighted).
    /// </summary>
    [JsonPropertyName("mtp_loss_weight")] public double MtpLossWeight { get; init; }

    // ---- logging, evaluation, checkpoints ----

    /// <summary>Print a metrics line every this many steps (TRL SFTConfig default 10). metrics.jsonl gets every step.</summary>
    [JsonPropertyName("logging_steps")] public int LoggingSteps { get; init; } = 10;

    /// <summary>Where metrics go besides metrics.jsonl (TrainingArguments.report_to): ["tensorboard"] writes TensorBoard
    /// event files to output_dir/runs; [] or ["none"] (default) none.</summary>
    [JsonPropertyName("report_to")] public IReadOnlyList<string> ReportTo { get; init; } = [];

    /// <summary>Evaluate every this many steps (null → logging_steps; 0 = only at the end). Needs eval_fraction &gt; 0.</summary>
    [JsonPropertyName("eval_steps")] public int? EvalSteps { get; init; }

    /// <summary>Checkpoint every this many steps (500); 0 = only at the end.</summary>
    [JsonPropertyName("save_steps")] public int SaveSteps { get; init; } = 500;

    /// <summary>Checkpoints kept (newest); 0 keeps all (HF: None).</summary>
    [JsonPropertyName("save_total_limit")] public int SaveTotalLimit { get; init; } = 2;

    /// <summary>Where checkpoints, the final model, metrics.jsonl and charts go.</summary>
    [JsonPropertyName("output_dir")] public string OutputDir { get; init; } = "sft-output";

    /// <summary>Continue from a checkpoint: "latest" (the newest under output_dir) or a checkpoint directory; null = fresh.</summary>
    [JsonPropertyName("resume_from_checkpoint")] public string? ResumeFromCheckpoint { get; init; }

    /// <summary>Replace an earlier run in output_dir (its checkpoints, metrics and model files are removed first); false
    /// refuses to start over one (HF TrainingArguments.overwrite_output_dir).</summary>
    [JsonPropertyName("overwrite_output_dir")] public bool OverwriteOutputDir { get; init; }

    /// <summary>How this run treats output_dir: resume, overwrite, or fresh (refusing an earlier run there).</summary>
    public Infrastructure.RunStart Start => ResumeFromCheckpoint is not null ? Infrastructure.RunStart.Resume
        : OverwriteOutputDir ? Infrastructure.RunStart.Overwrite : Infrastructure.RunStart.Fresh;

    /// <summary>Defaults, then the JSON file (if any), then the overrides; not yet validated.</summary>
    public static SftConfig Load(string? jsonPath, IEnumerable<string>? overrides = null) =>
        RecipeConfig.Load<SftConfig>(jsonPath, overrides);

    /// <summary>The config as JSON (saved in every checkpoint).</summary>
    public string ToJson() => RecipeConfig.ToJson(this);

    /// <summary>The AdamW options of this config.</summary>
    public AdamWOptions AdamW => new(LearningRate, AdamBeta1, AdamBeta2, AdamEpsilon, WeightDecay);
}
