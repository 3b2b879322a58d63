// The document order of `r1 pretrain`: each epoch a seeded xoshiro256** permutation (Dataset.Permutation, as the SFT and
// GRPO trainers shuffle), cut into whole batches (the tail that fills no batch is skipped that epoch).
using R1Sharp.Data;

namespace R1Sharp.Recipes.Zero;

/// <summary>
/// Which rows a step trains on: a pure function of (rows, batch size, seed, step), so a resumed run continues the
/// same order without replaying it. Example: 10 rows, batch 4: steps 0 and 1 read epoch 0's permutation [0..4) and
/// [4..8), step 2 starts epoch 1 (seed + 1).
/// </summary>
internal sealed class EpochRows(int rows, int batchSize, ulong seed)
{
    private readonly int _stepsPerEpoch = Math.Max(1, rows / batchSize);
    private int _epoch = -1;
    private int[] _order = [];

    /// <summary>The row indices of 0-based <paramref name="step"/>.</summary>
    public int[] Of(int step)
    {
        int epoch = step / _stepsPerEpoch;
        if (epoch != _epoch) (_order, _epoch) = (Dataset<int>.Permutation(rows, unchecked(seed + (ulong)epoch)), epoch);
        return _order.AsSpan(step % _stepsPerEpoch * batchSize, batchSize).ToArray();
    }
}
