// SftTrainer under mpirun (Training/Distributed/DataParallel): each rank collates its contiguous share of every
// micro-batch's rows, normalises its loss by the whole step's target counts (so the ranks' losses add up to the
// one-process loss), and the gradients and loss sums are summed across ranks before clipping and AdamW.
using R1Sharp.Models.DeepSeekV3;
using R1Sharp.Training.Distributed;

namespace R1Sharp.Training.Sft;

public static partial class SftTrainer
{
    /// <summary>The whole step's counts (every rank's rows): the denominators of the exact-accumulation loss.</summary>
    /// <param name="LossTokens">Labels that are not -100.</param>
    /// <param name="Tokens">Real (non-pad) tokens.</param>
    /// <param name="Rows">Sequences.</param>
    /// <param name="MtpTokens">Multi-Token Prediction targets (0 when MTP is off).</param>
    private readonly record struct StepTotals(long LossTokens, long Tokens, long Rows, long MtpTokens);

    /// <summary>
    /// This rank's share of each micro-batch (rows of <paramref name="rows"/>, collated) and the whole step's counts.
    /// One process: every micro-batch whole. A micro-batch with fewer rows than ranks leaves some ranks without a share.
    /// </summary>
    private static (SftBatch[] Local, StepTotals Totals) Share(IReadOnlyList<SftRow[]> rows, int padId, bool mtp, DataParallel parallel)
    {
        long lossTokens = 0, tokens = 0, count = 0, mtpTokens = 0;
        var local = new List<SftBatch>();
        foreach (var micro in rows)
        {
            var full = SftBatches.Collate(micro, padId);
            (lossTokens, tokens, count) = (lossTokens + full.LossTokens, tokens + full.Tokens, count + micro.Length);
            if (mtp)
            {
                using var labels = MtpTargets.Labels(full.Labels, full.Positions, SftBatches.IgnoreIndex);
                mtpTokens += MtpTargets.Count(labels, SftBatches.IgnoreIndex);
            }
            if (!parallel.IsDistributed) { local.Add(full); continue; }
            full.Dispose();
            var (start, take) = RowShares.Of(micro.Length, parallel.Rank, parallel.Size);
            if (take > 0) local.Add(SftBatches.Collate(micro.AsSpan(start, take).ToArray(), padId));
        }
        return ([.. local], new StepTotals(lossTokens, tokens, count, mtpTokens));
    }

    /// <summary>Sums the gradients over the ranks, and the step's loss parts (each already divided by the whole step's counts).</summary>
    private static (double Loss, long Tokens, double MtpLoss, double AuxLoss) AllReduce(SftRun run,
        (double Loss, long Tokens, double MtpLoss, double AuxLoss) local)
    {
        var parallel = run.Parallel;
        if (!parallel.IsDistributed) return local;
        parallel.AllReduceGradients(run.Optimizer.Parameters.Select(p => p.Parameter).ToArray());
        double[] sums = [local.Loss, local.MtpLoss, local.AuxLoss];
        parallel.SumInPlace(sums);
        return (sums[0], local.Tokens, sums[1], sums[2]);
    }
}
