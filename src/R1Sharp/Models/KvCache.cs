// Preallocated per-layer key/value cache for batched decoding (llama.cpp llama-kv-cache, HF DynamicCache roles):
// slots are token order, a validity mask marks padding slots, rows can be dropped or reordered between steps.
using R1Sharp.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Models;

/// <summary>
/// Keys and values of every layer, shaped (B, heads, capacity, dim), filled in slot order for all rows at once
/// (a padded batch advances together). <see cref="Valid"/> (B, capacity) marks which slots hold real tokens, so
/// left padding, right padding and rows that skip steps are all masked out of attention. The capacity grows
/// (doubling, one copy) when a forward would overflow it. Owns its tensors: dispose it.
/// </summary>
public sealed partial class KvCache : IDisposable
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
    /// <summary>Element type of keys and values: the model's weight dtype (bf16 weights give a bf16 cache).</summary>
    public ScalarType DType => _dtype;
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
        if (mask is null) slots.fill_(Scalars.True);
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
        if (_shared is not null) throw new InvalidOperationException("a cache that shares prompts is read by the decode kernels only; call Unshare first");
        long t = keys.shape[2];
        using (var kSlot = _keys[layer].narrow(2, start, t)) kSlot.copy_(keys);
        using (var vSlot = _values[layer].narrow(2, start, t)) vSlot.copy_(values);
        return (_keys[layer].narrow(2, 0, start + t), _values[layer].narrow(2, 0, start + t));
    }

    /// <summary>Layer <paramref name="layer"/>'s keys, (B, heads, capacity, keyDim); valid until the cache grows or changes rows.</summary>
    internal Tensor KeysOf(int layer) => _keys[layer];
    /// <summary>Layer <paramref name="layer"/>'s values, (B, heads, capacity, valueDim).</summary>
    internal Tensor ValuesOf(int layer) => _values[layer];

    /// <summary>Marks the reserved slots as filled.</summary>
    internal void Commit(long count) => Length += count;

    /// <summary>
    /// Drops the leading slots that no row uses (left behind when long sequences leave a batch) and clears
    /// <see cref="HasPadding"/> when no padding remains. Returns the number of slots dropped. One copy of the cache
    /// when it drops anything; call it when the count is worth it (see <see cref="UnusedLeadingSlots"/>).
    /// </summary>
    public long TrimLeadingSlots()
    {
        long first = UnusedLeadingSlots();
        if (first > 0)
        {
            long kept = Length - first;
            for (int i = 0; i < _keys.Length; i++)
            {
                Replace(ref _keys[i], Shift(_keys[i], first, kept));
                Replace(ref _values[i], Shift(_values[i], first, kept));
            }
            using (var v = _valid.view(BatchSize, 1, Capacity, 1)) using (var shifted = Shift(v, first, kept)) Replace(ref _valid, shifted.view(BatchSize, Capacity));
            Length = kept;
        }
        if (HasPadding && Length > 0)
        {
            using var filled = _valid.narrow(1, 0, Length);
            using var all = filled.all();
            HasPadding = !all.item<bool>();
        }
        return first;
    }

    /// <summary>How many leading filled slots are padding in every row.</summary>
    public long UnusedLeadingSlots()
    {
        if (Length == 0 || !HasPadding) return 0;
        using var filled = _valid.narrow(1, 0, Length);
        using var used = filled.any(0);
        using var usedInt = used.to_type(ScalarType.Int32);   // no temporaries: callers run outside dispose scopes
        using var firstUsed = usedInt.argmax();
        long first = firstUsed.item<long>();
        using var anyUsed = used.any();
        return anyUsed.item<bool>() ? first : Length;
    }

    private Tensor Shift(Tensor source, long first, long kept)
    {
        var result = zeros(new[] { source.shape[0], source.shape[1], Capacity, source.shape[3] }, source.dtype, source.device);
        if (kept > 0)
        {
            using var target = result.narrow(2, 0, kept);
            using var tail = source.narrow(2, first, kept);
            target.copy_(tail);
        }
        return result;
    }

    /// <summary>Forgets every token (keeps the allocation).</summary>
    public void Clear()
    {
        DropShared();
        _valid.fill_(Scalars.False);
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
        DropShared();
        foreach (var t in _keys) t.Dispose();
        foreach (var t in _values) t.Dispose();
        _valid.Dispose();
    }
}
