// How a batch's rows are dealt to the ranks of a data-parallel job: contiguous, balanced shares (the first
// rows % size ranks get one more), the same on every rank so no rank needs to be told.
namespace R1Sharp.Training.Distributed;

/// <summary>Pure split of rows over ranks.</summary>
public static class RowShares
{
    /// <summary>
    /// Rows of rank <paramref name="rank"/> of <paramref name="size"/>. Example: 5 rows over 2 ranks → rank 0 rows 0–2
    /// (0, 3), rank 1 rows 3–4 (3, 2); 1 row over 2 ranks → (0, 1) and (1, 0).
    /// </summary>
    public static (int Start, int Count) Of(int rows, int rank, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        if (rank < 0 || rank >= size) throw new ArgumentOutOfRangeException(nameof(rank), rank, $"must be in 0 … {size - 1}");
        int share = rows / size, extra = rows % size;
        return (rank * share + Math.Min(rank, extra), share + (rank < extra ? 1 : 0));
    }
}
