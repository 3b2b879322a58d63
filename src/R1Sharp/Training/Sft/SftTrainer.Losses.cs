// SftTrainer's step loss: next-token cross-entropy plus DeepSeek-V3's training extras (report §2.1.2 and §2.2) when
// asked for: λ·L_MTP of the depth-1 Multi-Token Prediction layer and the sequence-wise balance loss α·Σ f_i P_i.
using R1Sharp.Formats.Config;
using R1Sharp.Formats.Safetensors;
using R1Sharp.Models;
using R1Sharp.Models.DeepSeekV3;
using R1Sharp.Tensors;
using R1Sharp.Training.Infrastructure;
using static TorchSharp.torch;

namespace R1Sharp.Training.Sft;

public static partial class SftTrainer
{
    /// <summary>The extra loss terms of a run: MTP weight λ (0 = off) and the balance-loss collector (null = off).</summary>
    private sealed record LossExtras(double MtpWeight, SequenceBalance? Balance, bool Packed);

    /// <summary>
    /// The model to train. With mtp_loss_weight &gt; 0 it must be deepseek_v3 with num_nextn_predict_layers ≥ 1; its MTP
    /// layers (sharing the main embedding and head) are loaded when the directory stores them, else drawn fresh from
    /// seed (norms 1, matrices N(0, initializer_range)), so the first checkpoint then carries them.
    /// </summary>
    private static DecoderModel LoadModel(SftConfig config)
    {
        string dir = config.ModelNameOrPath;
        if (config.MtpLossWeight == 0) return PeftSetup.Load(dir, config, config.DType, config.Seed);
        var modelConfig = ModelConfig.Load(dir);
        if (modelConfig is not DeepSeekV3Config d)
            throw new R1SharpException($"SFT config: mtp_loss_weight needs a deepseek_v3 model with Multi-Token Prediction, but {dir} is {modelConfig.ModelType}; set mtp_loss_weight to 0");
        if (d.NumNextnPredictLayers < 1)
            throw new R1SharpException($"SFT config: mtp_loss_weight needs MTP layers, but {Path.Combine(dir, "config.json")} has num_nextn_predict_layers 0; set it to 1 (as DeepSeek-V3) or mtp_loss_weight to 0");
        bool stored;
        using (var weights = SafetensorsModel.Open(dir)) stored = weights.Contains($"model.layers.{d.NumHiddenLayers}.eh_proj.weight");
        var model = DecoderModel.Load(dir, new ModelLoadOptions { LoadMtp = stored, ShareMtpEmbeddingAndHead = true });
        if (!stored)
        {
            model.AttachMtp(shareEmbeddingAndHead: true);
            model.InitializeMtpWeights(config.Seed);
        }
        return model;
    }

    /// <summary>
    /// Forward + backward over one optimizer step's micro-batches (disposing them), <paramref name="totals"/> counting the whole step. Each micro-batch's summed token
    /// loss is divided by the target tokens of the whole step, so the gradient equals that of one big batch; the MTP
    /// loss likewise over the step's MTP targets (times λ), the balance loss as a mean over the step's sequences.
    /// Returns the step's mean token loss, its real (non-pad) token count, the mean MTP token loss (unweighted; NaN
    /// when off) and the balance loss added (0 when off).
    /// </summary>
    private static (double Loss, long Tokens, double MtpLoss, double AuxLoss) Accumulate(DecoderModel model, SftBatch[] batches,
        LossExtras extras, StepTotals totals)
    {
        // Denominators over the whole step (every rank's rows under mpirun: this rank's share adds its part).
        long lossTokens = Math.Max(1, totals.LossTokens), tokens = totals.Tokens;
        long rows = totals.Rows;
        bool mtp = extras.MtpWeight > 0 && model.Mtp is not null;
        var mtpLabels = mtp ? batches.Select(b => MtpTargets.Labels(b.Labels, b.Positions, SftBatches.IgnoreIndex)).ToArray() : [];
        long mtpTokens = Math.Max(1, totals.MtpTokens);
        double lossSum = 0, mtpSum = 0, auxSum = 0;
        extras.Balance?.Capture(true);
        try
        {
            for (int j = 0; j < batches.Length; j++)
            {
                using var scope = NewDisposeScope();
                using var batch = batches[j];
                Tensor nll;
                Tensor? mtpLogits = null;
                if (mtp)
                {
                    Tensor logits;
                    (logits, mtpLogits) = model.ForwardWithMtp(batch.InputIds, batch.Positions, batch.AttentionMask, withMtp: true, packed: extras.Packed);  // (B, T, V)
                    nll = nn.functional.cross_entropy(logits.view(-1, logits.shape[2]), batch.Labels.view(-1),
                        ignore_index: SftBatches.IgnoreIndex, reduction: nn.Reduction.Sum);
                }
                else nll = TargetNll(model, batch, extras.Packed);                                    // no (B, T, V) logits
                var total = nll.DividedBy(lossTokens);
                if (mtpLogits is not null)
                {
                    var mtpNll = nn.functional.cross_entropy(mtpLogits.view(-1, mtpLogits.shape[2]), mtpLabels[j].view(-1),
                        ignore_index: SftBatches.IgnoreIndex, reduction: nn.Reduction.Sum);
                    total = total.Plus(mtpNll.Times(extras.MtpWeight / mtpTokens));
                    mtpSum += mtpNll.item<float>();
                }
                if (extras.Balance is { } balance)
                {
                    long b = batch.InputIds.shape[0];
                    var aux = balance.Loss(b, batch.InputIds.shape[1], batch.AttentionMask).Times((double)b / rows);
                    total = total.Plus(aux);
                    auxSum += aux.item<float>();
                }
                total.backward();
                lossSum += nll.item<float>();
            }
        }
        finally
        {
            extras.Balance?.Capture(false);
            foreach (var l in mtpLabels) l.Dispose();
        }
        return (lossSum / lossTokens, tokens, mtp ? mtpSum / mtpTokens : double.NaN, auxSum);
    }

    /// <summary>
    /// Σ −log p(label) over the batch's target tokens, equal to the summed cross-entropy of the full logits: only the
    /// hidden states of target positions go through the head, chunk by chunk (<see cref="DecoderModel.TokenLogProbs"/>).
    /// </summary>
    private static Tensor TargetNll(DecoderModel model, SftBatch batch, bool packed)
    {
        using var scope = NewDisposeScope();
        var hidden = model.NormedHidden(batch.InputIds, batch.Positions, batch.AttentionMask, packed);   // (B, T, hidden)
        var labels = batch.Labels.reshape(-1);
        var at = labels.Ne(SftBatches.IgnoreIndex).nonzero().squeeze(1);                              // target positions
        var rows = hidden.reshape(-1, hidden.shape[2]).index_select(0, at);                          // (N, hidden)
        return model.TokenLogProbs(rows, labels.index_select(0, at)).sum().neg().MoveToOuterDisposeScope();
    }
}
