// The GRPO policy update of one optimizer step: per micro-batch, log-probs of the sampled completions under the
// policy (autograd), the clipped per-token loss with k3 KL, aggregation by loss_type, backward with accumulation;
// then clip, AdamW step and the learning-rate schedule (trl GRPOTrainer._compute_loss + transformers Trainer step).
using R1Sharp.Tensors;
using System.Diagnostics;
using R1Sharp.Models;
using R1Sharp.Models.DeepSeekV3;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Training.Grpo;

/// <summary>What one optimizer step measured (token-weighted means over its micro-batches).</summary>
// ApproxKl: mean ½(log ρ)² over the unmasked tokens (PPO's approx_kl), 0 while π_θ = π_old, so it shows how far
// μ > 1 iterations have moved the policy off the rollout policy.
internal readonly record struct GrpoUpdateStats(double Loss, double ClipLow, double ClipHigh, double ClipRegion, double Kl,
    double Entropy, double ApproxKl, double GradNorm, double LearningRate, double Seconds, MoeLoadStats? MoeLoad, double AuxLoss = double.NaN);

public sealed partial class GrpoTrainer
{
    /// <summary>
    /// log π(token | prefix) of each completion token at the rollout temperature, (B, C): the hidden states of columns
    /// P−1 … P+C−2 (column P−1+j predicts token j) go through the head chunk by chunk (<see cref="DecoderModel.TokenLogProbs"/>),
    /// so no (B, C, V) logits tensor exists. Dividing by the temperature makes them the log-probs of the distribution that
    /// was sampled (as TRL does). <paramref name="entropy"/>, when given, receives each token's entropy.
    /// </summary>
    private Tensor CompletionLogProbs(DecoderModel model, GrpoMicroBatch mb, RowEntropy? entropy = null)
    {
        using var scope = NewDisposeScope();
        var hidden = model.NormedHidden(mb.InputIds, mb.Positions, mb.AttentionMask)                // (B, P+C, hidden)
            .narrow(1, mb.PromptLength - 1, mb.CompletionLength);                                   // (B, C, hidden)
        return model.TokenLogProbs(hidden, mb.CompletionIds, _config.Temperature, entropy: entropy).MoveToOuterDisposeScope();
    }

    /// <summary>Log-probs (B, C) of each micro-batch under <paramref name="model"/> without autograd, kept outside any
    /// scope; with <paramref name="withoutAdapters"/> under the model's base weights (the LoRA policy's reference).</summary>
    private Tensor[] LogProbsNoGrad(DecoderModel model, IReadOnlyList<GrpoMicroBatch> batches, bool withoutAdapters = false)
    {
        using var noGrad = no_grad();
        using var disabled = withoutAdapters ? model.Adapters?.Disable() : null;
        var result = new Tensor[batches.Count];
        for (int i = 0; i < batches.Count; i++)
        {
            using var scope = NewDisposeScope();
            result[i] = CompletionLogProbs(model, batches[i]).DetachFromDisposeScope();
        }
        return result;
    }

    /// <summary>
    /// One optimizer step over the micro-batches <paramref name="indices"/>. <paramref name="old"/>[i] holds π_old's
    /// log-probs; a null slot is filled from this pass when <paramref name="storeOld"/> (the policy has not moved since
    /// the rollout yet), else left null (μ = 1: ρ = 1 by construction).
    /// </summary>
    private GrpoUpdateStats UpdateStep(IReadOnlyList<GrpoMicroBatch> batches, IReadOnlyList<int> indices, Tensor?[] old,
        Tensor[]? reference, bool storeOld)
    {
        var clock = Stopwatch.StartNew();
        double lr = LearningRateAt(_state.Step);
        _optimizer.SetLearningRate(lr);
        _optimizer.ZeroGrad();
        _balancer?.BeginStep();   // rollouts and no-grad log-probs routed tokens too; only this step's passes count
        double numItems = indices.Sum(i => batches[i].MaskedTokens);
        double loss = 0, low = 0, high = 0, region = 0, kl = 0, entropy = 0, approxKl = 0, weight = 0, aux = 0;
        double sequences = indices.Sum(i => batches[i].InputIds.shape[0]);
        _seqBalance?.Capture(true);
        try
        {
            foreach (int i in indices)
            {
                using var scope = NewDisposeScope();
                var mb = batches[i];
                using var rowEntropy = new RowEntropy();
                var logp = CompletionLogProbs(_policy, mb, rowEntropy);                                // (B, C)
                if (storeOld && old[i] is null) old[i] = logp.detach().clone().DetachFromDisposeScope();
                var perToken = GrpoLoss.PerToken(logp, old[i], reference?[i], mb.Advantages, mb.CompletionMask,
                    _config.EpsilonLow, _config.EpsilonHigh ?? _config.Epsilon, _config.Beta);
                var aggregated = GrpoLoss.Aggregate(perToken.Loss, mb.CompletionMask, _config.LossType, _config.MaxCompletionLength,
                    numItems, indices.Count);
                loss += aggregated.ItemAsDouble();                                                      // logged loss: the policy loss only
                if (_seqBalance is { } balance)
                {
                    // Sequence-wise balance loss (DeepSeek-V3 §2.1.2) of this pass, as a mean over the step's sequences.
                    var term = balance.Loss(mb.InputIds.shape[0], mb.InputIds.shape[1], mb.AttentionMask).Times(mb.InputIds.shape[0] / sequences);
                    aux += term.ItemAsDouble();
                    aggregated = aggregated.Plus(term);
                }
                aggregated.backward();

                double w = Math.Max(mb.MaskedTokens, 1);
                var m = perToken.Metrics;
                low += w * m.ClipRatioLow; high += w * m.ClipRatioHigh; region += w * m.ClipRatioRegion;
                kl += w * (double.IsNaN(m.MeanKl) ? 0 : m.MeanKl);
                entropy += w * GrpoLoss.MaskedMean(rowEntropy.Values!.reshape(mb.CompletionIds.shape), mb.CompletionMask);
                if (old[i] is { } o) approxKl += w * GrpoLoss.MaskedMean(logp.detach().Minus(o).Square().Times(0.5), mb.CompletionMask);
                weight += w;
            }
        }
        finally { _seqBalance?.Capture(false); }
        double gradNorm = _optimizer.ClipGradNorm(_config.MaxGradNorm);
        _optimizer.Step();
        var moeLoad = _balancer?.AfterOptimizerStep();
        return new GrpoUpdateStats(loss, low / weight, high / weight, region / weight,
            reference is null ? double.NaN : kl / weight, entropy / weight, approxKl / weight, gradNorm, lr, clock.Elapsed.TotalSeconds, moeLoad,
            _seqBalance is null ? double.NaN : aux);
    }
}
