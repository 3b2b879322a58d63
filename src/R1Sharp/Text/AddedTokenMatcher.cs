// Finds added tokens in raw text: leftmost position first, longest token at that position, as
// transformers.js's DictionarySplitter does (a trie over UTF-16 code units).
using System.Buffers;

namespace R1Sharp.Text;

/// <summary>A trie of added-token contents answering "next added token at or after position i".</summary>
internal sealed class AddedTokenMatcher
{
    private readonly List<Dictionary<char, int>> _children = [new()];
    private readonly List<int> _tokenAt = [-1]; // index into the token list, or -1
    private readonly SearchValues<char> _firstChars;

    public AddedTokenMatcher(IReadOnlyList<string> contents)
    {
        var first = new HashSet<char>();
        for (int t = 0; t < contents.Count; t++)
        {
            string s = contents[t];
            if (s.Length == 0) continue;
            first.Add(s[0]);
            int node = 0;
            foreach (char c in s)
            {
                if (!_children[node].TryGetValue(c, out int child))
                {
                    child = _children.Count;
                    _children.Add(new());
                    _tokenAt.Add(-1);
                    _children[node][c] = child;
                }
                node = child;
            }
            _tokenAt[node] = t;
        }
        _firstChars = SearchValues.Create([.. first]);
    }

    /// <summary>
    /// Finds the first position ≥ <paramref name="start"/> where an added token starts and returns it with the
    /// longest token there (its index in the constructor's list and its length), or (-1, -1, 0).
    /// </summary>
    public (int Position, int Token, int Length) Next(ReadOnlySpan<char> text, int start)
    {
        int i = start;
        while (i < text.Length)
        {
            int found = text[i..].IndexOfAny(_firstChars);
            if (found < 0) break;
            i += found;
            int node = 0, best = -1, bestLength = 0;
            for (int j = i; j < text.Length && _children[node].TryGetValue(text[j], out node); j++)
            {
                if (_tokenAt[node] >= 0) { best = _tokenAt[node]; bestLength = j - i + 1; }
            }
            if (best >= 0) return (i, best, bestLength);
            i++;
        }
        return (-1, -1, 0);
    }
}
