// GrpoConfig.Validate: range checks, the batch divisibility rules of TRL's GRPOConfig.__post_init__, method
// conflicts (Dr. GRPO vs std scaling), and the derived values (epsilon_high, generation batch, reward weights).
namespace R1Sharp.Training.Grpo;

public sealed partial record GrpoConfig
{
    private static readonly RecipeChecks Check = new("GRPO config");

    /// <summary>
    /// Checks every field and returns the resolved config: epsilon_high, generation_batch_size,
    /// steps_per_generation, reward_weights and log_completions_steps filled in. Throws
    /// <see cref="R1SharpException"/> with one line naming the key and what to set.
    /// </summary>
    /// <remarks>The resolved config sets both generation_batch_size and steps_per_generation, which a raw config may
    /// not: validating it again returns it as is, so a config is checked and resolved once however many layers it passes.</remarks>
    public GrpoConfig Validate() => RecipeChecks.Once(this, static c => c.CheckedAndResolved());

    private GrpoConfig CheckedAndResolved()
    {
        if (MtpLossWeight != 0)
            Check.Fail($"mtp_loss_weight is {RecipeChecks.F(MtpLossWeight)}, but GRPO does not train the Multi-Token Prediction layer (an SFT/pre-training loss in DeepSeek-V3); set it to 0 and use r1 sft with mtp_loss_weight");
        CheckRanges();
        CheckFrontier();
        CheckRollout();
        Infrastructure.PeftSetup.Check(this, DType, "GRPO config");
        var (generationBatch, stepsPerGeneration) = ResolveGenerationBatch();
        if (generationBatch % NumGenerations != 0)
            Check.Fail($"generation_batch_size ({generationBatch}) must be a multiple of num_generations ({NumGenerations}) so every prompt's group is whole; " +
                 $"set --generation_batch_size={RoundUp(generationBatch, Lcm(NumGenerations, PerDeviceTrainBatchSize))} or change num_generations");
        if (LossType == LossType.DrGrpo && ScaleRewards != ScaleRewards.None)
            Check.Fail($"loss_type=dr_grpo with scale_rewards={Name(ScaleRewards)}: Dr. GRPO removes both the length and the std normalisation " +
                 "(dividing by the std re-adds the question-difficulty bias); set --scale_rewards=none, or pick another loss_type");
        if (RewardWeights is { } w && w.Count != RewardFuncs.Count)
            Check.Fail($"reward_weights has {w.Count} values but reward_funcs has {RewardFuncs.Count}; give one weight per reward function");
        Check.ChatTemplateName(Template);
        if (DatasetPath is not null && Task is not null)
            Check.Fail("dataset_path and task are both set; keep one (a dataset file, or a built-in task such as chain-sum)");
        if (Task is not null && Task != Tasks.ChainSumTask.Name)
            Check.Fail($"task '{Task}' is unknown; the built-in task is {Tasks.ChainSumTask.Name}, or set dataset_path to a problem file");
        if (SoftOverlongCache >= MaxCompletionLength)
            Check.Fail($"soft_overlong_cache ({SoftOverlongCache}) must be below max_completion_length ({MaxCompletionLength}); DAPO used 4096 of 20480");
        return this with
        {
            EpsilonHigh = EpsilonHigh ?? Epsilon,
            GenerationBatchSize = generationBatch,
            StepsPerGeneration = stepsPerGeneration,
            RewardWeights = RewardWeights ?? Enumerable.Repeat(1.0, RewardFuncs.Count).ToArray(),
            LogCompletionsSteps = LogCompletionsSteps ?? LoggingSteps,
        };
    }

    /// <summary>True on the instance <see cref="Validate"/> returned; a copy made from it with <c>with</c> is a new,
    /// unvalidated config (its changes have not been checked).</summary>
    [System.Text.Json.Serialization.JsonIgnore] public bool IsValidated => RecipeChecks.IsResolved(this);

    private void CheckRanges()
    {
        Check.Trainer(this, "for one pass over the prompts");
        if (NumGenerations < 2)
            Check.Fail($"num_generations must be at least 2 (got {NumGenerations}): advantages compare samples of the same prompt; R1 used 16");
        Check.AtLeast("num_iterations", NumIterations, 1);
        Check.AtLeast("max_prompt_length", MaxPromptLength, 1);
        Check.AtLeast("max_completion_length", MaxCompletionLength, 1);
        Check.AtLeast("top_k", TopK, 0);
        Check.AtLeast("soft_overlong_cache", SoftOverlongCache, 0);
        Check.AtLeast("dynamic_sampling_max_rounds", DynamicSamplingMaxRounds, 0);
        Check.AtLeast("task_size", TaskSize, 1);
        if (LogCompletionsSteps is { } lc) Check.AtLeast("log_completions_steps", lc, 0);
        Check.Positive("temperature", Temperature);
        if (!(TopP > 0 && TopP <= 1)) Check.Fail($"top_p must be in (0, 1] (got {RecipeChecks.F(TopP)}); 1.0 turns nucleus sampling off");
        if (Beta < 0) Check.Fail($"beta must be >= 0 (got {RecipeChecks.F(Beta)}); 0 skips the reference model, R1 used 0.001");
        if (!(Epsilon > 0 && Epsilon < 1)) Check.Fail($"epsilon must be in (0, 1) (got {RecipeChecks.F(Epsilon)}); GRPO uses 0.2");
        if (EpsilonHigh is { } eh && !(eh > 0)) Check.Fail($"epsilon_high must be > 0 (got {RecipeChecks.F(eh)}); DAPO uses 0.28, or leave it unset to use epsilon");
    }

    // TRL: at most one of generation_batch_size / steps_per_generation; the other follows from the micro-batch size.
    private (int GenerationBatch, int StepsPerGeneration) ResolveGenerationBatch()
    {
        int micro = PerDeviceTrainBatchSize;
        switch (GenerationBatchSize, StepsPerGeneration)
        {
            case (null, null):
                return (micro * GradientAccumulationSteps, GradientAccumulationSteps);
            case (null, int steps):
                Check.AtLeast("steps_per_generation", steps, 1);
                return (micro * steps, steps);
            case (int gen, null):
                Check.AtLeast("generation_batch_size", gen, 1);
                if (gen % micro != 0)
                    Check.Fail($"generation_batch_size ({gen}) must be a multiple of per_device_train_batch_size ({micro}); set --generation_batch_size={RoundUp(gen, micro)}");
                return (gen, gen / micro);
            default:
                Check.Fail("generation_batch_size and steps_per_generation cannot both be set; keep one (the other is derived from per_device_train_batch_size)");
                return default;
        }
    }

    private static int Lcm(int a, int b)
    {
        int x = a, y = b;
        while (y != 0) (x, y) = (y, x % y);
        return a / x * b;
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    private static string Name(Enum e) => RecipeValues.EnumName(e);
}
