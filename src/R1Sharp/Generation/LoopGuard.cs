// Detects runaway repetition ("endless thinking", DeepSeek-R1 issues #242/#326/#533) in a token stream:
// the latest tokens repeat one n-gram at least K times. One run-length counter per period.
namespace R1Sharp.Generation;

/// <summary>Loop-detection thresholds; defaults flag a loop no real answer contains.</summary>
public sealed record LoopGuardOptions
{
    /// <summary>Longest repeating n-gram (period) looked for, in tokens. Default 128 (a sentence or short paragraph).</summary>
    public int MaxPeriod { get; init; } = 128;

    /// <summary>K: how many back-to-back copies of the n-gram make a loop. Default 4.</summary>
    public int MinRepeats { get; init; } = 4;

    /// <summary>
    /// Window: the repeated stretch must also cover at least this many tokens, so short legitimate runs
    /// ("----", "1 1 1") are not loops. Default 64 (period 1 needs 64 copies, period 8 needs 8, period ≥ 16 needs K).
    /// </summary>
    public int MinSpan { get; init; } = 64;

    /// <summary>Throws a one-line <see cref="R1SharpException"/> for an unusable threshold.</summary>
    public LoopGuardOptions Validate()
    {
        if (MaxPeriod < 1) throw new R1SharpException($"loop_max_period must be >= 1, got {MaxPeriod}");
        if (MinRepeats < 2) throw new R1SharpException($"loop_min_repeats must be >= 2, got {MinRepeats}");
        if (MinSpan < 1) throw new R1SharpException($"loop_min_span must be >= 1, got {MinSpan}");
        return this;
    }
}

/// <summary>
/// For every period P in 1..MaxPeriod keeps r_P, the number of consecutive latest tokens equal to the token
/// P places earlier. The last L tokens have period P exactly when r_P ≥ L − P, so "the tail is ≥ K copies of
/// a P-gram spanning ≥ MinSpan tokens" is r_P ≥ max(K·P, MinSpan) − P. O(MaxPeriod) per token, no allocation.
/// </summary>
public sealed class LoopGuard
{
    private readonly int[] _history;
    private readonly int[] _run;
    private readonly int[] _need;
    private long _count;

    public LoopGuard(LoopGuardOptions? options = null)
    {
        Options = (options ?? new LoopGuardOptions()).Validate();
        int maxPeriod = Options.MaxPeriod;
        _history = new int[maxPeriod];
        _run = new int[maxPeriod + 1];
        _need = new int[maxPeriod + 1];
        for (int p = 1; p <= maxPeriod; p++) _need[p] = Math.Max(Options.MinRepeats * p, Options.MinSpan) - p;
    }

    public LoopGuardOptions Options { get; }

    /// <summary>Period of the loop found by the last <see cref="Accept"/>, or 0.</summary>
    public int LoopPeriod { get; private set; }

    /// <summary>Adds a token; true when the stream now ends in a loop (stays true while it continues).</summary>
    public bool Accept(int token)
    {
        int size = _history.Length;
        int slot = (int)(_count % size);
        LoopPeriod = 0;
        for (int p = 1; p <= size; p++)
        {
            // The token p places back sits p slots behind in the ring (its slot is about to be overwritten when p == size).
            bool same = _count >= p && _history[(slot - p + size) % size] == token;
            int run = _run[p] = same ? _run[p] + 1 : 0;
            if (LoopPeriod == 0 && run >= _need[p]) LoopPeriod = p;
        }
        _history[slot] = token;
        _count++;
        return LoopPeriod != 0;
    }

    /// <summary>Forgets every token.</summary>
    public void Reset()
    {
        Array.Clear(_run);
        _count = 0;
        LoopPeriod = 0;
    }
}
