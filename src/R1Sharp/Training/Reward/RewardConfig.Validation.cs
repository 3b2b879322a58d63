// RewardConfig.Validate: range checks with one-line messages that name the key, and derived values (eval_steps).
namespace R1Sharp.Training.Reward;

public sealed partial record RewardConfig
{
    private static readonly RecipeChecks Check = new("reward config");

    /// <summary>Checks every field; returns the config with eval_steps resolved. Throws <see cref="R1SharpException"/>.</summary>
    public RewardConfig Validate() => RecipeChecks.Once(this, static c => c.CheckedAndResolved());

    private RewardConfig CheckedAndResolved()
    {
        if (string.IsNullOrWhiteSpace(ModelNameOrPath))
            Check.Fail("model_name_or_path is required; set it to a model directory (the reward model starts from its decoder)");
        if (!Directory.Exists(ModelNameOrPath))
            Check.Fail($"model_name_or_path '{ModelNameOrPath}' is not a directory; give a local Hugging Face model directory");
        if (string.IsNullOrWhiteSpace(OutputDir)) Check.Fail("output_dir is required");
        if (OverwriteOutputDir && ResumeFromCheckpoint is not null)
            Check.Fail("overwrite_output_dir and resume_from_checkpoint are both set; resume the run in output_dir or replace it, not both");
        Check.Trainer(this, "to train num_train_epochs");
        Check.AtLeast("max_length", MaxLength, 2);
        Check.AtLeast("save_total_limit", SaveTotalLimit, 0);
        if (EvalSteps is { } es) Check.AtLeast("eval_steps", es, 0);
        if (!DisableDropout) Check.Fail("disable_dropout=false: R1Sharp decoders have no dropout to keep; leave it true");
        if (CenterRewardsCoefficient is { } k && !(k >= 0 && double.IsFinite(k)))
            Check.Fail($"center_rewards_coefficient must be a finite number >= 0 or null (got {RecipeChecks.F(k)}); TRL recommends 0.01");
        if (MaxSteps == -1 && !(NumTrainEpochs > 0)) Check.Fail($"num_train_epochs must be > 0 when max_steps is -1 (got {RecipeChecks.F(NumTrainEpochs)})");
        if (!(EvalFraction >= 0 && EvalFraction < 1)) Check.Fail($"eval_fraction must be in [0, 1) (got {RecipeChecks.F(EvalFraction)}); pairwise accuracy is measured on it");
        return this with { EvalSteps = EvalSteps ?? LoggingSteps };
    }
}
