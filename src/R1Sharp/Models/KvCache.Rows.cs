// Row changes of a KvCache: keeping some rows (finished sequences leave a batch) and appending a freshly prefilled cache's
// rows (continuous batching admits new sequences), histories right-aligned.
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Models;

public sealed partial class KvCache
{
    /// <summary>
    /// Keeps only the given rows, in the given order (drop finished sequences, or reorder for beam search).
    /// Example: rows [2, 0] on a 3-row cache leaves old row 2 as row 0 and old row 0 as row 1.
    /// </summary>
    public void SelectRows(ReadOnlySpan<long> rows)
    {
        if (rows.Length == 0) throw new ArgumentException("SelectRows needs at least one row", nameof(rows));
        foreach (var r in rows)
            if (r < 0 || r >= BatchSize) throw new ArgumentOutOfRangeException(nameof(rows), $"row {r} outside 0..{BatchSize - 1}");
        using var index = tensor(rows.ToArray(), device: _device);
        for (int i = 0; i < _keys.Length; i++)
        {
            Replace(ref _keys[i], _keys[i].index_select(0, index));
            Replace(ref _values[i], _values[i].index_select(0, index));
        }
        Replace(ref _valid, _valid.index_select(0, index));
        SelectSharedRows(rows);
        BatchSize = rows.Length;
    }

    /// <summary>
    /// Appends the rows of <paramref name="other"/> (a freshly prefilled cache of the same model) after this cache's
    /// rows, right-aligning both histories so their last filled slots coincide: the shorter side gets invalid
    /// (padding) slots in front. Positions live in the keys (RoPE), so shifting slots changes nothing for attention.
    /// Continuous batching uses this to admit new sequences into a running batch. <paramref name="other"/> is left as is.
    /// Example: this 1 row × 5 slots, other 2 rows × 3 slots → 3 rows × 5 slots, rows 1–2 padded in slots 0–1.
    /// </summary>
    public void AppendRows(KvCache other)
    {
        if (other._shared is not null) throw new ArgumentException("AppendRows takes a cache that does not share prompts", nameof(other));
        Unshare();
        if (other.Layers != Layers || other._heads != _heads || other._keyDim != _keyDim || other._valueDim != _valueDim || other._dtype != _dtype)
            throw new ArgumentException("AppendRows needs a cache of the same model layout", nameof(other));
        long length = Math.Max(Length, other.Length);
        long capacity = length + Math.Max(Capacity - Length, 64);
        long rows = BatchSize + other.BatchSize;
        for (int i = 0; i < _keys.Length; i++)
        {
            Replace(ref _keys[i], Stack(_keys[i], other._keys[i], rows, capacity, length, Length, other.Length));
            Replace(ref _values[i], Stack(_values[i], other._values[i], rows, capacity, length, Length, other.Length));
        }
        // The validity mask goes through the same placement as (B, 1, slots, 1).
        using (var a = _valid.view(BatchSize, 1, Capacity, 1)) using (var b = other._valid.view(other.BatchSize, 1, other.Capacity, 1))
        using (var stacked = Stack(a, b, rows, capacity, length, Length, other.Length))
            Replace(ref _valid, stacked.view(rows, capacity));
        HasPadding = HasPadding || other.HasPadding || Length != other.Length;
        (BatchSize, Capacity, Length) = (rows, capacity, length);
    }

    // (B1, H, ·, D) + (B2, H, ·, D) → (B1+B2, H, capacity, D), each side's filled slots ending at slot `length`.
    private static Tensor Stack(Tensor top, Tensor bottom, long rows, long capacity, long length, long topLength, long bottomLength)
    {
        var result = zeros(new[] { rows, top.shape[1], capacity, top.shape[3] }, top.dtype, top.device);
        Place(result, top, 0, length - topLength, topLength);
        Place(result, bottom, top.shape[0], length - bottomLength, bottomLength);
        return result;
    }

    private static void Place(Tensor result, Tensor source, long firstRow, long firstSlot, long slots)
    {
        if (slots == 0) return;
        using var rowsView = result.narrow(0, firstRow, source.shape[0]);
        using var target = rowsView.narrow(2, firstSlot, slots);
        using var filled = source.narrow(2, 0, slots);
        target.copy_(filled);
    }
}
