// SftConfig.Validate: range checks with one-line messages that name the key and what to set, and derived values.
using System.Globalization;

namespace R1Sharp.Training.Sft;

public sealed partial record SftConfig
{
    /// <summary>Checks every field; returns the config with eval_steps resolved. Throws <see cref="R1SharpException"/>.</summary>
    public SftConfig Validate()
    {
        if (string.IsNullOrWhiteSpace(ModelNameOrPath))
            Fail("model_name_or_path is required; set it to a model directory (e.g. one made by r1 new-model)");
        if (!Directory.Exists(ModelNameOrPath))
            Fail($"model_name_or_path '{ModelNameOrPath}' is not a directory; give a local Hugging Face model directory");
        if (DType != "float32")
            Fail($"dtype '{DType}' is not supported for training; use float32 (bf16 matmul is ~2x slower on CPUs without AMX)");
        if (string.IsNullOrWhiteSpace(OutputDir)) Fail("output_dir is required");
        Positive("learning_rate", LearningRate);
        AtLeast("max_length", MaxLength, 2);
        AtLeast("per_device_train_batch_size", PerDeviceTrainBatchSize, 1);
        AtLeast("gradient_accumulation_steps", GradientAccumulationSteps, 1);
        AtLeast("warmup_steps", WarmupSteps, 0);
        AtLeast("logging_steps", LoggingSteps, 1);
        AtLeast("save_steps", SaveSteps, 0);
        AtLeast("save_total_limit", SaveTotalLimit, 0);
        if (EvalSteps is { } es) AtLeast("eval_steps", es, 0);
        if (MaxSteps == 0 || MaxSteps < -1) Fail($"max_steps must be positive, or -1 to train num_train_epochs (got {MaxSteps})");
        if (MaxSteps == -1 && !(NumTrainEpochs > 0)) Fail($"num_train_epochs must be > 0 when max_steps is -1 (got {F(NumTrainEpochs)})");
        if (!(WarmupRatio >= 0 && WarmupRatio < 1)) Fail($"warmup_ratio must be in [0, 1) (got {F(WarmupRatio)})");
        if (!(EvalFraction >= 0 && EvalFraction < 1)) Fail($"eval_fraction must be in [0, 1) (got {F(EvalFraction)}); e.g. 0.05 holds out 5%");
        if (!(MaxGradNorm >= 0)) Fail($"max_grad_norm must be >= 0 (got {F(MaxGradNorm)}); 0 disables clipping");
        if (!(WeightDecay >= 0)) Fail($"weight_decay must be >= 0 (got {F(WeightDecay)})");
        if (!(AdamBeta1 >= 0 && AdamBeta1 < 1)) Fail($"adam_beta1 must be in [0, 1) (got {F(AdamBeta1)}); usual 0.9");
        if (!(AdamBeta2 >= 0 && AdamBeta2 < 1)) Fail($"adam_beta2 must be in [0, 1) (got {F(AdamBeta2)}); usual 0.999");
        Positive("adam_epsilon", AdamEpsilon);
        return this with { EvalSteps = EvalSteps ?? LoggingSteps };
    }

    private static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static void Positive(string key, double v)
    {
        if (!(v > 0)) Fail($"{key} must be > 0 (got {F(v)})");
    }

    private static void AtLeast(string key, int v, int min)
    {
        if (v < min) Fail($"{key} must be >= {min} (got {v})");
    }

    private static void Fail(string message) => throw new R1SharpException("SFT config: " + message);
}
