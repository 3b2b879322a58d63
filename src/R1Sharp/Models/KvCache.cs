// Preallocated per-layer key/value cache for batched decoding (llama.cpp llama-kv-cache, HF DynamicCache roles):
// slots are token order, a validity mask marks padding slots, rows can be dropped or reordered between steps.
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Models;

/// <summary>
/// Keys and values of every layer, shaped (B, heads, capacity, dim), filled in slot order for all rows at once
/// (a padded batch advances together). <see cref="Valid"/> (B, capacity) marks which slots hold real tokens, so
/// left padding, right padding and rows that skip steps are all masked out of attention. The capacity grows
/// (doubling, one copy) when a forward would overflow it. Owns its tensors: dispose it.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;
    private Tensor _valid;
    private readonly long _heads, _keyDim, _valueDim;
    private readonly ScalarType _dtype;
    private readonly Device _device;

    /// <summary>Number of rows (sequences).</summary>
    public long BatchSize { get; private set; }
    /// <summary>Slots allocated per row.</summary>
    public long Capacity { get; private set; }
    /// <summary>Slots filled so far (the same for every row).</summary>
    public long Length { get; private set; }
    /// <summary>True once some filled slot is padding; then every step needs an explicit attention mask.</summary>
    public bool HasPadding { get; private set; }
    /// <summary>Number of layers.</summary>
    public int Layers => _keys.Length;
    /// <summary>(B, capacity) bool: true where the slot holds a real token.</summary>
    public Tensor Valid => _valid;

    /// <summary>Allocates an empty cache.</summary>
    /// <param name="layers">Decoder layers.</param>
    /// <param name="batchSize">Rows.</param>
    /// <param name="capacity">Slots per row to preallocate (prompt + new tokens, rounded up as you like).</param>
    /// <param name="heads">Cached heads per layer (num_key_value_heads for dense attention).</param>
    /// <param name="keyDim">Key head dimension.</param>
    /// <param name="valueDim">Value head dimension.</param>
    /// <param name="dtype">Activation dtype.</param>
    /// <param name="device">Device; CPU when null.</param>
    public KvCache(int layers, long batchSize, long capacity, long heads, long keyDim, long valueDim,
        ScalarType dtype, Device? device = null)
    {
        if (layers <= 0 || batchSize <= 0 || capacity <= 0)
            throw new ArgumentException($"KvCache needs positive layers/batch/capacity, got {layers}/{batchSize}/{capacity}");
        (_heads, _keyDim, _valueDim, _dtype, _device) = (heads, keyDim, valueDim, dtype, device ?? CPU);
        BatchSize = batchSize;
        Capacity = capacity;
        _keys = new Tensor[layers];
        _values = new Tensor[layers];
        for (int i = 0; i < layers; i++)
        {
            _keys[i] = zeros(new[] { batchSize, heads, capacity, keyDim }, _dtype, _device).DetachFromDisposeScope();
            _values[i] = zeros(new[] { batchSize, heads, capacity, valueDim }, _dtype, _device).DetachFromDisposeScope();
        }
        _valid = zeros(new[] { batchSize, capacity }, ScalarType.Bool, _device).DetachFromDisposeScope();
    }

    /// <summary>
    /// Reserves <paramref name="count"/> new slots for a forward: records which of them are real tokens
    /// (<paramref name="mask"/> (B, count), nonzero = real; null = all real) and grows the capacity if needed.
    /// Returns the first new slot. Layers then call <see cref="Write"/>; <see cref="Commit"/> ends the step.
    /// </summary>
    internal long Reserve(long count, Tensor? mask)
    {
        if (Length + count > Capacity) Grow(Math.Max(Length + count, Capacity * 2));
        using var slots = _valid.narrow(1, Length, count);
        if (mask is null) slots.fill_(true);
        else
        {
            using var real = mask.to_type(ScalarType.Bool);
            slots.copy_(real);
            using var all = real.all();
            if (!all.item<bool>()) HasPadding = true;
        }
        return Length;
    }

    /// <summary>Writes (B, heads, T, dim) keys/values at <paramref name="start"/> and returns the views of all
    /// slots up to and including them, (B, heads, start+T, dim).</summary>
    internal (Tensor Keys, Tensor Values) Write(int layer, long start, Tensor keys, Tensor values)
    {
        long t = keys.shape[2];
        using (var kSlot = _keys[layer].narrow(2, start, t)) kSlot.copy_(keys);
        using (var vSlot = _values[layer].narrow(2, start, t)) vSlot.copy_(values);
        return (_keys[layer].narrow(2, 0, start + t), _values[layer].narrow(2, 0, start + t));
    }

    /// <summary>Marks the reserved slots as filled.</summary>
    internal void Commit(long count) => Length += count;

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
        BatchSize = rows.Length;
    }

    /// <summary>Forgets every token (keeps the allocation).</summary>
    public void Clear()
    {
        _valid.fill_(false);
        Length = 0;
        HasPadding = false;
    }

    private void Grow(long newCapacity)
    {
        for (int i = 0; i < _keys.Length; i++)
        {
            Replace(ref _keys[i], GrowSlots(_keys[i], newCapacity));
            Replace(ref _values[i], GrowSlots(_values[i], newCapacity));
        }
        var valid = zeros(new[] { BatchSize, newCapacity }, ScalarType.Bool, _device);
        using (var head = valid.narrow(1, 0, Capacity)) head.copy_(_valid);
        Replace(ref _valid, valid);
        Capacity = newCapacity;
    }

    private Tensor GrowSlots(Tensor old, long newCapacity)
    {
        var grown = zeros(new[] { old.shape[0], old.shape[1], newCapacity, old.shape[3] }, _dtype, _device);
        using var head = grown.narrow(2, 0, Capacity);
        head.copy_(old);
        return grown;
    }

    // The cache outlives any forward's dispose scope, so its tensors must never belong to one.
    private static void Replace(ref Tensor slot, Tensor value)
    {
        slot.Dispose();
        slot = value.DetachFromDisposeScope();
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var t in _keys) t.Dispose();
        foreach (var t in _values) t.Dispose();
        _valid.Dispose();
    }
}
