// The per-token policy loss of every TRL loss_type × importance_sampling_level, in the order TRL's
// GRPOTrainer._compute_loss applies its terms (trl/trainer/grpo_trainer.py at 2026 heads): ratio, KL (optionally ρ-weighted),
// the loss_type's surrogate, off-policy sequence mask, high-entropy mask, rollout IS weight, + β·KL.
using R1Sharp.Tensors;
using static TorchSharp.torch;

namespace R1Sharp.Training.Grpo;

/// <summary>What <see cref="GrpoLoss.Policy"/> computes; <see cref="GrpoConfig.LossOptions"/> fills it from a config.</summary>
public sealed record GrpoLossOptions
{
    /// <summary>The surrogate and, later in <see cref="GrpoLoss.Aggregate"/>, the reduction.</summary>
    public LossType LossType { get; init; } = LossType.Dapo;
    /// <summary>Token ratios, or one ratio per sequence (GSPO).</summary>
    public ImportanceSamplingLevel Level { get; init; } = ImportanceSamplingLevel.Token;
    /// <summary>ε_low.</summary>
    public double EpsilonLow { get; init; } = 0.2;
    /// <summary>ε_high; for cispo the cap of the IS weight itself (ScaleRL/MiniMax: 5).</summary>
    public double EpsilonHigh { get; init; } = 0.2;
    /// <summary>δ of two-sided clipping, or null.</summary>
    public double? Delta { get; init; }
    /// <summary>SAPO τ for A &gt; 0.</summary>
    public double SapoTemperaturePos { get; init; } = 1.0;
    /// <summary>SAPO τ for A ≤ 0.</summary>
    public double SapoTemperatureNeg { get; init; } = 1.05;
    /// <summary>β of the k3 KL term.</summary>
    public double Beta { get; init; }
    /// <summary>Weight the k3 term by ρ (DeepSeek-V3.2's unbiased KL).</summary>
    public bool UseBiasCorrectionKl { get; init; }
}

public static partial class GrpoLoss
{
    /// <summary>
    /// The per-token loss (B, T) and its metrics. With ρ = exp(log ρ), log ρ_t = logp − old per token, or for
    /// <see cref="ImportanceSamplingLevel.Sequence"/> log ρ = Σ_t m·(logp − old) / max(Σ_t m, 1) for the whole sequence (GSPO eq. 7):
    /// <list type="bullet">
    /// <item>grpo, bnpo, dr_grpo, dapo, luspo (PPO clip; DeepSeekMath eq. 3, DAPO clip-higher): −min(ρ'·A, clip(ρ, 1 − ε_low, 1 + ε_high)·A),
    /// ρ' = min(ρ, δ) with two-sided clipping (INTELLECT-2), else ρ;</item>
    /// <item>cispo (MiniMax-M1 eq. 4): −sg(min(ρ, ε_high))·A·logp;</item>
    /// <item>sapo (SAPO eq. 5): −σ(τ(ρ − 1))·4/τ·A, τ = τ_pos when A &gt; 0 else τ_neg (gradient 1 at ρ = 1, as the clip's).</item>
    /// </list>
    /// Then × offPolicyMask (B, 1), × entropyMask (B, T), × isWeights (B, T) or (B, 1), + β·k3 (k3·ρ when
    /// UseBiasCorrectionKl), k3 = exp(ref − logp) − (ref − logp) − 1, as TRL.
    /// </summary>
    /// <param name="logp">log π_θ, (B, T), requires grad.</param>
    /// <param name="oldLogp">log π_old, (B, T); null → logp.detach() (ρ = 1 in value, the gradient flows).</param>
    /// <param name="refLogp">log π_ref, (B, T), needed when β ≠ 0.</param>
    /// <param name="advantages">(B) or (B, T).</param>
    /// <param name="mask">(B, T), 1 where a token counts.</param>
    /// <param name="options">Loss type, level, clip bounds, β.</param>
    /// <param name="offPolicyMask">(B, 1) keep-flags of <see cref="OffPolicyCorrection.SequenceMask"/>, or null.</param>
    /// <param name="entropyMask">(B, T) of <see cref="EntropyControl.HighEntropyMask"/>, or null.</param>
    /// <param name="isWeights">Rollout IS weights of <see cref="OffPolicyCorrection.Weights"/>, (B, T) or (B, 1), or null.</param>
    /// <param name="computeMetrics">False skips the clip/KL metrics (NaN).</param>
    /// <example>
    /// Token level, A = 1, ρ = 1.5, ε = 0.2: grpo −1.2; cispo (ε_high 5) −1.5·logp in value with gradient −1.5·∇logp;
    /// sapo τ = 1: −4σ(0.5) = −2.4492.
    /// </example>
    public static GrpoTokenLoss Policy(Tensor logp, Tensor? oldLogp, Tensor? refLogp, Tensor advantages, Tensor mask, GrpoLossOptions options,
        Tensor? offPolicyMask = null, Tensor? entropyMask = null, Tensor? isWeights = null, bool computeMetrics = true)
    {
        CheckShapes(logp, oldLogp, refLogp, advantages, mask);
        if (options.Beta != 0 && refLogp is null)
            throw new ArgumentException("beta != 0 needs the reference log-probs (refLogp)", nameof(refLogp));
        using var scope = NewDisposeScope();
        var adv = advantages.dim() == 1 ? advantages.unsqueeze(1) : advantages;              // (B, 1) or (B, T)
        adv = adv.to_type(logp.dtype);
        var logRatio = logp.Minus(oldLogp ?? logp.detach());                                   // (B, T)
        Tensor ratio;                                                                          // ρ: (B, T) or (B, 1)
        if (options.Level == ImportanceSamplingLevel.Token) ratio = exp(logRatio);
        else
        {
            var m = mask.to_type(logp.dtype);
            ratio = exp(((logRatio * m).sum(1) / m.sum(1).ClampMin(1.0)).unsqueeze(1));        // (B, 1)
        }
        Tensor? kl = null;
        if (refLogp is not null)
        {
            var diff = refLogp.Minus(logp);
            kl = exp(diff).Minus(diff).Minus(1);                                               // k3 ≥ 0, (B, T)
            if (options.UseBiasCorrectionKl) kl = kl * ratio;
        }
        Tensor loss = options.LossType switch
        {
            LossType.Cispo => -(ratio.ClampMax(options.EpsilonHigh).detach() * adv * logp),
            LossType.Sapo => SapoLoss(ratio, adv, options),
            _ => ClippedLoss(ratio, adv, options),
        };
        if (offPolicyMask is not null) loss = loss * offPolicyMask;
        if (entropyMask is not null) loss = loss * entropyMask.to_type(loss.dtype);
        if (isWeights is not null) loss = loss * isWeights;
        if (loss.shape[1] != logp.shape[1]) loss = loss.expand(logp.shape[0], logp.shape[1]); // sequence level: (B, 1) → (B, T)
        if (kl is not null && options.Beta != 0) loss = loss.Plus(kl.Times(options.Beta));
        var metrics = computeMetrics
            ? PolicyMetrics(ratio, adv, kl, mask, options)
            : new GrpoLossMetrics(double.NaN, double.NaN, double.NaN, double.NaN);
        return new GrpoTokenLoss(loss.MoveToOuterDisposeScope(), metrics);
    }

    // −min(ρ·A, clip(ρ)·A), ρ capped at δ in the first term when two-sided clipping is on (same ops as PerToken had).
    private static Tensor ClippedLoss(Tensor ratio, Tensor adv, GrpoLossOptions o)
    {
        var clipped = ratio.Clamp(1 - o.EpsilonLow, 1 + o.EpsilonHigh);
        var first = o.Delta is { } delta ? ratio.ClampMax(delta) : ratio;
        return -minimum(first * adv, clipped * adv);
    }

    private static Tensor SapoLoss(Tensor ratio, Tensor adv, GrpoLossOptions o)
    {
        var positive = adv.Gt(0);
        var tau = where(positive, SafeOps.Full([1], o.SapoTemperaturePos, ratio.dtype, ratio.device),
            SafeOps.Full([1], o.SapoTemperatureNeg, ratio.dtype, ratio.device));                // (B, 1) or (B, T)
        var gate = sigmoid(tau * ratio.Minus(1.0)).Times(4.0) / tau;
        return -(gate * adv);
    }

    // Clip metrics as TRL logs them: the clipped surrogates count ρ outside [1 − ε_low, 1 + ε_high] on the side where the
    // clip binds; cispo counts ρ > ε_high with A > 0 as "high"; sapo reports the clipped-surrogate counts for comparison.
    // A sequence-level ratio counts once per sequence that has tokens (TRL's global_masked_mean of a (B, 1) tensor).
    private static GrpoLossMetrics PolicyMetrics(Tensor ratio, Tensor adv, Tensor? kl, Tensor mask, GrpoLossOptions o)
    {
        using var noGrad = no_grad();
        var r = ratio.detach();
        var a = r.shape[1] == 1 && adv.shape[1] != 1 ? adv.narrow(1, 0, 1) : adv;
        var m = r.shape[1] == 1 ? mask.to_type(ScalarType.Float32).sum(1, keepdim: true).Gt(0) : mask;
        Tensor low, high;
        if (o.LossType == LossType.Cispo)
        {
            high = r.Gt(o.EpsilonHigh).logical_and(a.Gt(0));
            low = zeros_like(high);
        }
        else
        {
            low = r.Lt(1 - o.EpsilonLow).logical_and(a.Lt(0));
            high = r.Gt(1 + o.EpsilonHigh).logical_and(a.Gt(0));
        }
        if (m.shape[1] != low.shape[1]) (low, high) = (low.expand_as(m), high.expand_as(m));
        var region = low.logical_or(high);
        return new GrpoLossMetrics(MaskedMean(low, m), MaskedMean(high, m), MaskedMean(region, m),
            kl is null ? double.NaN : MaskedMean(kl, mask));
    }
}
