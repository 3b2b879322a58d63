// GrpoTrainer under mpirun (Training/Distributed/DataParallel): rollouts run on every rank with the same seeds (so all
// ranks hold the same groups), each rank updates on its share of every micro-batch (GrpoShards), gradients and the
// step's statistics are summed across ranks, and only rank 0 writes checkpoints, metrics and logs.
using R1Sharp.Training.Distributed;

namespace R1Sharp.Training.Grpo;

public sealed partial class GrpoTrainer
{
    /// <summary>Splits the generation batch's micro-batches into this rank's shares (one process: each whole, scale 1).</summary>
    private GrpoMicroBatch[] ShareOf(GrpoMicroBatch[] full)
    {
        if (!_parallel.IsDistributed)
        {
            _shards = full.Select(b => new GrpoShard(0, (int)b.InputIds.shape[0], (int)b.InputIds.shape[0], b.MaskedTokens, 1)).ToArray();
            return full;
        }
        var taken = full.Select(b => GrpoShards.Take(b, _config.LossType, _parallel.Rank, _parallel.Size)).ToArray();
        _shards = taken.Select(t => t.Shard).ToArray();
        return taken.Select(t => t.Batch).ToArray();
    }

    /// <summary>Sums the gradients over the ranks (before clipping, so every rank clips the same global gradient).</summary>
    private void AllReduceGradients()
    {
        if (_parallel.IsDistributed) _parallel.AllReduceGradients(_optimizer.Parameters.Select(p => p.Parameter).ToArray());
    }

    /// <summary>The step's sums over every rank's shares (the one-process sums over whole micro-batches).</summary>
    private double[] SumOverRanks(params double[] sums)
    {
        _parallel.SumInPlace(sums);
        return sums;
    }

    /// <summary>Compares the parameters of every rank when due (every CheckEvery steps, and <paramref name="force"/>d).</summary>
    private void CheckRanks(bool force)
    {
        if (!_parallel.IsDistributed) return;
        if (force || (_parallel.CheckEvery > 0 && _state.Step % _parallel.CheckEvery == 0))
            _parallel.CheckParameters(_optimizer.Parameters, _state.Step);
    }

    /// <summary>Refuses what data-parallel GRPO does not split yet.</summary>
    private void CheckParallelSupport()
    {
        if (!_parallel.IsDistributed) return;
        if (_balancer is not null)
            throw new R1SharpException("data-parallel GRPO: the DeepSeek-V3 bias balancing (moe_bias_update_speed > 0) would count each rank's tokens apart; set moe_bias_update_speed to 0 or run in one process");
        GrpoShards.LossScale(_config.LossType, 1, 1, 1, 1);
    }
}
