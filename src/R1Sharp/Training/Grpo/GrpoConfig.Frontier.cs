// GRPO options of 2025–26 (issue 16): sequence-level ratios (GSPO), CISPO/SAPO, two-sided clipping, entropy control,
// multi-reward aggregation (GDPO), rollout importance-sampling correction, reference sync and resets. Names follow TRL's
// GRPOConfig (trl/trainer/grpo_config.py at 2026 heads) where TRL has the option; each doc comment names its source.
using System.Text.Json.Serialization;

namespace R1Sharp.Training.Grpo;

/// <summary>Where the importance ratio ρ is taken (TRL <c>importance_sampling_level</c>).</summary>
public enum ImportanceSamplingLevel
{
    /// <summary>One ratio per token, ρ_t = π_θ(y_t)/π_old(y_t) (PPO, GRPO).</summary>
    Token,
    /// <summary>One ratio per sequence, exp(mean_t log ρ_t) (GSPO, arXiv 2507.18071 eq. 7).</summary>
    Sequence,
}

/// <summary>How several reward functions become one advantage (TRL <c>multi_objective_aggregation</c>).</summary>
public enum MultiObjectiveAggregation
{
    /// <summary>Weighted sum of the rewards, then scale_rewards (GRPO).</summary>
    SumThenNormalize,
    /// <summary>Each reward normalised within its group, weighted sum, then normalised over the batch (GDPO, arXiv 2601.05242).</summary>
    NormalizeThenSum,
}

/// <summary>
/// Correction for rollouts whose sampler differs from the trained policy (TRL <c>vllm_importance_sampling_mode</c>;
/// veRL <c>rollout_is</c>): the weight w = π_train(y)/π_behaviour(y) of each token or sequence is truncated at, or
/// masked outside, [clip_min, clip_max].
/// </summary>
public enum ImportanceSamplingCorrection
{
    /// <summary>No correction (the rollouts are taken as on-policy).</summary>
    None,
    /// <summary>Per-token w clipped to [clip_min, clip_max] (truncated IS, "TIS").</summary>
    TokenTruncate,
    /// <summary>Per-token w set to 0 outside [clip_min, clip_max] (masked IS).</summary>
    TokenMask,
    /// <summary>One w per sequence (product of its token ratios), clipped.</summary>
    SequenceTruncate,
    /// <summary>One w per sequence, the sequence dropped when outside the bounds (TRL's default mode).</summary>
    SequenceMask,
}

public sealed partial record GrpoConfig
{
    /// <summary>token or sequence ratios (TRL importance_sampling_level, default token). GSPO's recipe: sequence,
    /// epsilon 3e-4, epsilon_high 4e-4, beta 0.</summary>
    [JsonPropertyName("importance_sampling_level")] public ImportanceSamplingLevel ImportanceSamplingLevel { get; init; } = ImportanceSamplingLevel.Token;

    /// <summary>δ of two-sided clipping (TRL delta; INTELLECT-2, arXiv 2505.07291 §3): ρ is also capped at δ in the
    /// unclipped term, so a negative-advantage token with a huge ratio cannot blow up the loss. Null = off; INTELLECT-2 used 4.</summary>
    [JsonPropertyName("delta")] public double? Delta { get; init; }

    /// <summary>τ_pos of SAPO's soft gate for A &gt; 0 (TRL sapo_temperature_pos, default 1.0; arXiv 2511.20347).</summary>
    [JsonPropertyName("sapo_temperature_pos")] public double SapoTemperaturePos { get; init; } = 1.0;

    /// <summary>τ_neg of SAPO's soft gate for A ≤ 0 (TRL sapo_temperature_neg, default 1.05).</summary>
    [JsonPropertyName("sapo_temperature_neg")] public double SapoTemperatureNeg { get; init; } = 1.05;

    /// <summary>ρ of "Beyond the 80/20 rule" (arXiv 2506.01939; TRL top_entropy_quantile, default 1.0 = all tokens):
    /// only the top-ρ share of tokens by entropy carry policy loss. The paper used 0.2.</summary>
    [JsonPropertyName("top_entropy_quantile")] public double TopEntropyQuantile { get; init; } = 1.0;

    /// <summary>Weight of the entropy bonus −c·H (TRL entropy_coef, default 0 = off); the initial c under adaptive control.</summary>
    [JsonPropertyName("entropy_coef")] public double EntropyCoef { get; init; }

    /// <summary>Skywork-OR1's adaptive entropy control (arXiv 2505.22312 §3.2.3; TRL use_adaptive_entropy): c moves by
    /// entropy_coef_delta toward keeping the entropy at entropy_target, and applies only while the entropy is at or below it.</summary>
    [JsonPropertyName("use_adaptive_entropy")] public bool UseAdaptiveEntropy { get; init; }

    /// <summary>Lower bound of the adaptive c (TRL entropy_coef_min, default 0).</summary>
    [JsonPropertyName("entropy_coef_min")] public double EntropyCoefMin { get; init; }

    /// <summary>Upper bound of the adaptive c (TRL entropy_coef_max, default 1).</summary>
    [JsonPropertyName("entropy_coef_max")] public double EntropyCoefMax { get; init; } = 1.0;

    /// <summary>Step of the adaptive c per optimizer step (TRL entropy_coef_delta, default 0.005; Skywork-OR1 Δ).</summary>
    [JsonPropertyName("entropy_coef_delta")] public double EntropyCoefDelta { get; init; } = 0.005;

    /// <summary>Target mean entropy in nats of the trained tokens (TRL entropy_target, default 0.2; Skywork-OR1 tgt-ent).</summary>
    [JsonPropertyName("entropy_target")] public double EntropyTarget { get; init; } = 0.2;

    /// <summary>sum_then_normalize (default) or normalize_then_sum (GDPO) (TRL multi_objective_aggregation).</summary>
    [JsonPropertyName("multi_objective_aggregation")] public MultiObjectiveAggregation MultiObjectiveAggregation { get; init; } = MultiObjectiveAggregation.SumThenNormalize;

    /// <summary>Off-policy correction on the rollouts' behaviour log-probs (TRL vllm_importance_sampling_correction +
    /// vllm_importance_sampling_mode, without the vLLM prefix since any engine can sample): none (default here, the
    /// rollouts come from the policy's own weights) or token_truncate, token_mask, sequence_truncate, sequence_mask.</summary>
    [JsonPropertyName("importance_sampling_correction")] public ImportanceSamplingCorrection ImportanceSamplingCorrection { get; init; } = ImportanceSamplingCorrection.None;

    /// <summary>C_max of the correction (TRL vllm_importance_sampling_clip_max, formerly _cap, default 3); null = no upper bound.</summary>
    [JsonPropertyName("importance_sampling_clip_max")] public double? ImportanceSamplingClipMax { get; init; } = 3.0;

    /// <summary>C_min of the correction (TRL vllm_importance_sampling_clip_min, default null = no lower bound).</summary>
    [JsonPropertyName("importance_sampling_clip_min")] public double? ImportanceSamplingClipMin { get; init; }

    /// <summary>δ of DeepSeek-V3.2's off-policy sequence masking (arXiv 2512.02556 eq. 9; TRL off_policy_mask_threshold):
    /// a sequence with A &lt; 0 whose mean log(π_behaviour/π_θ) exceeds δ is dropped. Null = off; e.g. 0.5.</summary>
    [JsonPropertyName("off_policy_mask_threshold")] public double? OffPolicyMaskThreshold { get; init; }

    /// <summary>DeepSeek-V3.2's unbiased KL estimate (§3.1; TRL use_bias_correction_kl): the k3 term is weighted by ρ.</summary>
    [JsonPropertyName("use_bias_correction_kl")] public bool UseBiasCorrectionKl { get; init; }

    /// <summary>TR-DPO's soft reference update (arXiv 2404.09656; TRL sync_ref_model): every ref_model_sync_steps,
    /// π_ref ← α·π_θ + (1 − α)·π_ref. Needs beta &gt; 0 (a reference model).</summary>
    [JsonPropertyName("sync_ref_model")] public bool SyncRefModel { get; init; }

    /// <summary>α of sync_ref_model (TRL ref_model_mixup_alpha, default 0.6).</summary>
    [JsonPropertyName("ref_model_mixup_alpha")] public double RefModelMixupAlpha { get; init; } = 0.6;

    /// <summary>τ of sync_ref_model, in optimizer steps (TRL ref_model_sync_steps, default 512).</summary>
    [JsonPropertyName("ref_model_sync_steps")] public int RefModelSyncSteps { get; init; } = 512;

    /// <summary>ProRL's reference resets (arXiv 2505.24864 §3.2; not in TRL): every this many optimizer steps the
    /// reference becomes a copy of the policy and the AdamW moments are reset. 0 (default) = never; needs beta &gt; 0.</summary>
    [JsonPropertyName("ref_model_reset_steps")] public int RefModelResetSteps { get; init; }

    /// <summary>True when the rollouts' behaviour log-probs are used (IS correction or off-policy masking).</summary>
    [JsonIgnore] public bool UsesBehaviorLogProbs =>
        ImportanceSamplingCorrection != ImportanceSamplingCorrection.None || OffPolicyMaskThreshold is not null;

    /// <summary>True when an entropy bonus is part of the loss (a static c ≠ 0, or adaptive control).</summary>
    [JsonIgnore] public bool UsesEntropyBonus => EntropyCoef != 0 || UseAdaptiveEntropy;

    /// <summary>The loss options of <see cref="GrpoLoss.Policy"/> this config asks for.</summary>
    [JsonIgnore] public GrpoLossOptions LossOptions => new()
    {
        LossType = LossType, Level = ImportanceSamplingLevel, EpsilonLow = Epsilon, EpsilonHigh = EpsilonHigh ?? Epsilon,
        Delta = Delta, SapoTemperaturePos = SapoTemperaturePos, SapoTemperatureNeg = SapoTemperatureNeg, Beta = Beta,
        UseBiasCorrectionKl = UseBiasCorrectionKl,
    };

    private void CheckFrontier()
    {
        if (LossType == LossType.Luspo && ImportanceSamplingLevel != ImportanceSamplingLevel.Sequence)
            Check.Fail("loss_type=luspo scales each sequence's GSPO loss by its length and needs importance_sampling_level=sequence; set --importance_sampling_level=sequence or pick another loss_type");
        if (Delta is { } d && !(d > 1))
            Check.Fail($"delta must be > 1 (got {RecipeChecks.F(d)}): it caps ρ from above in two-sided clipping; INTELLECT-2 used 4, or leave it unset");
        if (Delta is not null && LossType is LossType.Cispo or LossType.Sapo)
            Check.Fail($"delta caps the ratio of the clipped surrogate; loss_type={Name(LossType)} has no such term (cispo clips at epsilon_high, sapo gates softly); unset delta");
        if (!(SapoTemperaturePos > 0) || !(SapoTemperatureNeg > 0))
            Check.Fail($"sapo_temperature_pos and sapo_temperature_neg must be > 0 (got {RecipeChecks.F(SapoTemperaturePos)}, {RecipeChecks.F(SapoTemperatureNeg)}); SAPO used 1.0 and 1.05");
        if (!(TopEntropyQuantile >= 0 && TopEntropyQuantile <= 1))
            Check.Fail($"top_entropy_quantile must be in [0, 1] (got {RecipeChecks.F(TopEntropyQuantile)}); 1 keeps every token, the 80/20 paper used 0.2");
        if (EntropyCoef < 0) Check.Fail($"entropy_coef must be >= 0 (got {RecipeChecks.F(EntropyCoef)}); it weighs an entropy bonus");
        if (UseAdaptiveEntropy && !(EntropyCoefMin >= 0 && EntropyCoefMin <= EntropyCoefMax))
            Check.Fail($"entropy_coef_min ({RecipeChecks.F(EntropyCoefMin)}) must be >= 0 and <= entropy_coef_max ({RecipeChecks.F(EntropyCoefMax)})");
        if (UseAdaptiveEntropy && !(EntropyCoefDelta > 0)) Check.Fail($"entropy_coef_delta must be > 0 with use_adaptive_entropy (got {RecipeChecks.F(EntropyCoefDelta)}); Skywork-OR1 used 0.005");
        if (UseAdaptiveEntropy && !(EntropyTarget > 0)) Check.Fail($"entropy_target must be > 0 nats with use_adaptive_entropy (got {RecipeChecks.F(EntropyTarget)})");
        if (MultiObjectiveAggregation == MultiObjectiveAggregation.NormalizeThenSum && ScaleRewards != ScaleRewards.Group)
            Check.Fail($"multi_objective_aggregation=normalize_then_sum normalises each reward per group and the sum by the batch std, so scale_rewards={Name(ScaleRewards)} cannot apply; leave scale_rewards=group");
        if (ImportanceSamplingClipMax is { } hi && !(hi > 0)) Check.Fail($"importance_sampling_clip_max must be > 0 (got {RecipeChecks.F(hi)}); TRL uses 3");
        if (ImportanceSamplingClipMin is { } lo && (lo < 0 || (ImportanceSamplingClipMax is { } h && lo >= h)))
            Check.Fail($"importance_sampling_clip_min ({RecipeChecks.F(lo)}) must be >= 0 and below importance_sampling_clip_max");
        if (ImportanceSamplingCorrection != ImportanceSamplingCorrection.None && ImportanceSamplingClipMax is null && ImportanceSamplingClipMin is null)
            Check.Fail($"importance_sampling_correction={Name(ImportanceSamplingCorrection)} needs importance_sampling_clip_max or _clip_min; TRL uses clip_max 3");
        if (OffPolicyMaskThreshold is { } t && !(t > 0)) Check.Fail($"off_policy_mask_threshold must be > 0 (got {RecipeChecks.F(t)}); DeepSeek-V3.2's δ, e.g. 0.5");
        if (UseBiasCorrectionKl && Beta == 0) Check.Fail("use_bias_correction_kl weights the KL term, but beta is 0 (no KL term); set --beta (R1 used 0.001) or unset it");
        if ((SyncRefModel || RefModelResetSteps > 0) && Beta == 0)
            Check.Fail("sync_ref_model and ref_model_reset_steps update the reference model, but beta is 0 (no reference is kept); set --beta or turn them off");
        if (SyncRefModel && RefModelResetSteps > 0)
            Check.Fail("sync_ref_model (soft mixing) and ref_model_reset_steps (hard resets) both move the reference; keep one");
        if (SyncRefModel && !(RefModelMixupAlpha > 0 && RefModelMixupAlpha <= 1))
            Check.Fail($"ref_model_mixup_alpha must be in (0, 1] (got {RecipeChecks.F(RefModelMixupAlpha)}); TR-DPO used 0.6");
        if (SyncRefModel) Check.AtLeast("ref_model_sync_steps", RefModelSyncSteps, 1);
        Check.AtLeast("ref_model_reset_steps", RefModelResetSteps, 0);
    }
}
