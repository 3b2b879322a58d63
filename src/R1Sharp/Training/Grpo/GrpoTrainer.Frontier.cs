// The issue-16 terms of the GRPO update, composed from the pure pieces: high-entropy token mask (80/20), entropy bonus
// with its (adaptive) coefficient (Skywork-OR1), rollout IS weights and DeepSeek-V3.2's off-policy sequence mask on the
// behaviour log-probs, and the reference's soft sync (TR-DPO) or hard reset with the optimizer (ProRL) after a step.
using R1Sharp.Tensors;
using static TorchSharp.torch;

namespace R1Sharp.Training.Grpo;

/// <summary>What the optional terms measured in one optimizer step; NaN where a term is off (not logged).</summary>
/// <param name="IsMean">Mean rollout IS weight (after truncation/masking).</param>
/// <param name="IsMax">Largest IS weight.</param>
/// <param name="IsFractionCorrected">Share of tokens (or sequences) whose weight was truncated or masked.</param>
/// <param name="OffPolicyMasked">Share of sequences DeepSeek-V3.2's mask dropped.</param>
/// <param name="TrainedEntropy">Mean entropy of the tokens that carry policy loss (after the high-entropy mask).</param>
/// <param name="EntropyCoef">The entropy coefficient after this step's update.</param>
/// <param name="RefResets">Reference resets so far (ProRL).</param>
/// <param name="RefSyncs">Reference soft syncs so far (TR-DPO).</param>
public sealed record FrontierStepStats(double IsMean, double IsMax, double IsFractionCorrected, double OffPolicyMasked,
    double TrainedEntropy, double EntropyCoef, double RefResets, double RefSyncs)
{
    /// <summary>The metrics.jsonl keys of the measured values.</summary>
    public IEnumerable<(string Key, double Value)> Rows() => new (string, double)[]
    {
        ("is/mean", IsMean), ("is/max", IsMax), ("is/frac_corrected", IsFractionCorrected),
        ("off_policy/frac_masked", OffPolicyMasked), ("entropy/trained_tokens", TrainedEntropy),
        ("entropy_coef", EntropyCoef), ("ref_resets", RefResets), ("ref_syncs", RefSyncs),
    }.Where(r => !double.IsNaN(r.Item2));
}

public sealed partial class GrpoTrainer
{
    private AdaptiveEntropyCoefficient? _entropyBonus;
    private int _refResets, _refSyncs;

    /// <summary>True when any issue-16 term acts in the update (otherwise the plain path runs, unchanged).</summary>
    private bool FrontierActive => _config.TopEntropyQuantile < 1 || _config.UsesEntropyBonus || _config.UsesBehaviorLogProbs
        || _config.SyncRefModel || _config.RefModelResetSteps > 0;

    /// <summary>Token-weighted sums of one step's frontier measurements.</summary>
    private sealed class FrontierSums
    {
        public double IsMean, IsMax = double.NaN, IsFraction, IsWeight, Masked, MaskedWeight, Entropy, EntropyWeight;
    }

    /// <summary>The per-token loss of one micro-batch with the optional masks and weights; <paramref name="bonus"/> is the
    /// c·H term to subtract from the aggregated loss (null without an entropy bonus). <paramref name="logits"/> are given
    /// with an entropy bonus (its gradient), <paramref name="tokenEntropy"/> (B, C, no gradient) otherwise.</summary>
    private GrpoTokenLoss FrontierLoss(GrpoMicroBatch mb, Tensor? logits, Tensor? tokenEntropy, Tensor logp, Tensor? old, Tensor? reference,
        double numItems, int accumulation, FrontierSums sums, out Tensor? bonus)
    {
        bonus = null;
        var mask = mb.CompletionMask;
        Tensor? entropies = null, entropyMask = null, isWeights = null, offPolicy = null;
        if (_config.TopEntropyQuantile < 1 || _entropyBonus is not null)
        {
            if (_entropyBonus is not null) entropies = GrpoLoss.PerTokenEntropy(logits!);            // (B, C), with grad
            else entropies = tokenEntropy ?? throw new InvalidOperationException("no per-token entropy for the entropy mask");
        }
        if (_config.TopEntropyQuantile < 1) entropyMask = EntropyControl.HighEntropyMask(entropies!, mask, _config.TopEntropyQuantile);
        var effective = entropyMask is null ? mask : mask * entropyMask.to_type(mask.dtype);
        if (_config.UsesBehaviorLogProbs)
        {
            var behaviour = mb.BehaviorLogProbs
                ?? throw new R1SharpException("GRPO: importance_sampling_correction / off_policy_mask_threshold need the rollouts' behaviour log-probs, and this batch has none");
            if (_config.ImportanceSamplingCorrection != ImportanceSamplingCorrection.None)
            {
                var w = OffPolicyCorrection.Weights(old ?? logp.detach(), behaviour, mask, _config.ImportanceSamplingCorrection,
                    _config.ImportanceSamplingClipMin, _config.ImportanceSamplingClipMax);
                isWeights = w.Weights;
                double n = Math.Max(mb.MaskedTokens, 1);
                sums.IsMean += n * w.Stats.Mean; sums.IsFraction += n * w.Stats.FractionCorrected; sums.IsWeight += n;
                if (!double.IsNaN(w.Stats.Max)) sums.IsMax = double.IsNaN(sums.IsMax) ? w.Stats.Max : Math.Max(sums.IsMax, w.Stats.Max);
            }
            if (_config.OffPolicyMaskThreshold is { } threshold)
            {
                offPolicy = OffPolicyCorrection.SequenceMask(mb.Advantages, logp, behaviour, mask, threshold);
                double rows = mb.InputIds.shape[0];
                sums.Masked += rows * OffPolicyCorrection.DroppedFraction(offPolicy, mask); sums.MaskedWeight += rows;
            }
        }
        if (entropies is not null)
        {
            using var noGrad = no_grad();
            double tokens = effective.sum().ItemAsDouble();
            sums.Entropy += tokens * GrpoLoss.MaskedMean(entropies, effective); sums.EntropyWeight += tokens;
        }
        if (_entropyBonus is { } controller)
            bonus = EntropyControl.BonusTerm(entropies!, effective, _config.LossType, numItems, accumulation).Times(controller.Applied);
        return GrpoLoss.Policy(logp, old, reference, mb.Advantages, mask, _config.LossOptions, offPolicy, entropyMask, isWeights);
    }

    /// <summary>Closes a step: updates the adaptive coefficient from the trained tokens' entropy and returns the stats.</summary>
    private FrontierStepStats FinishFrontier(FrontierSums s)
    {
        double entropy = s.EntropyWeight > 0 ? s.Entropy / s.EntropyWeight : double.NaN;
        _entropyBonus?.Update(entropy);
        bool moves = _config.SyncRefModel || _config.RefModelResetSteps > 0;
        return new FrontierStepStats(
            s.IsWeight > 0 ? s.IsMean / s.IsWeight : double.NaN, s.IsMax, s.IsWeight > 0 ? s.IsFraction / s.IsWeight : double.NaN,
            s.MaskedWeight > 0 ? s.Masked / s.MaskedWeight : double.NaN, entropy, _entropyBonus?.Coefficient ?? double.NaN,
            _config.RefModelResetSteps > 0 ? _refResets : double.NaN, _config.SyncRefModel ? _refSyncs : double.NaN);
    }

    // The adaptive entropy coefficient travels with the checkpoint (TRL saves entropy_coef and last_world_entropy too);
    // +∞ (nothing measured yet) is stored by leaving the key out.
    private void SaveEntropyState(Dictionary<string, double> counters)
    {
        if (_entropyBonus is null) return;
        counters["entropy_coef"] = _entropyBonus.Coefficient;
        if (double.IsFinite(_entropyBonus.LastEntropy)) counters["entropy_last"] = _entropyBonus.LastEntropy;
    }

    private void RestoreEntropyState(IReadOnlyDictionary<string, double> counters)
    {
        if (_entropyBonus is null || !counters.TryGetValue("entropy_coef", out double coef)) return;
        _entropyBonus.Restore(coef, counters.TryGetValue("entropy_last", out double last) ? last : double.PositiveInfinity);
    }

    /// <summary>After optimizer step <paramref name="step"/>: TR-DPO's soft sync or ProRL's reset (reference = policy,
    /// AdamW moments zeroed) when due. Returns the stats with the counts brought up to date.</summary>
    private FrontierStepStats? MoveReference(int step, FrontierStepStats? stats)
    {
        if (_reference is null || stats is null) return stats;
        if (_config.SyncRefModel && ReferencePolicy.IsDue(step, _config.RefModelSyncSteps))
        {
            ReferencePolicy.MixModel(_reference, _policy, _config.RefModelMixupAlpha);
            _refSyncs++;
            return stats with { RefSyncs = _refSyncs };
        }
        if (ReferencePolicy.IsDue(step, _config.RefModelResetSteps))
        {
            ReferencePolicy.MixModel(_reference, _policy, 1.0);
            _optimizer.ResetState();
            _refResets++;
            _options.Log?.Invoke($"step {step}: reference reset to the policy, optimizer state cleared (ProRL; reset {_refResets})");
            return stats with { RefResets = _refResets };
        }
        return stats;
    }
}
