// The GRPO policy update of one optimizer step: per micro-batch, log-probs of the sampled completions under the
// policy (autograd), the per-token loss of loss_type (GrpoLoss.Policy; optional issue-16 terms in GrpoTrainer.Frontier.cs)
// with k3 KL, aggregation by loss_type, backward with accumulation;
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
    double Entropy, double ApproxKl, double GradNorm, double LearningRate, double Seconds, MoeLoadStats? MoeLoad, double AuxLoss = double.NaN,
    FrontierStepStats? Frontier = null);

public sealed partial class GrpoTrainer
{
    /// <summary>
    /// logits/T of the positions that predict the completion tokens, (B, C, V): column P−1+j predicts token j. Only the
    /// entropy bonus (which differentiates the entropy) takes this path; the rest stays on <see cref="CompletionLogProbs"/>.
    /// </summary>
    private Tensor CompletionLogits(DecoderModel model, GrpoMicroBatch mb)
    {
        using var scope = NewDisposeScope();
        var logits = model.Forward(mb.InputIds, mb.Positions, mb.AttentionMask);                // (B, P+C, V)
        var completion = logits.narrow(1, mb.PromptLength - 1, mb.CompletionLength);            // (B, C, V)
        if (_config.Temperature != 1.0) completion = completion.DividedBy(_config.Temperature);
        return completion.MoveToOuterDisposeScope();
    }

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
    private Tensor[] LogProbsNoGrad(DecoderModel model, IReadOnlyList<GrpoMicroBatch> batches, bool withoutAdapters = false,
        CancellationToken token = default)
    {
        using var noGrad = no_grad();
        using var disabled = withoutAdapters ? model.Adapters?.Disable() : null;
        var result = new Tensor[batches.Count];
        try
        {
            for (int i = 0; i < batches.Count; i++)
            {
                token.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                result[i] = CompletionLogProbs(model, batches[i]).DetachFromDisposeScope();
            }
        }
        catch (OperationCanceledException)
        {
            foreach (var t in result) t?.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>
    /// One optimizer step over the micro-batches <paramref name="indices"/>. <paramref name="old"/>[i] holds π_old's
    /// log-probs; a null slot is filled from this pass when <paramref name="storeOld"/> (the policy has not moved since
    /// the rollout yet), else left null (μ = 1: ρ = 1 by construction).
    /// </summary>
    private GrpoUpdateStats UpdateStep(IReadOnlyList<GrpoMicroBatch> batches, IReadOnlyList<int> indices, Tensor?[] old,
        Tensor[]? reference, bool storeOld, CancellationToken token)
    {
        var clock = Stopwatch.StartNew();
        double lr = LearningRateAt(_state.Step);
        _optimizer.SetLearningRate(lr);
        _optimizer.ZeroGrad();
        _balancer?.BeginStep();   // rollouts and no-grad log-probs routed tokens too; only this step's passes count
        double numItems = indices.Sum(i => _shards[i].Tokens);                                     // whole micro-batches, every rank
        double loss = 0, low = 0, high = 0, region = 0, kl = 0, entropy = 0, approxKl = 0, weight = 0, aux = 0;
        double sequences = indices.Sum(i => _shards[i].Rows);
        var frontier = FrontierActive ? new FrontierSums() : null;
        _seqBalance?.Capture(true);
        try
        {
            foreach (int i in indices)
            {
                token.ThrowIfCancellationRequested();   // before each micro-batch: the optimizer has not stepped yet
                using var scope = NewDisposeScope();
                var mb = batches[i];
                using var rowEntropy = new RowEntropy();
                // An entropy bonus needs the entropy's gradient: that path keeps the full (B, C, V) logits.
                var logits = _entropyBonus is not null ? CompletionLogits(_policy, mb) : null;
                var logp = logits is not null ? GrpoLoss.SelectiveLogSoftmax(logits, mb.CompletionIds)
                    : CompletionLogProbs(_policy, mb, rowEntropy);                                      // (B, C)
                var tokenEntropy = logits is not null ? null : rowEntropy.Values!.reshape(mb.CompletionIds.shape);
                if (storeOld && old[i] is null) old[i] = logp.detach().clone().DetachFromDisposeScope();
                Tensor? bonus = null;
                var perToken = frontier is null
                    ? GrpoLoss.Policy(logp, old[i], reference?[i], mb.Advantages, mb.CompletionMask, _config.LossOptions)
                    : FrontierLoss(mb, logits, tokenEntropy, logp, old[i], reference?[i], numItems, indices.Count, frontier, out bonus);
                var aggregated = GrpoLoss.Aggregate(perToken.Loss, mb.CompletionMask, _config.LossType, _config.MaxCompletionLength,
                    numItems, indices.Count);
                if (_shards[i].Scale != 1) aggregated = aggregated.Times(_shards[i].Scale);            // this rank's part of the micro-batch's loss
                loss += aggregated.ItemAsDouble();                                                      // logged loss: the policy loss only
                if (bonus is not null) aggregated = aggregated.Minus(bonus);                            // − c·H (entropy bonus)
                if (_seqBalance is { } balance)
                {
                    // Sequence-wise balance loss (DeepSeek-V3 §2.1.2) of this pass, as a mean over the step's sequences.
                    var term = balance.Loss(mb.InputIds.shape[0], mb.InputIds.shape[1], mb.AttentionMask).Times(mb.InputIds.shape[0] / sequences);
                    aux += term.ItemAsDouble();
                    aggregated = aggregated.Plus(term);
                }
                aggregated.backward();

                double w = _shards[i].Count == 0 ? 0 : Math.Max(mb.MaskedTokens, 1);
                var m = perToken.Metrics;
                low += w * m.ClipRatioLow; high += w * m.ClipRatioHigh; region += w * m.ClipRatioRegion;
                kl += w * (double.IsNaN(m.MeanKl) ? 0 : m.MeanKl);
                entropy += w * (tokenEntropy is not null ? GrpoLoss.MaskedMean(tokenEntropy, mb.CompletionMask)
                    : GrpoLoss.Entropy(logits!.detach(), mb.CompletionMask));
                if (old[i] is { } o) approxKl += w * GrpoLoss.MaskedMean(logp.detach().Minus(o).Square().Times(0.5), mb.CompletionMask);
                weight += w;
            }
        }
        finally { _seqBalance?.Capture(false); }
        AllReduceGradients();
        if (_parallel.IsDistributed)
            (loss, low, high, region, kl, entropy, approxKl, weight, aux) = SumOverRanks(loss, low, high, region, kl, entropy, approxKl, weight, aux) switch
            { var s => (s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8]) };
        double gradNorm = _optimizer.ClipGradNorm(_config.MaxGradNorm);
        _optimizer.Step();
        var moeLoad = _balancer?.AfterOptimizerStep();
        return new GrpoUpdateStats(loss, low / weight, high / weight, region / weight,
            reference is null ? double.NaN : kl / weight, entropy / weight, approxKl / weight, gradNorm, lr, clock.Elapsed.TotalSeconds, moeLoad,
            _seqBalance is null ? double.NaN : aux, frontier is null ? null : FinishFrontier(frontier));
    }
}
