// Entropy control in GRPO: train only on the high-entropy "forking" tokens (Wang et al., "Beyond the 80/20 rule",
// arXiv 2506.01939; TRL get_high_entropy_mask) and an entropy bonus whose coefficient adapts toward a target entropy
// (Skywork-OR1, arXiv 2505.22312 §3.2.3; TRL use_adaptive_entropy / entropy_coef_*).
using R1Sharp.Tensors;
using static TorchSharp.torch;

namespace R1Sharp.Training.Grpo;

/// <summary>See the file header.</summary>
public static class EntropyControl
{
    /// <summary>
    /// The q-quantile of <paramref name="values"/> with linear interpolation between order statistics (torch.quantile's
    /// default): position q·(n − 1) in the sorted values.
    /// </summary>
    /// <example>[1, 2, 3, 4], q = 0.8 → position 2.4 → 3 + 0.4·(4 − 3) = 3.4.</example>
    public static double Quantile(IReadOnlyList<double> values, double q)
    {
        if (values.Count == 0) throw new ArgumentException("quantile of no values", nameof(values));
        if (!(q >= 0 && q <= 1)) throw new ArgumentOutOfRangeException(nameof(q), q, "must be in [0, 1]");
        var sorted = values.OrderBy(v => v).ToArray();
        double position = q * (sorted.Length - 1);
        int below = (int)Math.Floor(position), above = (int)Math.Ceiling(position);
        return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
    }

    /// <summary>
    /// True for the unmasked tokens whose entropy is at least the (1 − ρ)-quantile of the unmasked entropies: the top-ρ
    /// share (TRL: entropies ≥ torch.quantile(entropies[mask], 1 − top_entropy_quantile), within the micro-batch).
    /// ρ = 1 keeps every unmasked token; ρ = 0 keeps only the highest. No unmasked token: all false.
    /// </summary>
    /// <param name="entropies">(B, T) per-token entropies.</param>
    /// <param name="mask">(B, T), 1 where a token counts.</param>
    /// <param name="topQuantile">ρ in [0, 1].</param>
    /// <example>entropies [0.1, 2.0, 0.5, 1.0] all unmasked, ρ = 0.5: quantile(0.5) = 0.75 → [F, T, F, T].</example>
    public static Tensor HighEntropyMask(Tensor entropies, Tensor mask, double topQuantile)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var valid = mask.to_type(ScalarType.Bool);
        var picked = entropies.detach().masked_select(valid).to_type(ScalarType.Float64).data<double>().ToArray();
        if (picked.Length == 0) return zeros_like(valid).MoveToOuterDisposeScope();
        double threshold = Quantile(picked, 1 - topQuantile);
        return entropies.detach().to_type(ScalarType.Float64).Ge(threshold).logical_and(valid).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The micro-batch's entropy-bonus term H to subtract as c·H, scaled so that over an optimizer step it sums to the
    /// mean per-token entropy of the trained tokens whatever the loss_type (TRL _compute_loss): Σ(H·m) / numItemsInBatch
    /// for dapo and cispo, else Σ(H·m) / max(Σ m, 1) / accumulation steps. Differentiable through <paramref name="entropies"/>.
    /// </summary>
    public static Tensor BonusTerm(Tensor entropies, Tensor effectiveMask, LossType lossType, double numItemsInBatch, int gradientAccumulationSteps)
    {
        using var scope = NewDisposeScope();
        var m = effectiveMask.to_type(entropies.dtype);
        var sum = (entropies * m).sum();
        var term = lossType is LossType.Dapo or LossType.Cispo
            ? sum.DividedBy(Math.Max(numItemsInBatch, 1.0))
            : (sum / m.sum().ClampMin(1.0)).DividedBy(gradientAccumulationSteps);
        return term.MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Skywork-OR1's adaptive entropy coefficient as TRL implements it: after each optimizer step with measured entropy e,
/// c ← min(c + Δ, c_max) when e ≤ target, else max(c − Δ, c_min); the bonus of the next step applies c only while the last
/// measured entropy is ≤ target (before any measurement, e = +∞, so it applies 0).
/// </summary>
/// <example>c = 0, Δ = 0.005, target 0.2: e = 0.1 → c = 0.005 and the next step applies 0.005; e = 0.3 → c = 0, applies 0.</example>
public sealed class AdaptiveEntropyCoefficient
{
    private readonly double _target, _delta, _min, _max;

    /// <summary>A controller starting at <paramref name="initial"/>.</summary>
    public AdaptiveEntropyCoefficient(double initial, double target, double delta, double min, double max)
    {
        (Coefficient, _target, _delta, _min, _max) = (initial, target, delta, min, max);
        LastEntropy = double.PositiveInfinity;
    }

    /// <summary>The controller for a config: adaptive, or a fixed entropy_coef (Update then keeps it).</summary>
    public static AdaptiveEntropyCoefficient? For(GrpoConfig c) => !c.UsesEntropyBonus ? null
        : c.UseAdaptiveEntropy ? new(c.EntropyCoef, c.EntropyTarget, c.EntropyCoefDelta, c.EntropyCoefMin, c.EntropyCoefMax)
        : new(c.EntropyCoef, double.PositiveInfinity, 0, c.EntropyCoef, c.EntropyCoef);

    /// <summary>c, the current coefficient.</summary>
    public double Coefficient { get; private set; }

    /// <summary>The entropy measured at the end of the last optimizer step (+∞ before the first).</summary>
    public double LastEntropy { get; private set; }

    /// <summary>The coefficient the bonus uses in this step: c while the last entropy is ≤ target, else 0.</summary>
    public double Applied => LastEntropy <= _target ? Coefficient : 0.0;

    /// <summary>Moves c after an optimizer step whose trained tokens had mean entropy <paramref name="entropy"/>.</summary>
    public void Update(double entropy)
    {
        if (double.IsNaN(entropy)) return;
        Coefficient = entropy <= _target ? Math.Min(Coefficient + _delta, _max) : Math.Max(Coefficient - _delta, _min);
        LastEntropy = entropy;
    }

    /// <summary>Restores the state saved with a checkpoint.</summary>
    public void Restore(double coefficient, double lastEntropy) => (Coefficient, LastEntropy) = (coefficient, lastEntropy);
}
