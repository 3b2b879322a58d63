// Off-policy correction for rollouts sampled by another engine or an older policy: truncated / masked importance
// sampling on the behaviour log-probs (TRL _generate_and_score_completions' vllm_importance_sampling_*; veRL rollout_is;
// "Your efficient RL framework secretly brings you off-policy RL training", Yao et al. 2025) and DeepSeek-V3.2's
// off-policy sequence masking (arXiv 2512.02556 eq. 9; TRL get_off_policy_mask). Pure functions on tensors.
using R1Sharp.Tensors;
using static TorchSharp.torch;

namespace R1Sharp.Training.Grpo;

/// <summary>Statistics of the IS weights over the unmasked tokens (token modes) or sequences (sequence modes).</summary>
/// <param name="Mean">Mean weight after truncation/masking.</param>
/// <param name="Max">Largest weight after truncation/masking.</param>
/// <param name="FractionCorrected">Share whose raw weight lay outside [clip_min, clip_max] (truncated or masked).</param>
public readonly record struct IsWeightStats(double Mean, double Max, double FractionCorrected);

/// <summary>The correction's weights and their statistics.</summary>
public readonly record struct IsWeights(Tensor Weights, IsWeightStats Stats);

/// <summary>See the file header.</summary>
public static class OffPolicyCorrection
{
    /// <summary>
    /// w = exp(trainLogp − behaviourLogp) per token (masked tokens 0 in the exponent), or per sequence
    /// exp(Σ_t m·(trainLogp − behaviourLogp)) (B, 1); then truncate: clamp(w, C_min, C_max), or mask: w = 0 outside
    /// [C_min, C_max]. The policy loss is multiplied by w (TRL: per_token_loss * importance_sampling_ratio).
    /// </summary>
    /// <param name="trainLogp">log-probs of the sampled tokens under the trained weights at rollout time (π_old), (B, T).</param>
    /// <param name="behaviourLogp">log-probs the sampler reported for the same tokens, (B, T).</param>
    /// <param name="mask">(B, T), 1 where a token counts.</param>
    /// <param name="mode">Not <see cref="ImportanceSamplingCorrection.None"/>.</param>
    /// <param name="clipMin">C_min or null (no lower bound).</param>
    /// <param name="clipMax">C_max or null (no upper bound).</param>
    /// <example>Token diffs [0, ln 4, −ln 2], C_max 3: token_truncate [1, 3, 0.5], token_mask [1, 0, 0.5];
    /// sequence: exp(ln 2) = 2 for both sequence modes.</example>
    public static IsWeights Weights(Tensor trainLogp, Tensor behaviourLogp, Tensor mask, ImportanceSamplingCorrection mode,
        double? clipMin, double? clipMax)
    {
        if (mode == ImportanceSamplingCorrection.None) throw new ArgumentException("mode none has no weights", nameof(mode));
        if (!trainLogp.shape.SequenceEqual(behaviourLogp.shape) || !trainLogp.shape.SequenceEqual(mask.shape))
            throw new ArgumentException("trainLogp, behaviourLogp and mask must have the same (B, T) shape");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var m = mask.to_type(trainLogp.dtype);
        var diff = (trainLogp.detach() - behaviourLogp.to_type(trainLogp.dtype)) * m;            // (B, T)
        bool sequence = mode is ImportanceSamplingCorrection.SequenceTruncate or ImportanceSamplingCorrection.SequenceMask;
        var raw = exp(sequence ? diff.sum(1, keepdim: true) : diff);                              // (B, 1) or (B, T)
        var outside = zeros_like(raw, dtype: ScalarType.Bool);
        if (clipMax is { } hi) outside = outside.logical_or(raw.Gt(hi));
        if (clipMin is { } lo) outside = outside.logical_or(raw.Lt(lo));
        Tensor w = mode is ImportanceSamplingCorrection.TokenTruncate or ImportanceSamplingCorrection.SequenceTruncate
            ? raw.Clamp(clipMin ?? double.NegativeInfinity, clipMax ?? double.PositiveInfinity)
            : raw.MaskedFill(outside, 0.0);
        var valid = sequence ? m.sum(1, keepdim: true).Gt(0) : mask.to_type(ScalarType.Bool);
        var stats = new IsWeightStats(GrpoLoss.MaskedMean(w, valid), MaskedMax(w, valid), GrpoLoss.MaskedMean(outside, valid));
        return new IsWeights(w.MoveToOuterDisposeScope(), stats);
    }

    /// <summary>
    /// DeepSeek-V3.2's off-policy sequence mask (eq. 9): keep a sequence (1) when A ≥ 0 or its mean
    /// log(π_behaviour/π_θ) over the unmasked tokens is ≤ δ; drop it (0) otherwise. (B, 1), no gradient.
    /// </summary>
    /// <example>A = −1, behaviour − logp = [0.8, 0.4] on both tokens: mean 0.6 &gt; δ = 0.5 → 0; with A = +1 → 1.</example>
    public static Tensor SequenceMask(Tensor advantages, Tensor logp, Tensor behaviourLogp, Tensor mask, double threshold)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var m = mask.to_type(logp.dtype);
        var kl = (behaviourLogp.to_type(logp.dtype) - logp.detach()) * m;                         // (B, T)
        var meanKl = kl.sum(1, keepdim: true) / m.sum(1, keepdim: true).ClampMin(1.0);            // (B, 1)
        var adv = advantages.dim() == 1 ? advantages.unsqueeze(1) : advantages.narrow(1, 0, 1);
        var keep = adv.Ge(0).logical_or(meanKl.Le(threshold));
        return keep.to_type(logp.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>Share of sequences (with at least one unmasked token) the mask drops.</summary>
    public static double DroppedFraction(Tensor sequenceMask, Tensor mask)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var valid = mask.to_type(ScalarType.Float32).sum(1, keepdim: true).Gt(0);
        return GrpoLoss.MaskedMean(sequenceMask.Lt(0.5), valid);
    }

    private static double MaskedMax(Tensor values, Tensor valid)
    {
        var picked = values.masked_select(valid);                                                 // same shapes in both modes
        return picked.numel() == 0 ? double.NaN : picked.max().to_type(ScalarType.Float64).ItemAsDouble();
    }
}
