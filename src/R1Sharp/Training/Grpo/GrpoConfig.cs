// The GRPO recipe config: field names and defaults follow TRL's GRPOConfig (trl/trainer/grpo_config.py) and the
// papers (DeepSeekMath/R1 GRPO, DAPO, Dr. GRPO); each field's doc comment names its source. Validation: GrpoConfig.Validation.cs.
using System.Text.Json.Serialization;

namespace R1Sharp.Training.Grpo;

/// <summary>How the per-token losses of a micro-batch are reduced to one number (TRL <c>loss_type</c>).</summary>
public enum LossType
{
    /// <summary>Mean over each sequence's tokens, then mean over sequences (DeepSeekMath; length-biased).</summary>
    Grpo,
    /// <summary>Sum over all tokens / number of tokens in the local micro-batch.</summary>
    Bnpo,
    /// <summary>Sum over all tokens / (sequences × max_completion_length) (Dr. GRPO, arXiv 2503.20783).</summary>
    DrGrpo,
    /// <summary>Sum over all tokens / tokens in the whole accumulated batch (DAPO, arXiv 2503.14476; TRL's default).</summary>
    Dapo,
    /// <summary>MiniMax-M1's CISPO (arXiv 2506.13585): −sg(min(ρ, ε_high))·A·log π per token, aggregated as dapo.</summary>
    Cispo,
    /// <summary>SAPO (arXiv 2511.20347): −σ(τ(ρ − 1))·4/τ·A, τ by the sign of A, aggregated as grpo.</summary>
    Sapo,
    /// <summary>LUSPO (arXiv 2602.05261): GSPO with each sequence's loss scaled by its length; needs sequence-level ρ.</summary>
    Luspo,
}

/// <summary>How group-centred rewards are scaled into advantages (TRL <c>scale_rewards</c>).</summary>
public enum ScaleRewards
{
    /// <summary>Divide by the std of the prompt's group (+1e-4): GRPO as in DeepSeekMath/R1.</summary>
    Group,
    /// <summary>Divide by the std of the whole generation batch (PPO-Lite).</summary>
    Batch,
    /// <summary>Centre only (Dr. GRPO: std scaling adds a question-difficulty bias).</summary>
    None,
}

/// <summary>
/// GRPO hyper-parameters. Load with <see cref="Load"/> (JSON file + <c>--key=value</c> overrides), then call
/// <see cref="Validate"/> to check them and derive dependent values. Counts of "completions" are what TRL calls
/// batch sizes: a generation batch of <see cref="GenerationBatchSize"/> completions holds
/// <see cref="PromptsPerGeneration"/> prompts × <see cref="NumGenerations"/> samples.
/// </summary>
public sealed partial record GrpoConfig : ITrainerKeys
{
    // ---- optimisation (TRL inherits these from transformers.TrainingArguments) ----

    /// <summary>AdamW learning rate. TRL GRPOConfig default 1e-6 (also Open-R1, TinyZero).</summary>
    [JsonPropertyName("learning_rate")] public double LearningRate { get; init; } = 1e-6;

    /// <summary>AdamW β1 (TrainingArguments.adam_beta1, default 0.9).</summary>
    [JsonPropertyName("adam_beta1")] public double AdamBeta1 { get; init; } = 0.9;

    /// <summary>AdamW β2 (TrainingArguments.adam_beta2, default 0.999).</summary>
    [JsonPropertyName("adam_beta2")] public double AdamBeta2 { get; init; } = 0.999;

    /// <summary>AdamW ε (TrainingArguments.adam_epsilon, default 1e-8).</summary>
    [JsonPropertyName("adam_epsilon")] public double AdamEpsilon { get; init; } = 1e-8;

    /// <summary>Decoupled weight decay (TrainingArguments.weight_decay, default 0).</summary>
    [JsonPropertyName("weight_decay")] public double WeightDecay { get; init; } = 0.0;

    /// <summary>Clip the global gradient norm to this (TrainingArguments.max_grad_norm, default 1.0); 0 disables.</summary>
    [JsonPropertyName("max_grad_norm")] public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Learning-rate shape after warm-up (TrainingArguments.lr_scheduler_type, default linear).</summary>
    [JsonPropertyName("lr_scheduler_type")] public Infrastructure.LrSchedulerType LrSchedulerType { get; init; } = Infrastructure.LrSchedulerType.Linear;

    /// <summary>Linear warm-up as a fraction of max_steps (TrainingArguments.warmup_ratio, default 0).</summary>
    [JsonPropertyName("warmup_ratio")] public double WarmupRatio { get; init; } = 0.0;

    /// <summary>Linear warm-up steps; when &gt; 0 it wins over warmup_ratio (as in TrainingArguments).</summary>
    [JsonPropertyName("warmup_steps")] public int WarmupSteps { get; init; } = 0;

    /// <summary>Optimizer steps to run (TrainingArguments.max_steps); -1 = one pass over the prompt dataset.</summary>
    [JsonPropertyName("max_steps")] public int MaxSteps { get; init; } = -1;

    /// <summary>Micro-batches accumulated per optimizer step (TrainingArguments, default 1).</summary>
    [JsonPropertyName("gradient_accumulation_steps")] public int GradientAccumulationSteps { get; init; } = 1;

    /// <summary>Completions per micro-batch (TRL per_device_train_batch_size, default 8; one device here).</summary>
    [JsonPropertyName("per_device_train_batch_size")] public int PerDeviceTrainBatchSize { get; init; } = 8;

    /// <summary>
    /// Completions generated at once (TRL generation_batch_size). Null: per_device_train_batch_size ×
    /// steps_per_generation. Must hold whole groups (a multiple of num_generations).
    /// </summary>
    [JsonPropertyName("generation_batch_size")] public int? GenerationBatchSize { get; init; }

    /// <summary>Micro-batches trained per generation batch (TRL steps_per_generation; null: gradient_accumulation_steps).</summary>
    [JsonPropertyName("steps_per_generation")] public int? StepsPerGeneration { get; init; }

    /// <summary>Random seed for sampling, shuffling and initialisation (TrainingArguments.seed, default 42).</summary>
    [JsonPropertyName("seed")] public int Seed { get; init; } = 42;

    // ---- GRPO (DeepSeekMath §4.1, R1 §2.2.1) ----

    /// <summary>G, samples per prompt (TRL num_generations, default 8; R1 used 16). At least 2.</summary>
    [JsonPropertyName("num_generations")] public int NumGenerations { get; init; } = 8;

    /// <summary>β, weight of the k3 KL penalty to the reference model. TRL default 0 (no reference model is
    /// loaded); R1 and TinyZero used 0.001.</summary>
    [JsonPropertyName("beta")] public double Beta { get; init; } = 0.0;

    /// <summary>ε (ε_low in DAPO): ρ is clipped below at 1 − ε (TRL epsilon, default 0.2).</summary>
    [JsonPropertyName("epsilon")] public double Epsilon { get; init; } = 0.2;

    /// <summary>ε_high: ρ is clipped above at 1 + ε_high (TRL epsilon_high; null → epsilon; DAPO clip-higher 0.28).</summary>
    [JsonPropertyName("epsilon_high")] public double? EpsilonHigh { get; init; }

    /// <summary>μ, optimizer passes over each generation batch (TRL num_iterations, default 1). μ &gt; 1 stores old log-probs.</summary>
    [JsonPropertyName("num_iterations")] public int NumIterations { get; init; } = 1;

    /// <summary>Loss aggregation (TRL loss_type, default dapo).</summary>
    [JsonPropertyName("loss_type")] public LossType LossType { get; init; } = LossType.Dapo;

    /// <summary>Advantage scaling (TRL scale_rewards, default group).</summary>
    [JsonPropertyName("scale_rewards")] public ScaleRewards ScaleRewards { get; init; } = ScaleRewards.Group;

    /// <summary>Drop the loss of completions cut by max_completion_length (TRL mask_truncated_completions; DAPO §3.4).</summary>
    [JsonPropertyName("mask_truncated_completions")] public bool MaskTruncatedCompletions { get; init; }

    /// <summary>DAPO dynamic sampling (§3.2): drop groups whose rewards are all equal and generate more prompts.</summary>
    [JsonPropertyName("dynamic_sampling")] public bool DynamicSampling { get; init; }

    /// <summary>Most extra generation rounds per step when dynamic sampling refills (verl's
    /// filter_groups.max_num_gen_batches; default 10 here, unverified); after that the step trains on what it has.</summary>
    [JsonPropertyName("dynamic_sampling_max_rounds")] public int DynamicSamplingMaxRounds { get; init; } = 10;

    /// <summary>L_cache of DAPO's soft overlong punishment (§3.4; TRL get_soft_overlong_punishment's
    /// soft_punish_cache): lengths past max_completion_length − L_cache lose up to 1 reward. 0 disables.</summary>
    [JsonPropertyName("soft_overlong_cache")] public int SoftOverlongCache { get; init; }

    // ---- generation ----

    /// <summary>Prompt tokens kept (left-truncated). TRL's old max_prompt_length default 512 (removed from TRL in 2026).</summary>
    [JsonPropertyName("max_prompt_length")] public int MaxPromptLength { get; init; } = 512;

    /// <summary>L_max, most completion tokens (TRL max_completion_length, default 512).</summary>
    [JsonPropertyName("max_completion_length")] public int MaxCompletionLength { get; init; } = 512;

    /// <summary>Rollout sampling temperature (TRL default 1.0, as in R1).</summary>
    [JsonPropertyName("temperature")] public double Temperature { get; init; } = 1.0;

    /// <summary>Nucleus sampling mass in (0, 1] (TRL top_p, default 1.0 = off).</summary>
    [JsonPropertyName("top_p")] public double TopP { get; init; } = 1.0;

    /// <summary>Keep the k most likely tokens (TRL top_k, default 0 = off).</summary>
    [JsonPropertyName("top_k")] public int TopK { get; init; }

    // ---- rewards ----

    /// <summary>Names of the reward functions summed into the reward (TRL reward_funcs).</summary>
    [JsonPropertyName("reward_funcs")] public IReadOnlyList<string> RewardFuncs { get; init; } = [];

    /// <summary>Weight of each reward function (TRL reward_weights; null → all 1).</summary>
    [JsonPropertyName("reward_weights")] public IReadOnlyList<double>? RewardWeights { get; init; }

    /// <summary>
    /// γ of auxiliary-loss-free MoE balancing (DeepSeek-V3 report §2.1.2; the paper's bias update speed 0.001): after
    /// each optimizer step every DeepSeekMoE expert's selection bias moves by −γ if it was overloaded in the step, +γ if
    /// underloaded. 0 disables the update (loads are still logged); dense models ignore it.
    /// </summary>
    [JsonPropertyName("moe_bias_update_speed")] public double MoeBiasUpdateSpeed { get; init; } = 0.001;

    /// <summary>
    /// α of DeepSeek-V3's sequence-wise balance loss (report §2.1.2; V3 used 0.0001), summed over the MoE layers and
    /// added to the policy loss (each rollout sequence, prompt included, is one sequence). 0 (default) = off. Logged as aux_loss.
    /// </summary>
    [JsonPropertyName("seq_aux_loss_alpha")] public double SeqAuxLossAlpha { get; init; }

    /// <summary>
    /// Must stay 0: the Multi-Token Prediction loss is a pre-training/SFT objective (DeepSeek-V3 §2.2; R1's RL stage
    /// does not use it) and GRPO's per-token policy-gradient loss has no t+2 target; present so the key is refused with
    /// a reason rather than as unknown.
    /// </summary>
    [JsonPropertyName("mtp_loss_weight")] public double MtpLossWeight { get; init; }

    // ---- logging and checkpoints ----

    /// <summary>Log metrics every this many steps (TRL GRPOConfig default 10).</summary>
    [JsonPropertyName("logging_steps")] public int LoggingSteps { get; init; } = 10;

    /// <summary>Where metrics go besides metrics.jsonl (TrainingArguments.report_to): ["tensorboard"] writes TensorBoard
    /// event files to output_dir/runs; [] or ["none"] (default) none.</summary>
    [JsonPropertyName("report_to")] public IReadOnlyList<string> ReportTo { get; init; } = [];

    /// <summary>TrainingArguments.skip_memory_metrics (default true). false logs the process's resident memory per step
    /// (memory/start_gb, memory/rollout_peak_gb, memory/update_peak_gb, memory/peak_gb, and memory/load_peak_gb on the
    /// first step): each phase's own peak, measured by resetting the kernel's high-water mark (Linux), so a tool that
    /// reads the peak at exit (/usr/bin/time) then sees only the last phase's; memory/peak_gb is the run's.</summary>
    [JsonPropertyName("skip_memory_metrics")] public bool SkipMemoryMetrics { get; init; } = true;

    /// <summary>Save a checkpoint every this many steps (TrainingArguments.save_steps, default 500); 0 = only at the end.</summary>
    [JsonPropertyName("save_steps")] public int SaveSteps { get; init; } = 500;

    /// <summary>Checkpoints kept, the newest (TrainingArguments.save_total_limit); 0 keeps all.</summary>
    [JsonPropertyName("save_total_limit")] public int SaveTotalLimit { get; init; }

    /// <summary>Print sample completions every this many steps (TRL log_completions as a period); null → logging_steps, 0 = never.</summary>
    [JsonPropertyName("log_completions_steps")] public int? LogCompletionsSteps { get; init; }

    // ---- model, data and output (the `r1 train grpo` recipe; TRL takes these as script arguments) ----

    /// <summary>The policy's model directory (TRL model_name_or_path); the reference model, when β ≠ 0, is a frozen copy of it.</summary>
    [JsonPropertyName("model_name_or_path")] public string? ModelNameOrPath { get; init; }

    /// <summary>Where checkpoints, metrics.jsonl and completions.jsonl go (TrainingArguments.output_dir).</summary>
    [JsonPropertyName("output_dir")] public string OutputDir { get; init; } = "runs/grpo";

    /// <summary>Replace an earlier run in output_dir (its checkpoints, metrics and completions are removed first); false
    /// refuses to start over one unless resuming (HF TrainingArguments.overwrite_output_dir).</summary>
    [JsonPropertyName("overwrite_output_dir")] public bool OverwriteOutputDir { get; init; }

    /// <summary>A problem dataset (JSONL or Parquet with question/answer columns); exclusive with <see cref="Task"/>.</summary>
    [JsonPropertyName("dataset_path")] public string? DatasetPath { get; init; }

    /// <summary>A built-in task instead of a dataset: "chain-sum" (Training.Tasks.ChainSumTask).</summary>
    [JsonPropertyName("task")] public string? Task { get; init; }

    /// <summary>Problems drawn from the built-in task (seeded with <see cref="Seed"/>).</summary>
    [JsonPropertyName("task_size")] public int TaskSize { get; init; } = 1000;

    /// <summary>Prompt template, named as r1's --chat-template: "r1-zero" (default; R1 paper Table 1, for base models),
    /// "auto" (the model's own chat template, thinking prefilled for R1-style models), deepseek-r1, qwen2.5 or llama3.</summary>
    [JsonPropertyName("chat_template")] public string Template { get; init; } = "r1-zero";

    // ---- derived (valid after Validate) ----

    /// <summary>ε_low, the lower clip (= epsilon).</summary>
    [JsonIgnore] public double EpsilonLow => Epsilon;

    /// <summary>Prompts per generation batch (generation_batch_size / num_generations).</summary>
    [JsonIgnore] public int PromptsPerGeneration => (GenerationBatchSize ?? 0) / NumGenerations;

    /// <summary>True when β ≠ 0, so a frozen reference model must be kept.</summary>
    [JsonIgnore] public bool UsesReferenceModel => Beta != 0.0;

    /// <summary>True when the policy moves before a generation batch is used up, so old log-probs must be stored
    /// (μ &gt; 1, or more micro-batches per generation than per optimizer step); otherwise old = logp.detach().</summary>
    [JsonIgnore] public bool NeedsOldLogProbs =>
        NumIterations > 1 || (StepsPerGeneration ?? GradientAccumulationSteps) > GradientAccumulationSteps;

    /// <summary>Warm-up steps for a run of <paramref name="totalSteps"/> steps: warmup_steps if set, else ⌈ratio × total⌉.</summary>
    public int WarmupStepsFor(int totalSteps) =>
        WarmupSteps > 0 ? WarmupSteps : (int)Math.Ceiling(WarmupRatio * totalSteps);

    /// <summary>Defaults, then the JSON file (if any), then the overrides; not yet validated.</summary>
    public static GrpoConfig Load(string? jsonPath, IEnumerable<string>? overrides = null) =>
        RecipeConfig.Load<GrpoConfig>(jsonPath, overrides);

    /// <summary>The config as JSON (call on the result of <see cref="Validate"/> to save the resolved values).</summary>
    public string ToJson() => RecipeConfig.ToJson(this);
}
