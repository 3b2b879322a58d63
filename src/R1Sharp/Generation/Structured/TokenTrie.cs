// The vocabulary as a byte trie, built once per tokenizer: a constrained step walks it depth-first from the current
// automaton states, so tokens sharing a prefix share its steps and a refused prefix prunes its whole subtree
// (llama.cpp's grammar sampler tries each token alone; xgrammar/outlines precompute per-state masks).
using System.Runtime.CompilerServices;
using R1Sharp.Text;

namespace R1Sharp.Generation.Structured;

/// <summary>Each token id's bytes, arranged as a trie. Immutable; shared by every sequence of a tokenizer.</summary>
public sealed class TokenTrie
{
    private static readonly ConditionalWeakTable<HfTokenizer, System.Collections.Concurrent.ConcurrentDictionary<int, TokenTrie>> s_byTokenizer = new();

    private readonly byte[]?[] _bytes;
    // Node i's children are _childByte/_childNode[_childStart[i] .. _childStart[i + 1]); its tokens _tokens[_tokenStart[i] .. _tokenStart[i + 1]).
    private readonly int[] _childStart, _childNode, _tokenStart, _tokens;
    private readonly byte[] _childByte;
    // Inside a string most tokens are plain text that leaves the automaton where it was: those are allowed wholesale
    // (_plain) and only the rest (quotes, backslashes, control bytes, split UTF-8) is walked, in _nonPlain.
    private readonly bool[] _plain;
    private readonly TokenTrie? _nonPlain;

    /// <summary>A trie over <paramref name="tokenBytes"/> (index = token id; null = a token never allowed, e.g. a special token).</summary>
    public TokenTrie(IReadOnlyList<byte[]?> tokenBytes) : this(tokenBytes, stringFastPath: true) { }

    private TokenTrie(IReadOnlyList<byte[]?> tokenBytes, bool stringFastPath)
    {
        ArgumentNullException.ThrowIfNull(tokenBytes);
        _bytes = [.. tokenBytes];
        _plain = new bool[_bytes.Length];
        for (int id = 0; id < _bytes.Length; id++) _plain[id] = _bytes[id] is { Length: > 0 } b && IsPlainStringText(b);
        if (stringFastPath) _nonPlain = new TokenTrie([.. _bytes.Select((b, id) => _plain[id] ? null : b)], stringFastPath: false);
        var children = new List<SortedDictionary<byte, int>> { new() };
        var ending = new List<List<int>> { new() };
        for (int id = 0; id < _bytes.Length; id++)
        {
            if (_bytes[id] is not { Length: > 0 } bytes) continue;
            int node = 0;
            foreach (byte b in bytes)
            {
                if (!children[node].TryGetValue(b, out int child))
                {
                    child = children.Count;
                    children[node][b] = child;
                    children.Add(new());
                    ending.Add(new());
                }
                node = child;
            }
            ending[node].Add(id);
            MaxTokenBytes = Math.Max(MaxTokenBytes, bytes.Length);
        }
        NodeCount = children.Count;
        _childStart = new int[NodeCount + 1];
        _tokenStart = new int[NodeCount + 1];
        _childNode = new int[NodeCount - 1];
        _childByte = new byte[NodeCount - 1];
        _tokens = new int[ending.Sum(e => e.Count)];
        for (int i = 0, c = 0, t = 0; i < NodeCount; i++)
        {
            _childStart[i] = c;
            _tokenStart[i] = t;
            foreach (var (b, child) in children[i]) { _childByte[c] = b; _childNode[c++] = child; }
            foreach (int id in ending[i]) _tokens[t++] = id;
            _childStart[i + 1] = c;
            _tokenStart[i + 1] = t;
        }
    }

    /// <summary>The trie of <paramref name="tokenizer"/>'s ordinary tokens (added and special tokens are left out), cached.</summary>
    public static TokenTrie For(HfTokenizer tokenizer, int vocabSize)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        // Built once per tokenizer and model vocabulary size (a model's embedding rows may outnumber the tokenizer's ids).
        return s_byTokenizer.GetOrCreateValue(tokenizer).GetOrAdd(Math.Max(vocabSize, tokenizer.VocabSize), size =>
        {
            var bytes = new byte[]?[size];
            for (int id = 0; id < tokenizer.VocabSize; id++)
                bytes[id] = tokenizer.IsKnown(id) && tokenizer.AddedContent(id) is null ? tokenizer.TokenBytes(id).ToArray() : null;
            return new TokenTrie(bytes);
        });
    }

    /// <summary>Ids covered (token bytes or null).</summary>
    public int VocabSize => _bytes.Length;

    /// <summary>Trie nodes, the root included.</summary>
    public int NodeCount { get; }

    /// <summary>Length of the longest token in bytes.</summary>
    public int MaxTokenBytes { get; }

    /// <summary>The bytes of token <paramref name="id"/>, or null when it is never allowed.</summary>
    public byte[]? Bytes(int id) => (uint)id < (uint)_bytes.Length ? _bytes[id] : null;

    /// <summary>
    /// Sets allowed[id] for every token whose bytes can follow <paramref name="states"/> (cleared first; length ≥
    /// <see cref="VocabSize"/>). <paramref name="levels"/>: one scratch list per byte depth, reused between calls.
    /// </summary>
    internal void Allowed(IReadOnlyList<Stack> states, Span<bool> allowed, List<Stack>[] levels)
    {
        levels[0].Clear();
        levels[0].AddRange(states);
        if (_nonPlain is not null && states.All(s => s.Top is StringFrame { Open: true, Esc: 0, Pending: 0 }))
        {
            _plain.CopyTo(allowed);
            _nonPlain.Walk(0, 0, allowed, levels);
            return;
        }
        allowed.Clear();
        Walk(0, 0, allowed, levels);
    }

    // Bytes a JSON string takes as they are, leaving it in the same state: no quote, backslash or control byte, whole UTF-8 characters.
    private static bool IsPlainStringText(ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
            if (b < 0x20 || b == '"' || b == '\\') return false;
        return System.Text.Unicode.Utf8.IsValid(bytes);
    }

    internal List<Stack>[] NewLevels()
    {
        var levels = new List<Stack>[MaxTokenBytes + 1];
        for (int i = 0; i < levels.Length; i++) levels[i] = new List<Stack>();
        return levels;
    }

    private void Walk(int node, int depth, Span<bool> allowed, List<Stack>[] levels)
    {
        var here = levels[depth];
        var next = levels[depth + 1];
        for (int c = _childStart[node]; c < _childStart[node + 1]; c++)
        {
            next.Clear();
            int b = _childByte[c];
            foreach (var s in here) JsonMachine.Step(s, b, next);
            if (next.Count == 0) continue;
            int child = _childNode[c];
            for (int t = _tokenStart[child]; t < _tokenStart[child + 1]; t++) allowed[_tokens[t]] = true;
            if (_childStart[child] < _childStart[child + 1]) Walk(child, depth + 1, allowed, levels);
        }
    }
}
