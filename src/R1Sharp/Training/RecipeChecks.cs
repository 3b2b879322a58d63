// Range checks shared by the recipe configs' Validate(): one-line errors prefixed with the recipe's name
// ("GRPO config: beta must be >= 0 (got -1)").
using System.Globalization;
using System.Runtime.CompilerServices;

namespace R1Sharp.Training;

/// <summary>Validation helpers for a recipe config; <paramref name="prefix"/> names the recipe in messages.</summary>
internal sealed class RecipeChecks(string prefix)
{
    /// <summary>Shortest round-trip text of a number, as the config file would hold it.</summary>
    public static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    public void Positive(string key, double v)
    {
        if (!(v > 0)) Fail($"{key} must be > 0 (got {F(v)})");
    }

    public void AtLeast(string key, int v, int min)
    {
        if (v < min) Fail($"{key} must be >= {min} (got {v})");
    }

    private static readonly ConditionalWeakTable<object, object> ResolvedConfigs = new();

    /// <summary>
    /// Marks <paramref name="config"/> as the result of its Validate(), so validating it again returns it as is (a config
    /// is validated and its derived values resolved once). By reference: a <c>with</c> copy is a new config, unvalidated.
    /// </summary>
    private static T Resolved<T>(T config) where T : class
    {
        ResolvedConfigs.AddOrUpdate(config, config);
        return config;
    }

    /// <summary>
    /// A recipe config's Validate(): <paramref name="config"/> as is when a Validate() returned it, else
    /// <paramref name="check"/>'s resolved copy, marked as validated (so a config passing several layers is checked once).
    /// </summary>
    public static T Once<T>(T config, Func<T, T> check) where T : class => IsResolved(config) ? config : Resolved(check(config));

    /// <summary>True when <paramref name="config"/> is an instance <see cref="Resolved"/> returned.</summary>
    public static bool IsResolved(object config) => ResolvedConfigs.TryGetValue(config, out _);

    /// <summary>Throws the recipe's one-line <see cref="R1SharpException"/>.</summary>
    public void Fail(string message) => throw new R1SharpException($"{prefix}: {message}");

    /// <summary>
    /// The keys every trainer shares (TRL's TrainingArguments): learning rate, batch and accumulation, warm-up, the
    /// logging/saving cadence and max_steps (<paramref name="minusOneSteps"/> says what its -1 means), then AdamW,
    /// clipping and the MoE balancing keys.
    /// </summary>
    public void Trainer(ITrainerKeys c, string minusOneSteps)
    {
        Positive("learning_rate", c.LearningRate);
        AtLeast("per_device_train_batch_size", c.PerDeviceTrainBatchSize, 1);
        AtLeast("gradient_accumulation_steps", c.GradientAccumulationSteps, 1);
        AtLeast("warmup_steps", c.WarmupSteps, 0);
        AtLeast("logging_steps", c.LoggingSteps, 1);
        AtLeast("save_steps", c.SaveSteps, 0);
        if (c.MaxSteps == 0 || c.MaxSteps < -1) Fail($"max_steps must be positive, or -1 {minusOneSteps} (got {c.MaxSteps})");
        if (!(c.WarmupRatio >= 0 && c.WarmupRatio < 1)) Fail($"warmup_ratio must be in [0, 1) (got {F(c.WarmupRatio)})");
        if (!(c.MaxGradNorm >= 0)) Fail($"max_grad_norm must be >= 0 (got {F(c.MaxGradNorm)}); 0 disables clipping");
        if (!(c.WeightDecay >= 0)) Fail($"weight_decay must be >= 0 (got {F(c.WeightDecay)})");
        if (!(c.AdamBeta1 >= 0 && c.AdamBeta1 < 1)) Fail($"adam_beta1 must be in [0, 1) (got {F(c.AdamBeta1)}); usual 0.9");
        if (!(c.AdamBeta2 >= 0 && c.AdamBeta2 < 1)) Fail($"adam_beta2 must be in [0, 1) (got {F(c.AdamBeta2)}); usual 0.999");
        Positive("adam_epsilon", c.AdamEpsilon);
        if (!(c.MoeBiasUpdateSpeed >= 0) || double.IsInfinity(c.MoeBiasUpdateSpeed))
            Fail($"moe_bias_update_speed must be finite and >= 0 (got {F(c.MoeBiasUpdateSpeed)}); DeepSeek-V3 used 0.001, 0 disables");
        LossWeight("seq_aux_loss_alpha", c.SeqAuxLossAlpha, "DeepSeek-V3 used 0.0001");
        foreach (string r in c.ReportTo)
            if (r is not ("none" or "tensorboard"))
                Fail($"report_to: '{r}' is not implemented; use \"tensorboard\" (event files in output_dir/runs) or \"none\" (metrics.jsonl is always written)");
        if (c.ReportTo.Contains("none") && c.ReportTo.Contains("tensorboard"))
            Fail("report_to lists both \"none\" and \"tensorboard\"; keep one");
    }

    /// <summary>True when the config's report_to asks for TensorBoard event files.</summary>
    public static bool ReportsToTensorBoard(ITrainerKeys c) => c.ReportTo.Contains("tensorboard");

    /// <summary>
    /// chat_template: one of the names of r1's <c>--chat-template</c> (<see cref="Text.ChatTemplates.ChatTemplate.Names"/>),
    /// spelled the same in both recipes and on the command line. The older spellings (SFT's r1_zero and model, GRPO's
    /// chat) are refused with the one to write, so one spelling stays in use.
    /// </summary>
    public void ChatTemplateName(string value)
    {
        var names = Text.ChatTemplates.ChatTemplate.Names;
        if (names.Contains(value)) return;
        string? now = value switch { "r1_zero" => "r1-zero", "model" or "chat" => "auto", _ => null };
        Fail(now is not null
            ? $"chat_template '{value}' is now spelled '{now}' (as r1's --chat-template); set \"chat_template\": \"{now}\""
            : $"chat_template '{value}' is unknown; use one of {string.Join(", ", names)} (auto = the model's own template)");
    }

    /// <summary>A loss weight (seq_aux_loss_alpha, mtp_loss_weight): finite and ≥ 0, 0 = off.</summary>
    public void LossWeight(string key, double v, string usual)
    {
        if (!(v >= 0) || double.IsInfinity(v)) Fail($"{key} must be finite and >= 0 (got {F(v)}); {usual}, 0 disables");
    }
}

/// <summary>The config keys every trainer has (GRPO, SFT), checked once by <see cref="RecipeChecks.Trainer"/>.</summary>
internal interface ITrainerKeys
{
    double LearningRate { get; }
    int PerDeviceTrainBatchSize { get; }
    int GradientAccumulationSteps { get; }
    int WarmupSteps { get; }
    double WarmupRatio { get; }
    int LoggingSteps { get; }
    int SaveSteps { get; }
    int MaxSteps { get; }
    double MaxGradNorm { get; }
    double WeightDecay { get; }
    double AdamBeta1 { get; }
    double AdamBeta2 { get; }
    double AdamEpsilon { get; }
    double MoeBiasUpdateSpeed { get; }
    double SeqAuxLossAlpha { get; }
    IReadOnlyList<string> ReportTo { get; }
}
