// Data-parallel GRPO: each rank trains on a contiguous share of every micro-batch's rows; each share's loss is
// rescaled so the sum over ranks equals the one-process loss of the whole micro-batch for every loss_type
// (DeepSeekMath §4.1 grpo, DAPO §3.3 token-level, Dr. GRPO §3.2), and the gradients are summed across ranks.
using R1Sharp.Tensors;
using R1Sharp.Training.Distributed;
using static TorchSharp.torch;

namespace R1Sharp.Training.Grpo;

/// <summary>A rank's share of a micro-batch: rows Start … Start + Count − 1 of Rows, and the loss scale of that share.</summary>
/// <param name="Start">First row of the share in the micro-batch.</param>
/// <param name="Count">Rows of the share (0: the rank got none and trains a stand-in row at scale 0).</param>
/// <param name="Rows">Rows of the whole micro-batch.</param>
/// <param name="Tokens">Unmasked completion tokens of the whole micro-batch.</param>
/// <param name="Scale">Multiplies the share's aggregated loss (0 for a stand-in row of a rank that got none).</param>
public readonly record struct GrpoShard(int Start, int Count, int Rows, int Tokens, double Scale);

/// <summary>Pure helpers of the split.</summary>
public static class GrpoShards
{
    /// <summary>
    /// The factor that turns a share's aggregated loss into its part of the whole micro-batch's: grpo and dr_grpo
    /// average over rows (count / rows), bnpo over the micro-batch's tokens (max(t, 1) / max(T, 1)), dapo already
    /// divides by the step's tokens (1). Example: bnpo, share 3 of 10 tokens → 0.3.
    /// </summary>
    public static double LossScale(LossType lossType, int shareRows, int rows, int shareTokens, int tokens) => lossType switch
    {
        LossType.Grpo or LossType.DrGrpo => (double)shareRows / rows,
        LossType.Bnpo => Math.Max(shareTokens, 1.0) / Math.Max(tokens, 1.0),
        LossType.Dapo => 1.0,
        _ => throw new R1SharpException($"loss_type {lossType}: data-parallel GRPO does not know how this loss averages; run it in one process"),
    };

    /// <summary>
    /// This rank's share of <paramref name="full"/> (which it disposes) and its <see cref="GrpoShard"/>. A rank that
    /// gets no row trains on row 0 with scale 0, so its backward still makes every gradient the others make.
    /// </summary>
    public static (GrpoMicroBatch Batch, GrpoShard Shard) Take(GrpoMicroBatch full, LossType lossType, int rank, int size)
    {
        int rows = (int)full.InputIds.shape[0];
        var (start, count) = RowShares.Of(rows, rank, size);
        bool empty = count == 0;
        if (empty) (start, count) = (0, 1);
        Tensor Narrow(Tensor t) => t.narrow(0, start, count).clone();
        using var noGrad = no_grad();
        var mask = Narrow(full.CompletionMask);
        int tokens;
        using (var total = mask.sum()) tokens = (int)total.ItemAsDouble();
        var batch = new GrpoMicroBatch
        {
            InputIds = Narrow(full.InputIds), AttentionMask = Narrow(full.AttentionMask), Positions = Narrow(full.Positions),
            CompletionIds = Narrow(full.CompletionIds), CompletionMask = mask, Advantages = Narrow(full.Advantages),
            PromptLength = full.PromptLength, CompletionLength = full.CompletionLength, MaskedTokens = empty ? 0 : tokens,
            Samples = full.Samples.Skip(start).Take(count).ToArray(),
        };
        double scale = empty ? 0 : LossScale(lossType, count, rows, tokens, full.MaskedTokens);
        var shard = new GrpoShard(start, empty ? 0 : count, rows, full.MaskedTokens, scale);
        full.Dispose();
        return (batch, shard);
    }
}
