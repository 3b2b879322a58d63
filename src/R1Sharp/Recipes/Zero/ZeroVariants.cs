// The GRPO variants `r1 zero --loss-type` and `r1 zero ablate` compare, each a change to ZeroOptions.DefaultGrpo with its
// paper's recommended settings: GRPO (DeepSeekMath), BNPO, Dr. GRPO, DAPO (+ top-20 % entropy tokens, − dynamic sampling),
// GSPO, CISPO, SAPO, LUSPO.
using R1Sharp.Training.Grpo;

namespace R1Sharp.Recipes.Zero;

/// <summary>Named GRPO variants (see the file header).</summary>
public static class ZeroVariants
{
    /// <summary>The loss types `r1 zero --loss-type` accepts: TRL's loss_type names plus gspo (sequence-level ratios).</summary>
    public static readonly IReadOnlyList<string> LossTypes = ["grpo", "bnpo", "dr_grpo", "dapo", "gspo", "cispo", "sapo", "luspo"];

    /// <summary>Every variant name: the loss types and the DAPO ablations.</summary>
    public static readonly IReadOnlyList<string> Names = [.. LossTypes, "dapo-entropy", "dapo-nodyn"];

    /// <summary>The variants of the issue-16 ablation, in table order (bnpo: r1 zero's loss before the ablation).</summary>
    public static readonly IReadOnlyList<string> Ablation = ["grpo", "bnpo", "dr_grpo", "dapo", "gspo", "cispo", "sapo", "dapo-entropy", "dapo-nodyn"];

    /// <summary>
    /// <paramref name="config"/> changed to variant <paramref name="name"/>:
    /// <list type="bullet">
    /// <item>grpo, bnpo: that loss_type, nothing else;</item>
    /// <item>dr_grpo: loss_type dr_grpo and scale_rewards none (Dr. GRPO removes both normalisations);</item>
    /// <item>dapo: loss_type dapo, epsilon_high 0.28 (clip-higher), dynamic_sampling (DAPO §3.1–3.3);
    /// dapo-entropy adds top_entropy_quantile 0.2 (80/20 paper); dapo-nodyn drops dynamic sampling;</item>
    /// <item>gspo: importance_sampling_level sequence, loss_type grpo, epsilon 3e-4, epsilon_high 4e-4, beta 0 (GSPO §5.1, TRL's recipe);</item>
    /// <item>luspo: gspo with loss_type luspo;</item>
    /// <item>cispo: loss_type cispo, epsilon_high 5 (ScaleRL's ε_max, TRL's recommendation);</item>
    /// <item>sapo: loss_type sapo with τ_pos 1.0, τ_neg 1.05 (SAPO's defaults).</item>
    /// </list>
    /// </summary>
    /// <exception cref="R1SharpException">An unknown name (the message lists the known ones).</exception>
    public static GrpoConfig Apply(GrpoConfig config, string name)
    {
        var dapo = config with { LossType = LossType.Dapo, EpsilonHigh = 0.28, DynamicSampling = true };
        var gspo = config with { LossType = LossType.Grpo, ImportanceSamplingLevel = ImportanceSamplingLevel.Sequence, Epsilon = 3e-4, EpsilonHigh = 4e-4, Beta = 0 };
        return name switch
        {
            "grpo" => config with { LossType = LossType.Grpo },
            "bnpo" => config with { LossType = LossType.Bnpo },
            "dr_grpo" => config with { LossType = LossType.DrGrpo, ScaleRewards = ScaleRewards.None },
            "dapo" => dapo,
            "dapo-entropy" => dapo with { TopEntropyQuantile = 0.2 },
            "dapo-nodyn" => dapo with { DynamicSampling = false },
            "gspo" => gspo,
            "luspo" => gspo with { LossType = LossType.Luspo },
            "cispo" => config with { LossType = LossType.Cispo, EpsilonHigh = 5.0 },
            "sapo" => config with { LossType = LossType.Sapo, SapoTemperaturePos = 1.0, SapoTemperatureNeg = 1.05 },
            _ => throw new R1SharpException($"variant '{name}' is unknown; choose from {string.Join(", ", Names)}"),
        };
    }

    /// <summary>Splits a comma-separated list of variant names, checking each (one-line error naming the bad one).</summary>
    public static IReadOnlyList<string> Parse(string list, string option = "--variants")
    {
        var names = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 0) throw new R1SharpException($"{option}: no variant given; e.g. {string.Join(",", Ablation)}");
        foreach (var n in names)
            if (!Names.Contains(n)) throw new R1SharpException($"{option}: '{n}' is not a variant; choose from {string.Join(", ", Names)}");
        if (names.Distinct().Count() != names.Length) throw new R1SharpException($"{option}: a variant is listed twice");
        return names;
    }
}
