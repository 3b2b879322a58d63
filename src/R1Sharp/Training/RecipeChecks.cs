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
    public static T Resolved<T>(T config) where T : class
    {
        ResolvedConfigs.AddOrUpdate(config, config);
        return config;
    }

    /// <summary>True when <paramref name="config"/> is an instance <see cref="Resolved"/> returned.</summary>
    public static bool IsResolved(object config) => ResolvedConfigs.TryGetValue(config, out _);

    /// <summary>Throws the recipe's one-line <see cref="R1SharpException"/>.</summary>
    public void Fail(string message) => throw new R1SharpException($"{prefix}: {message}");

    /// <summary>The AdamW, clipping and MoE-balancing keys every recipe shares.</summary>
    public void Optimizer(double maxGradNorm, double weightDecay, double beta1, double beta2, double epsilon, double moeBiasUpdateSpeed)
    {
        if (!(maxGradNorm >= 0)) Fail($"max_grad_norm must be >= 0 (got {F(maxGradNorm)}); 0 disables clipping");
        if (!(weightDecay >= 0)) Fail($"weight_decay must be >= 0 (got {F(weightDecay)})");
        if (!(beta1 >= 0 && beta1 < 1)) Fail($"adam_beta1 must be in [0, 1) (got {F(beta1)}); usual 0.9");
        if (!(beta2 >= 0 && beta2 < 1)) Fail($"adam_beta2 must be in [0, 1) (got {F(beta2)}); usual 0.999");
        Positive("adam_epsilon", epsilon);
        if (!(moeBiasUpdateSpeed >= 0) || double.IsInfinity(moeBiasUpdateSpeed))
            Fail($"moe_bias_update_speed must be finite and >= 0 (got {F(moeBiasUpdateSpeed)}); DeepSeek-V3 used 0.001, 0 disables");
    }

    /// <summary>A loss weight (seq_aux_loss_alpha, mtp_loss_weight): finite and ≥ 0, 0 = off.</summary>
    public void LossWeight(string key, double v, string usual)
    {
        if (!(v >= 0) || double.IsInfinity(v)) Fail($"{key} must be finite and >= 0 (got {F(v)}); {usual}, 0 disables");
    }
}
