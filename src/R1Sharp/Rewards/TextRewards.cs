// Text-statistics rewards: n-gram repetition penalty (open-r1 get_repetition_penalty_reward, arXiv 2502.03373 App. C.2)
// and R1's language-consistency reward (share of target-language words in the chain of thought, R1 paper §2.3.2).
using System.Text;

namespace R1Sharp.Rewards;

public static partial class RewardFunctions
{
    /// <summary>The n-gram repetition penalty of the whole completion; see <see cref="RepetitionPenalty"/>.</summary>
    public static RewardFunction Repetition(RepetitionOptions? options = null)
    {
        options ??= new RepetitionOptions();
        options.Validate();
        return input => RepetitionPenalty(input.Completion, options.NgramSize, options.MaxPenalty);
    }

    /// <summary>
    /// <c>(1 − distinct n-grams / total n-grams) · maxPenalty</c> over words (split on whitespace, compared
    /// case-insensitively, like open-r1's <c>text.lower().split()</c>); 0 for fewer than <paramref name="ngramSize"/> words.
    /// Example: "a b a b" with n = 2 has n-grams (a b), (b a), (a b): 1 − 2/3 = 1/3, times −1 gives −1/3.
    /// </summary>
    public static double RepetitionPenalty(string text, int ngramSize, double maxPenalty)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(ngramSize, 1);
        var ids = WordIds(text);
        int total = ids.Length - ngramSize + 1;
        if (total <= 0) return 0.0;
        var distinct = new HashSet<int>(total, new NgramComparer(ids, ngramSize));
        for (int start = 0; start < total; start++) distinct.Add(start);
        return distinct.Count == total ? 0.0 : (1.0 - (double)distinct.Count / total) * maxPenalty;
    }

    // Interns whitespace-separated words (case-insensitively) into small ints without allocating per repeated word.
    private static int[] WordIds(string text)
    {
        var vocab = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var lookup = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
        var ids = new List<int>();
        int i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && char.IsWhiteSpace(text[i])) i++;
            int start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i])) i++;
            if (i == start) break;
            var word = text.AsSpan(start, i - start);
            if (!lookup.TryGetValue(word, out int id))
            {
                id = vocab.Count;
                lookup[word] = id;
            }
            ids.Add(id);
        }
        return [.. ids];
    }

    // Compares n-grams by their start index into the word-id list, so no n-gram is ever materialised.
    private sealed class NgramComparer(int[] ids, int n) : IEqualityComparer<int>
    {
        public bool Equals(int a, int b) => ids.AsSpan(a, n).SequenceEqual(ids.AsSpan(b, n));

        public int GetHashCode(int start)
        {
            uint h = 2166136261;
            foreach (int id in ids.AsSpan(start, n)) h = (h ^ (uint)id) * 16777619; // FNV-1a over ids
            return (int)h;
        }
    }

    /// <summary>Share of target-language words in the reasoning; see <see cref="LanguageShare"/>.</summary>
    public static RewardFunction LanguageConsistency(LanguageOptions? options = null)
    {
        var language = options?.Language ?? ReasoningLanguage.English;
        if (options?.FollowPrompt == true) return input => LanguageShare(ReasoningOf(input.Completion, input.Template), PromptLanguage(input.Prompt));
        return input => LanguageShare(ReasoningOf(input.Completion, input.Template), language);
    }

    /// <summary>
    /// Target words / all words in <paramref name="text"/>; 0 when it has no words. Tokenisation (by Unicode scalar):
    /// a maximal run of Latin-script letters is one word; each CJK ideograph (Han, incl. extensions) is one word; a
    /// maximal run of letters of any other script (Cyrillic, Greek, kana, Hangul, ...) is one word. Digits,
    /// punctuation, symbols and spaces separate words and are not counted. English counts Latin words, Chinese
    /// counts ideographs. Example: "所以 x 等于" has 5 words (4 ideographs + "x"): English 1/5, Chinese 4/5.
    /// </summary>
    public static double LanguageShare(ReadOnlySpan<char> text, ReasoningLanguage language)
    {
        var (latin, han, other) = CountWords(text);
        int total = latin + han + other;
        if (total == 0) return 0.0;
        return (double)(language == ReasoningLanguage.English ? latin : han) / total;
    }

    /// <summary>The words of <paramref name="text"/> by script, counted as <see cref="LanguageShare"/> counts them.</summary>
    public static (int Latin, int Han, int Other) CountWords(ReadOnlySpan<char> text)
    {
        int latin = 0, han = 0, other = 0;
        var previous = Script.None;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            Script script;
            if (c < 0x80) script = char.IsAsciiLetter(c) ? Script.Latin : Script.None; // fast path: most CoT is ASCII
            else if (Rune.DecodeFromUtf16(text[i..], out var rune, out int used) == System.Buffers.OperationStatus.Done)
            {
                script = ScriptOf(rune);
                i += used - 1;
            }
            else script = Script.None; // lone surrogate
            if (script == Script.Han) han++;
            else if (script != Script.None && script != previous)
            {
                if (script == Script.Latin) latin++; else other++;
            }
            previous = script;
        }
        return (latin, han, other);
    }

    private enum Script { None, Latin, Han, Other }

    private static Script ScriptOf(Rune r)
    {
        int v = r.Value;
        if (v is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0xF900 and <= 0xFAFF
            or >= 0x20000 and <= 0x2FA1F or >= 0x30000 and <= 0x3134F)
            return Script.Han;
        if (!Rune.IsLetter(r)) return Script.None;
        if (v is <= 0x024F or >= 0x1E00 and <= 0x1EFF or >= 0x2C60 and <= 0x2C7F or >= 0xA720 and <= 0xA7FF
            or >= 0xFF21 and <= 0xFF3A or >= 0xFF41 and <= 0xFF5A)
            return Script.Latin;
        return Script.Other;
    }
}
