// The GRPO per-token clipped surrogate + k3 KL (DeepSeekMath eq. 3, DAPO clip-higher) and its aggregation by
// loss_type, as TRL computes them (trl/trainer/grpo_trainer.py, _compute_loss). Pure functions on TorchSharp tensors.
using R1Sharp.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Training.Grpo;

/// <summary>
/// Logged by <see cref="GrpoLoss.PerToken"/>, each a mean over the unmasked tokens (TRL's clip_ratio/* and kl).
/// </summary>
/// <param name="ClipRatioLow">Tokens with ρ &lt; 1 − ε_low and A &lt; 0 (the clip is active and stops the gradient).</param>
/// <param name="ClipRatioHigh">Tokens with ρ &gt; 1 + ε_high and A &gt; 0.</param>
/// <param name="ClipRatioRegion">Tokens in either of the two.</param>
/// <param name="MeanKl">Mean k3 KL to the reference; NaN when no reference log-probs were given.</param>
public readonly record struct GrpoLossMetrics(double ClipRatioLow, double ClipRatioHigh, double ClipRatioRegion, double MeanKl);

/// <summary>The per-token loss (B, T), still attached to the autograd graph of logp, and its metrics.</summary>
public readonly record struct GrpoTokenLoss(Tensor Loss, GrpoLossMetrics Metrics);

/// <summary>GRPO loss math; see R1-METHOD.md §1 for the formulas.</summary>
public static partial class GrpoLoss
{
    /// <summary>
    /// per-token loss = −min(ρ·A, clip(ρ, 1 − ε_low, 1 + ε_high)·A) + β·k3, with ρ = exp(logp − old) and
    /// k3 = exp(ref − logp) − (ref − logp) − 1.
    /// </summary>
    /// <param name="logp">log π_θ of the sampled tokens, (B, T), requires grad.</param>
    /// <param name="oldLogp">log π_old, (B, T); null when μ = 1 and the batch is used once: then old = logp.detach(),
    /// so ρ = 1 in value while the gradient still flows (the "loss is zero" that is not a bug).</param>
    /// <param name="refLogp">log π_ref, (B, T); needed when <paramref name="beta"/> ≠ 0, used for the KL metric otherwise.</param>
    /// <param name="advantages">A per sequence (B), broadcast over its tokens, or per token (B, T).</param>
    /// <param name="mask">1 for completion tokens that count, 0 for padding/masked, (B, T); bool or float.</param>
    /// <param name="epsilonLow">ε_low: ρ is clipped below at 1 − ε_low (0.2).</param>
    /// <param name="epsilonHigh">ε_high: ρ is clipped above at 1 + ε_high (0.2; DAPO 0.28).</param>
    /// <param name="beta">β, the weight of the k3 KL term; 0 leaves it out of the loss.</param>
    /// <param name="computeMetrics">False skips the metrics (they cost a few host syncs); they are then NaN.</param>
    /// <example>
    /// A = 1, ρ = 1.5, ε = 0.2: −min(1.5, 1.2) = −1.2 (clipped, no gradient). A = −1, ρ = 1.5: −min(−1.5, −1.2) = 1.5
    /// (not clipped: a bad token that became likelier is always pushed down).
    /// </example>
    public static GrpoTokenLoss PerToken(Tensor logp, Tensor? oldLogp, Tensor? refLogp, Tensor advantages, Tensor mask,
        double epsilonLow, double epsilonHigh, double beta, bool computeMetrics = true) =>
        Policy(logp, oldLogp, refLogp, advantages, mask,
            new GrpoLossOptions { LossType = LossType.Grpo, EpsilonLow = epsilonLow, EpsilonHigh = epsilonHigh, Beta = beta },
            computeMetrics: computeMetrics);

    /// <summary>
    /// Reduces the per-token losses of one micro-batch to the loss to back-propagate (TRL _compute_loss):
    /// <list type="bullet">
    /// <item>grpo: Σ_t(l·m)/max(Σ_t m, 1) per sequence, mean over sequences, / accumulation steps;</item>
    /// <item>bnpo: Σ(l·m) / max(Σ m, 1) / accumulation steps;</item>
    /// <item>dr_grpo: Σ(l·m) / (B · max_completion_length) / accumulation steps;</item>
    /// <item>dapo: Σ(l·m) / max(numItemsInBatch, 1), where numItemsInBatch counts the unmasked tokens of the whole
    /// accumulated batch, so the accumulated gradient is the token mean over it (no division by the steps);</item>
    /// <item>cispo: as dapo; sapo: as grpo (TRL);</item>
    /// <item>luspo: Σ_t(l·m) per sequence, mean over sequences, / accumulation steps: TRL's mean(l_seq·|o|) for a
    /// sequence-level loss l_seq (LUSPO's length scaling; equal to TRL's whenever l is constant along the sequence).</item>
    /// </list>
    /// </summary>
    public static Tensor Aggregate(Tensor perToken, Tensor mask, LossType lossType, int maxCompletionLength,
        double? numItemsInBatch = null, int gradientAccumulationSteps = 1)
    {
        if (perToken.dim() != 2 || !perToken.shape.SequenceEqual(mask.shape))
            throw new ArgumentException($"perToken {Shape(perToken)} and mask {Shape(mask)} must be the same (B, T)");
        if (gradientAccumulationSteps < 1)
            throw new ArgumentOutOfRangeException(nameof(gradientAccumulationSteps), gradientAccumulationSteps, "must be >= 1");
        using var scope = NewDisposeScope();
        var m = mask.to_type(perToken.dtype);
        var masked = perToken * m;
        Tensor loss = lossType switch
        {
            LossType.Grpo or LossType.Sapo => (masked.sum(1) / m.sum(1).ClampMin(1.0)).mean().DividedBy(gradientAccumulationSteps),
            LossType.Luspo => masked.sum(1).mean().DividedBy(gradientAccumulationSteps),
            LossType.Bnpo => (masked.sum() / m.sum().ClampMin(1.0)).DividedBy(gradientAccumulationSteps),
            LossType.DrGrpo => masked.sum().DividedBy((double)perToken.shape[0] * CheckLength(maxCompletionLength)).DividedBy(gradientAccumulationSteps),
            LossType.Dapo or LossType.Cispo => masked.sum().DividedBy(Math.Max(numItemsInBatch
                ?? throw new ArgumentException($"loss_type {lossType} needs numItemsInBatch (unmasked tokens in the accumulated batch)", nameof(numItemsInBatch)), 1.0)),
            _ => throw new ArgumentOutOfRangeException(nameof(lossType), lossType, null),
        };
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>Mean of <paramref name="values"/> over the tokens where <paramref name="mask"/> is set (0 when none).</summary>
    public static double MaskedMean(Tensor values, Tensor mask)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var m = mask.to_type(ScalarType.Float64);
        return ((values.detach().to_type(ScalarType.Float64) * m).sum() / m.sum().ClampMin(1.0)).ItemAsDouble();
    }

    private static void CheckShapes(Tensor logp, Tensor? oldLogp, Tensor? refLogp, Tensor advantages, Tensor mask)
    {
        if (logp.dim() != 2) throw new ArgumentException($"logp must be (B, T), got {Shape(logp)}", nameof(logp));
        foreach (var (t, name) in new[] { (oldLogp, "oldLogp"), (refLogp, "refLogp"), ((Tensor?)mask, "mask") })
            if (t is not null && !t.shape.SequenceEqual(logp.shape))
                throw new ArgumentException($"{name} is {Shape(t)} but logp is {Shape(logp)}", name);
        bool perSequence = advantages.dim() == 1 && advantages.shape[0] == logp.shape[0];
        if (!perSequence && !advantages.shape.SequenceEqual(logp.shape))
            throw new ArgumentException($"advantages must be (B) or (B, T) for logp {Shape(logp)}, got {Shape(advantages)}", nameof(advantages));
    }

    private static int CheckLength(int maxCompletionLength) => maxCompletionLength >= 1 ? maxCompletionLength
        : throw new ArgumentOutOfRangeException(nameof(maxCompletionLength), maxCompletionLength, "dr_grpo needs max_completion_length >= 1");

    private static string Shape(Tensor t) => "(" + string.Join(", ", t.shape) + ")";
}
