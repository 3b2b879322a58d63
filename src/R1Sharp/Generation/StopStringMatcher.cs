// Streaming stop-string detection over text deltas (OpenAI `stop`: the stop string itself is not returned).
// Holds back only the longest tail that could still grow into a stop string, so text streams promptly.
using System.Text;

namespace R1Sharp.Generation;

/// <summary>Result of one <see cref="StopStringMatcher.Push"/>: text safe to emit now, and whether a stop was hit.</summary>
/// <param name="Text">Text to emit (never contains a stop string; after a stop, the text before it).</param>
/// <param name="Stopped">True when a stop string completed; generation should end.</param>
/// <param name="StopString">The stop string that matched, or null.</param>
public readonly record struct StopStep(string Text, bool Stopped, string? StopString);

/// <summary>
/// Feeds decoded text deltas through a set of stop strings. Each push returns the text that can no longer
/// be part of a stop string; the held-back tail (at most longest-stop − 1 chars) comes out on the next push
/// or on <see cref="Flush"/>. A stop string may span any number of deltas. When several stops match, the one
/// that starts earliest wins (the longest among those starting at the same place).
/// </summary>
public sealed class StopStringMatcher
{
    private readonly string[] _stops;
    private readonly int _maxHold;
    private readonly StringBuilder _held = new();

    /// <summary>Empty stop strings are ignored; with none, every push passes straight through.</summary>
    public StopStringMatcher(IEnumerable<string> stops)
    {
        _stops = [.. stops.Where(s => !string.IsNullOrEmpty(s)).Distinct(StringComparer.Ordinal)];
        _maxHold = _stops.Length == 0 ? 0 : _stops.Max(s => s.Length) - 1;
    }

    /// <summary>The stop strings in use.</summary>
    public IReadOnlyList<string> Stops => _stops;

    /// <summary>True once a stop string matched; later pushes return nothing.</summary>
    public bool Stopped { get; private set; }

    /// <summary>Characters currently held back.</summary>
    public int HeldLength => _held.Length;

    /// <summary>Adds a text delta; returns what may be emitted now.</summary>
    public StopStep Push(ReadOnlySpan<char> delta)
    {
        if (Stopped) return new StopStep("", true, null);
        if (_stops.Length == 0) return new StopStep(delta.ToString(), false, null);
        _held.Append(delta);
        string text = _held.ToString();
        var (at, stop) = FindFirst(text);
        if (stop is not null)
        {
            Stopped = true;
            _held.Clear();
            return new StopStep(text[..at], true, stop);
        }
        int hold = HoldLength(text);
        _held.Clear().Append(text, text.Length - hold, hold);
        return new StopStep(text[..^hold], false, null);
    }

    /// <summary>End of stream: returns the held-back tail (no stop string completed) and clears it.</summary>
    public string Flush()
    {
        string rest = Stopped ? "" : _held.ToString();
        _held.Clear();
        return rest;
    }

    /// <summary>Forgets the held text and the stop state.</summary>
    public void Reset()
    {
        _held.Clear();
        Stopped = false;
    }

    private (int At, string? Stop) FindFirst(string text)
    {
        int best = int.MaxValue;
        string? found = null;
        foreach (string stop in _stops)
        {
            int at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at < 0) continue;
            if (at < best || (at == best && stop.Length > found!.Length)) { best = at; found = stop; }
        }
        return (best, found);
    }

    // Longest suffix of text that is a proper prefix of some stop string.
    private int HoldLength(string text)
    {
        for (int len = Math.Min(_maxHold, text.Length); len > 0; len--)
        {
            var tail = text.AsSpan(text.Length - len);
            foreach (string stop in _stops)
            {
                if (stop.Length > len && stop.AsSpan().StartsWith(tail, StringComparison.Ordinal)) return len;
            }
        }
        return 0;
    }
}
