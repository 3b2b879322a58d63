// SftConfig.Validate: range checks with one-line messages that name the key and what to set, and derived values.
namespace R1Sharp.Training.Sft;

public sealed partial record SftConfig
{
    private static readonly RecipeChecks Check = new("SFT config");

    /// <summary>
    /// Checks every field; returns the config with eval_steps resolved. Throws <see cref="R1SharpException"/>. Validating
    /// the returned config again returns it as is (the CLI validates to print it, the trainer then uses it unchanged).
    /// </summary>
    public SftConfig Validate() => RecipeChecks.Once(this, static c => c.CheckedAndResolved());

    private SftConfig CheckedAndResolved()
    {
        if (string.IsNullOrWhiteSpace(ModelNameOrPath))
            Check.Fail("model_name_or_path is required; set it to a model directory (e.g. one made by r1 new-model)");
        if (!Directory.Exists(ModelNameOrPath))
            Check.Fail($"model_name_or_path '{ModelNameOrPath}' is not a directory; give a local Hugging Face model directory");
        Infrastructure.PeftSetup.Check(this, DType, "SFT config");
        if (UsePeft && MtpLossWeight != 0)
            Check.Fail("mtp_loss_weight with use_peft is not implemented (the MTP layer would need its own adapters); set one of them to 0");
        if (string.IsNullOrWhiteSpace(OutputDir)) Check.Fail("output_dir is required");
        if (OverwriteOutputDir && ResumeFromCheckpoint is not null)
            Check.Fail("overwrite_output_dir and resume_from_checkpoint are both set; resume the run in output_dir or replace it, not both");
        Check.Trainer(this, "to train num_train_epochs");
        Check.AtLeast("max_length", MaxLength, 2);
        Check.ChatTemplateName(ChatTemplate);
        Check.AtLeast("save_total_limit", SaveTotalLimit, 0);
        if (EvalSteps is { } es) Check.AtLeast("eval_steps", es, 0);
        if (MaxSteps == -1 && !(NumTrainEpochs > 0)) Check.Fail($"num_train_epochs must be > 0 when max_steps is -1 (got {RecipeChecks.F(NumTrainEpochs)})");
        if (!(EvalFraction >= 0 && EvalFraction < 1)) Check.Fail($"eval_fraction must be in [0, 1) (got {RecipeChecks.F(EvalFraction)}); e.g. 0.05 holds out 5%");
        Check.LossWeight("mtp_loss_weight", MtpLossWeight, "DeepSeek-V3 used 0.3, then 0.1");
        return this with { EvalSteps = EvalSteps ?? LoggingSteps };
    }

    /// <summary>True on the instance <see cref="Validate"/> returned; a <c>with</c> copy of it is unvalidated.</summary>
    [System.Text.Json.Serialization.JsonIgnore] public bool IsValidated => RecipeChecks.IsResolved(this);
}
