// Hugging Face `Sequence[Split(regex, Isolated, invert=false), ...]` pre-tokenizer on .NET regexes.
// Follows tokenizers' pre_tokenizers/split.rs semantics, with code-point (not UTF-16) matching via a proxy string.
using System.Buffers;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace R1Sharp.Text;

/// <summary>
/// Splits text the way Hugging Face <c>Sequence[Split(pattern, behavior=Isolated), ...]</c> does: the first
/// pattern splits the whole text into matches and the gaps between them (both kept as pieces); each next
/// pattern splits every piece of the previous stage on its own (so lookarounds see piece boundaries as the
/// ends of the input).
/// </summary>
/// <remarks>
/// .NET regexes match UTF-16 code units, so <c>\p{L}</c> or <c>\p{S}</c> never match an astral character
/// (emoji, CJK Ext-B) and <c>{1,3}</c> counts surrogate halves. When the text holds surrogate pairs, the
/// patterns run over a proxy string with one char per code point, where each astral code point is replaced
/// by a BMP stand-in of the same Unicode general category (chosen outside every literal range the
/// patterns use), and match boundaries are mapped back to UTF-16 offsets.
/// Example: <c>DeepSeekV3().Split("abc 12345")</c> gives pieces "abc", " ", "123", "45".
/// </remarks>
public sealed class SplitPreTokenizer : PreTokenizer
{
    /// <summary>The DeepSeek-V3/R1 pre-tokenizer regexes (three stages: digits 1-3, CJK/kana runs, words).</summary>
    public static readonly IReadOnlyList<string> DeepSeekV3Patterns =
    [
        @"\p{N}{1,3}",
        "[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+",
        @"[!""#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
    ];

    /// <summary>The Qwen2/Qwen3 (and R1-Distill-Qwen) pre-tokenizer regex: single digits.</summary>
    public const string Qwen2Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>The GPT-4 (tiktoken cl100k_base) regex: digits in groups of 1-3; a good default for trained tokenizers.</summary>
    public const string Gpt4Pattern =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>The GPT-2 regex used by HF <c>ByteLevel(use_regex=true)</c>.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    [ThreadStatic] private static List<(int Offset, int Length)>? t_scratchA;
    [ThreadStatic] private static List<(int Offset, int Length)>? t_scratchB;

    private readonly Regex[] _stages;

    /// <summary>Creates a pre-tokenizer with one <c>Split(Isolated)</c> stage per pattern, applied in order.</summary>
    /// <exception cref="ArgumentException">No patterns, or a pattern .NET cannot parse.</exception>
    public SplitPreTokenizer(IEnumerable<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        Patterns = [.. patterns];
        if (Patterns.Count == 0) throw new ArgumentException("At least one pattern is needed.", nameof(patterns));
        _stages = [.. Patterns.Select(p => new Regex(p, RegexOptions.Compiled | RegexOptions.CultureInvariant))];
    }

    /// <summary>Creates a pre-tokenizer with one <c>Split(Isolated)</c> stage per pattern, applied in order.</summary>
    public SplitPreTokenizer(params string[] patterns) : this((IEnumerable<string>)patterns) { }

    /// <summary>The regex patterns of the stages, in order.</summary>
    public IReadOnlyList<string> Patterns { get; }

    /// <summary>DeepSeek-V3/R1 pre-tokenizer (ARCHITECTURES.md §5).</summary>
    public static SplitPreTokenizer DeepSeekV3() => new(DeepSeekV3Patterns);

    /// <summary>Qwen2/Qwen3 pre-tokenizer (ARCHITECTURES.md §5).</summary>
    public static SplitPreTokenizer Qwen2() => new(Qwen2Pattern);

    /// <summary>GPT-4 cl100k pre-tokenizer, for tokenizers trained here.</summary>
    public static SplitPreTokenizer Gpt4() => new(Gpt4Pattern);

    /// <summary>Splits <paramref name="text"/> into pieces, returned as (offset, length) UTF-16 ranges of it.</summary>
    public (int Offset, int Length)[] Split(ReadOnlySpan<char> text)
    {
        var pieces = new List<(int Offset, int Length)>();
        Split(text, pieces);
        return [.. pieces];
    }

    /// <summary>
    /// Appends the pieces of <paramref name="text"/> to <paramref name="pieces"/> as (offset, length) UTF-16
    /// ranges of <paramref name="text"/>, in order; allocation-free once the lists have grown.
    /// </summary>
    public void Split(ReadOnlySpan<char> text, List<(int Offset, int Length)> pieces)
    {
        ArgumentNullException.ThrowIfNull(pieces);
        if (text.IsEmpty) return;
        if (text.IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
        {
            RunStages(text, pieces, null);
            return;
        }
        char[] proxy = ArrayPool<char>.Shared.Rent(text.Length);
        int[] map = ArrayPool<int>.Shared.Rent(text.Length + 1);
        try
        {
            int n = BuildProxy(text, proxy, map);
            RunStages(proxy.AsSpan(0, n), pieces, map);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(proxy);
            ArrayPool<int>.Shared.Return(map);
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text) =>
        text is null ? [] : Split(text.AsSpan());

    /// <inheritdoc/>
    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text) => Split(text);

    // Runs every stage; the last one appends to `output`, mapping proxy offsets back through `map` if given.
    private void RunStages(ReadOnlySpan<char> text, List<(int Offset, int Length)> output, int[]? map)
    {
        var current = t_scratchA ??= new List<(int, int)>(256);
        var next = t_scratchB ??= new List<(int, int)>(256);
        current.Clear();
        current.Add((0, text.Length));
        for (int s = 0; s < _stages.Length; s++)
        {
            bool last = s == _stages.Length - 1;
            next.Clear();
            foreach (var (offset, length) in current)
            {
                if (last) SplitOne(_stages[s], text, offset, length, output, map);
                else SplitOne(_stages[s], text, offset, length, next, null);
            }
            (current, next) = (next, current);
        }
    }

    // HF Split(Isolated): matches and the gaps between them, each a piece; empty matches produce nothing.
    private static void SplitOne(Regex regex, ReadOnlySpan<char> text, int offset, int length,
        List<(int Offset, int Length)> output, int[]? map)
    {
        int prev = 0;
        foreach (ValueMatch m in regex.EnumerateMatches(text.Slice(offset, length)))
        {
            if (m.Length == 0) continue;
            if (m.Index > prev) Add(output, offset + prev, m.Index - prev, map);
            Add(output, offset + m.Index, m.Length, map);
            prev = m.Index + m.Length;
        }
        if (prev < length) Add(output, offset + prev, length - prev, map);
    }

    private static void Add(List<(int Offset, int Length)> output, int offset, int length, int[]? map)
    {
        if (map is null) output.Add((offset, length));
        else output.Add((map[offset], map[offset + length] - map[offset]));
    }

    // One proxy char per code point; map[i] = UTF-16 offset of proxy char i (map[n] = text.Length).
    private static int BuildProxy(ReadOnlySpan<char> text, char[] proxy, int[] map)
    {
        int n = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            map[n] = i;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                proxy[n++] = StandIn(CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(c, text[i + 1])));
                i++;
            }
            else
            {
                proxy[n++] = c;
            }
        }
        map[n] = text.Length;
        return n;
    }

    /// <summary>
    /// A BMP character of the given general category, outside ASCII, CJK and kana (the literal ranges of the
    /// known patterns) and never whitespace, so that category tests on it answer as for the astral character.
    /// </summary>
    internal static char StandIn(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter => '\u0100',
        UnicodeCategory.LowercaseLetter => '\u0101',
        UnicodeCategory.TitlecaseLetter => '\u01C5',
        UnicodeCategory.ModifierLetter => '\u02B0',
        UnicodeCategory.OtherLetter => '\u05D0',
        UnicodeCategory.NonSpacingMark => '\u0300',
        UnicodeCategory.SpacingCombiningMark => '\u0903',
        UnicodeCategory.EnclosingMark => '\u20DD',
        UnicodeCategory.DecimalDigitNumber => '\u0660',
        UnicodeCategory.LetterNumber => '\u2160',
        UnicodeCategory.OtherNumber => '\u00B2',
        UnicodeCategory.Format => '\u00AD',
        UnicodeCategory.PrivateUse => '\uE000',
        UnicodeCategory.ConnectorPunctuation => '\u203F',
        UnicodeCategory.DashPunctuation => '\u2010',
        UnicodeCategory.OpenPunctuation => '\u2045',
        UnicodeCategory.ClosePunctuation => '\u2046',
        UnicodeCategory.InitialQuotePunctuation => '\u00AB',
        UnicodeCategory.FinalQuotePunctuation => '\u00BB',
        UnicodeCategory.OtherPunctuation => '\u00A1',
        UnicodeCategory.MathSymbol => '\u00AC',
        UnicodeCategory.CurrencySymbol => '\u00A2',
        UnicodeCategory.ModifierSymbol => '\u00B4',
        UnicodeCategory.OtherSymbol => '\u00A6',
        _ => '\u0378', // unassigned (Cn); no astral code point is whitespace or a control
    };
}
