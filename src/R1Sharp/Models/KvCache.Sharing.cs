// Shared prompts (vLLM's prefix sharing, llama.cpp's seq_cp in a unified cache): the G samples of one prompt read its
// keys and values from one place instead of G copies. Only the managed decode step reads a sharing cache; the TorchSharp
// forward first calls Unshare, which lays every row out as before (prompt slots, then the row's own slots).
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Models;

public sealed partial class KvCache
{
    private SharedPrompts? _shared;

    /// <summary>True after <see cref="SharePrompts"/>: rows hold only their own slots and read their prompt's from a shared block.</summary>
    public bool SharesPrompts => _shared is not null;

    /// <summary>
    /// Turns the filled rows of this cache (one per prompt) into shared prompts and gives the cache one row per entry of
    /// <paramref name="rows"/>, row i reading prompt rows[i]'s slots before its own (empty) ones: what
    /// <see cref="SelectRows"/> does without copying a prompt per row. Own slots start at 0 (<see cref="Length"/> 0) with
    /// the capacity left over after the prompts. Positions live in the keys (RoPE), so nothing else changes.
    /// Example: 2 prompts of 5 slots, rows [0, 0, 1, 1] → 4 rows, rows 0–1 attend over prompt 0's 5 slots + their own.
    /// </summary>
    /// <exception cref="InvalidOperationException">The cache already shares prompts, or is empty.</exception>
    public void SharePrompts(ReadOnlySpan<long> rows)
    {
        if (_shared is not null) throw new InvalidOperationException("the cache already shares its prompts");
        if (Length == 0 || rows.Length == 0) throw new InvalidOperationException("SharePrompts needs filled prompt rows and at least one row");
        var map = GC.AllocateUninitializedArray<int>(rows.Length, pinned: true);
        for (int i = 0; i < rows.Length; i++)
        {
            if (rows[i] < 0 || rows[i] >= BatchSize) throw new ArgumentOutOfRangeException(nameof(rows), $"prompt row {rows[i]} outside 0..{BatchSize - 1}");
            map[i] = (int)rows[i];
        }
        _shared = new SharedPrompts(_keys.ToArray(), _values.ToArray(), _valid, Length, Capacity, HasPadding, map);
        long own = Math.Max(Capacity - Length, 16);
        for (int i = 0; i < _keys.Length; i++)
        {
            _keys[i] = zeros(new[] { rows.Length, _heads, own, _keyDim }, _dtype, _device).DetachFromDisposeScope();
            _values[i] = zeros(new[] { rows.Length, _heads, own, _valueDim }, _dtype, _device).DetachFromDisposeScope();
        }
        _valid = zeros(new[] { (long)rows.Length, own }, ScalarType.Bool, _device).DetachFromDisposeScope();
        (BatchSize, Capacity, Length, HasPadding) = (rows.Length, own, 0, false);
    }

    /// <summary>
    /// Copies each row's prompt slots in front of its own, so the cache no longer shares prompts (one copy; a no-op when it
    /// does not share). The TorchSharp forward and <see cref="AppendRows"/> call it.
    /// </summary>
    public void Unshare()
    {
        if (_shared is not { } s) return;
        using var index = tensor(s.RowPrompt.Select(p => (long)p).ToArray(), device: _device);
        for (int i = 0; i < _keys.Length; i++)
        {
            Replace(ref _keys[i], Join(s.Keys[i], index, s.Length, _keys[i]));
            Replace(ref _values[i], Join(s.Values[i], index, s.Length, _values[i]));
        }
        using (var promptValid = s.Valid.view(s.Valid.shape[0], 1, s.Capacity, 1)) using (var own = _valid.view(BatchSize, 1, Capacity, 1))
        using (var joined = Join(promptValid, index, s.Length, own))
            Replace(ref _valid, joined.view(BatchSize, s.Length + Capacity));
        (Capacity, Length, HasPadding) = (s.Length + Capacity, s.Length + Length, HasPadding || s.HasPadding);
        DropShared();
    }

    /// <summary>What the decode kernels read of the shared prompts: per layer keys and values (prompts, heads, capacity,
    /// dim), their validity (null when no prompt slot is padding), the filled prompt slots and each row's prompt.</summary>
    internal (Tensor Keys, Tensor Values, Tensor? Valid, long Capacity, long Length, int[] RowPrompt)? SharedOf(int layer) =>
        _shared is { } s ? (s.Keys[layer], s.Values[layer], s.HasPadding ? s.Valid : null, s.Capacity, s.Length, s.RowPrompt) : null;

    // Rows kept by SelectRows keep their prompts.
    private void SelectSharedRows(ReadOnlySpan<long> rows)
    {
        if (_shared is not { } s) return;
        var map = GC.AllocateUninitializedArray<int>(rows.Length, pinned: true);
        for (int i = 0; i < rows.Length; i++) map[i] = s.RowPrompt[rows[i]];
        _shared = s with { RowPrompt = map };
    }

    private void DropShared()
    {
        _shared?.Dispose();
        _shared = null;
    }

    // (rows, H, promptLength + own capacity, D): each row's prompt slots picked from `prompts`, then its own slots.
    private static Tensor Join(Tensor prompts, Tensor index, long promptLength, Tensor own)
    {
        using var filled = prompts.narrow(2, 0, promptLength);
        using var picked = filled.index_select(0, index);
        return cat(new[] { picked, own }, 2);
    }

    private sealed record SharedPrompts(Tensor[] Keys, Tensor[] Values, Tensor Valid, long Length, long Capacity, bool HasPadding, int[] RowPrompt)
        : IDisposable
    {
        public void Dispose()
        {
            foreach (var t in Keys) t.Dispose();
            foreach (var t in Values) t.Dispose();
            Valid.Dispose();
        }
    }
}
