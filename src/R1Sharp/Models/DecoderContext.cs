// Per-forward state shared by all layers: RoPE tables, the attention mask over cache slots, the cache itself.
// Masks follow HF semantics (causal over token order, padding keys excluded) with one twist: every query may
// always see its own slot, so padding queries never get an all-masked row (no NaN from softmax).
using R1Sharp.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Models;

/// <summary>What one forward pass gives each layer. Created and disposed by <see cref="DecoderModel"/>.</summary>
public sealed class DecoderContext : IDisposable
{
    private readonly Dictionary<long, Tensor> _foldedMasks = new();

    /// <summary>RoPE cos table (B, T, 1, rotaryDim) in float32 for bf16/f16 models (RoPE runs in fp32), else in the model dtype.</summary>
    public required Tensor Cos { get; init; }
    /// <summary>RoPE sin table (B, T, 1, rotaryDim), dtype as <see cref="Cos"/>.</summary>
    public required Tensor Sin { get; init; }
    /// <summary>New tokens in this forward (T).</summary>
    public required long QueryLength { get; init; }
    /// <summary>First cache slot written by this forward (0 without a cache).</summary>
    public required long Start { get; init; }
    /// <summary>The cache, or null for a plain (training/scoring) forward.</summary>
    public KvCache? Cache { get; init; }
    /// <summary>
    /// (B, 1, T, S) bool mask, true = may attend, S = Start + T; null when every query may see every key slot it
    /// has (a decode step without padding) or when <see cref="IsPlainCausal"/> holds.
    /// </summary>
    public Tensor? Mask { get; init; }
    /// <summary>True when the mask is exactly lower-triangular (no cache history, no padding).</summary>
    public bool IsPlainCausal { get; init; }

    /// <summary>
    /// The mask for queries folded as (B, kvHeads, groups·T, D): row g·T + t uses the mask of query t, so the mask
    /// repeats <paramref name="groups"/> times along the query axis. Null when no mask is needed. Built once per
    /// forward and shared by the layers (the context's owner disposes it).
    /// </summary>
    public Tensor? FoldedMask(long groups)
    {
        var mask = Mask ?? (IsPlainCausal ? CausalMask() : null);
        if (mask is null || groups == 1) return mask;
        if (!_foldedMasks.TryGetValue(groups, out var folded))
        {
            // Layers run in their own dispose scopes; the memo must outlive them (disposed with the context).
            folded = mask.repeat(1, 1, groups, 1).DetachFromDisposeScope();
            _foldedMasks[groups] = folded;
        }
        return folded;
    }

    private Tensor? _causal;
    private Tensor CausalMask()
    {
        if (_causal is null)
        {
            using var square = ones(new[] { QueryLength, QueryLength }, ScalarType.Bool, Cos.device);
            _causal = square.tril().unsqueeze(0).unsqueeze(0).DetachFromDisposeScope();
        }
        return _causal;
    }

    /// <summary>Frees the masks built on demand.</summary>
    public void Dispose()
    {
        foreach (var m in _foldedMasks.Values) m.Dispose();
        _foldedMasks.Clear();
        _causal?.Dispose();
        _causal = null;
    }

    /// <summary>
    /// The mask over key slots: allowed[b, 0, t, s] = (s ≤ start+t ∧ keyValid[b, s]) ∨ s = start+t.
    /// Example: start 0, T 3, keyValid [F, T, T] (one left pad) gives rows [T F F], [F T F], [F T T].
    /// </summary>
    /// <param name="keyValid">(B, S) bool, true where the slot is a real token.</param>
    /// <param name="start">Slot of the first query.</param>
    /// <param name="queryLength">Number of queries T (S = start + T).</param>
    public static Tensor BuildMask(Tensor keyValid, long start, long queryLength)
    {
        using var scope = NewDisposeScope();
        long s = keyValid.shape[1];
        var keySlots = SafeOps.Range(0, s, keyValid.device).view(1, 1, 1, s);
        var querySlots = SafeOps.Range(start, queryLength, keyValid.device).view(1, 1, queryLength, 1);
        var allowed = keySlots.le(querySlots).logical_and(keyValid.view(keyValid.shape[0], 1, 1, s));
        allowed = allowed.logical_or(keySlots.eq(querySlots));
        return allowed.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The mask of packed rows (several examples per row, TRL packing): a new example starts wherever the position is 0,
    /// and a query sees only earlier keys of its own example, as if each example were alone in its row.
    /// allowed[b, 0, t, s] = (s ≤ t ∧ seg[b, s] = seg[b, t] ∧ keyValid[b, s]) ∨ s = t, seg = running count of positions equal to 0.
    /// Example: positions [0, 1, 0, 1] gives rows [T F F F], [T T F F], [F F T F], [F F T T].
    /// </summary>
    /// <param name="positions">(B, T) int64 positions, restarting at 0 for each packed example.</param>
    /// <param name="keyValid">(B, T) bool, true where the token is real; null = all real.</param>
    public static Tensor BuildPackedMask(Tensor positions, Tensor? keyValid)
    {
        using var scope = NewDisposeScope();
        long b = positions.shape[0], t = positions.shape[1];
        var segment = positions.Eq(0).to_type(ScalarType.Int64).cumsum(1);
        var allowed = segment.view(b, 1, t, 1).eq(segment.view(b, 1, 1, t));
        var slots = SafeOps.Range(0, t, positions.device);
        allowed = allowed.logical_and(slots.view(1, 1, 1, t).le(slots.view(1, 1, t, 1)));
        if (keyValid is not null) allowed = allowed.logical_and(keyValid.view(b, 1, 1, t));
        allowed = allowed.logical_or(slots.view(1, 1, 1, t).eq(slots.view(1, 1, t, 1)));
        return allowed.MoveToOuterDisposeScope();
    }
}
