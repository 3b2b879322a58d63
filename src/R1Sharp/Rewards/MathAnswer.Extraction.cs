// Final-answer extraction from a completion: last \boxed{...}/\fbox{...}, <answer> tags, last number, GSM8K "####".
// Mirrors what open-r1 (math_verify, boxed first), TRL and verl's GSM8K/MATH graders look for (R1-METHOD.md §2, §5).
using System.Text.RegularExpressions;

namespace R1Sharp.Rewards;

/// <summary>Where <see cref="MathAnswer.Extract"/> looks for a final answer.</summary>
public enum AnswerSource
{
    /// <summary>The content of the last balanced <c>\boxed{...}</c> or <c>\fbox{...}</c>.</summary>
    Boxed,
    /// <summary>The content of the last <c>&lt;answer&gt;...&lt;/answer&gt;</c> (its last boxed content when it holds one).</summary>
    AnswerTag,
    /// <summary>The last number in the text (integer, decimal, 1,000-grouped, or a/b).</summary>
    LastNumber,
}

public static partial class MathAnswer
{
    /// <summary>The default search order: boxed, then answer tags, then the last number.</summary>
    public static readonly IReadOnlyList<AnswerSource> DefaultOrder =
        [AnswerSource.Boxed, AnswerSource.AnswerTag, AnswerSource.LastNumber];

    private const string ThinkClose = "</think>";

    /// <summary>
    /// The raw final-answer text of <paramref name="completion"/>, trying each source of <paramref name="order"/>
    /// (default <see cref="DefaultOrder"/>) in turn; null when none finds anything.
    /// Example: <c>Extract("so \\boxed{1} or \\boxed{\\frac{1}{2}}")</c> is <c>\frac{1}{2}</c>.
    /// </summary>
    public static string? Extract(string completion, IReadOnlyList<AnswerSource>? order = null)
    {
        ArgumentNullException.ThrowIfNull(completion);
        foreach (var source in order ?? DefaultOrder)
        {
            var found = source switch
            {
                AnswerSource.Boxed => LastBoxed(completion),
                AnswerSource.AnswerTag => LastAnswerTag(completion),
                AnswerSource.LastNumber => LastNumber(completion),
                _ => throw new ArgumentOutOfRangeException(nameof(order), source, "Unknown answer source."),
            };
            if (found is not null) return found;
        }
        return null;
    }

    /// <summary>
    /// The text after the first <c>&lt;/think&gt;</c>, or the whole text when thinking never closed.
    /// Only the first closing tag counts, as in <see cref="R1Sharp.Text.Reasoning.ReasoningParser"/>.
    /// </summary>
    public static string AfterThinking(string completion)
    {
        int close = completion.IndexOf(ThinkClose, StringComparison.Ordinal);
        return close < 0 ? completion : completion[(close + ThinkClose.Length)..];
    }

    /// <summary>
    /// The content of the last balanced <c>\boxed{...}</c> or <c>\fbox{...}</c> (escaped <c>\{ \}</c> do not count),
    /// also the brace-less <c>\boxed 5</c> form; an unbalanced (truncated) last box falls back to the previous one.
    /// </summary>
    public static string? LastBoxed(string text)
    {
        int end = text.Length;
        while (end > 0)
        {
            int boxed = text.LastIndexOf(@"\boxed", end - 1, StringComparison.Ordinal);
            int fbox = text.LastIndexOf(@"\fbox", end - 1, StringComparison.Ordinal);
            int at = Math.Max(boxed, fbox);
            if (at < 0) return null;
            int contentStart = at + (at == boxed ? 6 : 5);
            var content = BoxContent(text, contentStart);
            if (content is not null) return content;
            end = at;
        }
        return null;
    }

    private static string? BoxContent(string text, int i)
    {
        int start = i;
        while (i < text.Length && text[i] == ' ') i++;
        if (i >= text.Length) return null;
        if (text[i] != '{')
        {
            // "\boxed 5": one token up to whitespace or a closing math delimiter; "\boxedx" is another command.
            if (i == start) return null;
            int tokenEnd = i;
            while (tokenEnd < text.Length && !char.IsWhiteSpace(text[tokenEnd]) && text[tokenEnd] != '$') tokenEnd++;
            return text[i..tokenEnd];
        }
        int depth = 0;
        for (int j = i; j < text.Length; j++)
        {
            char c = text[j];
            if (c == '\\') { j++; continue; } // \{ and \} are literal braces
            if (c == '{') depth++;
            else if (c == '}' && --depth == 0) return text[(i + 1)..j];
        }
        return null;
    }

    /// <summary>
    /// The trimmed content of the last closed <c>&lt;answer&gt;...&lt;/answer&gt;</c>; when that content holds a box,
    /// the box's content. Null when there is no closed pair.
    /// </summary>
    public static string? LastAnswerTag(string text)
    {
        int close = text.LastIndexOf("</answer>", StringComparison.Ordinal);
        if (close < 0) return null;
        int open = text.LastIndexOf("<answer>", close, StringComparison.Ordinal);
        if (open < 0) return null;
        var content = text[(open + "<answer>".Length)..close];
        return LastBoxed(content) ?? content.Trim();
    }

    /// <summary>
    /// The last number in <paramref name="text"/>: optional sign (ASCII or U+2212, not when glued to a preceding word,
    /// so "3-4" gives "4"), digits with optional 1,000 grouping, decimals, or a simple fraction a/b.
    /// </summary>
    public static string? LastNumber(string text)
    {
        Match? last = null;
        for (var m = NumberRegex().Match(text); m.Success; m = m.NextMatch()) last = m;
        return last?.Value;
    }

    /// <summary>
    /// The gold answer of a GSM8K solution: the trimmed text after the last <c>####</c>, with thousands commas
    /// removed ("#### 1,000" gives "1000"); null when there is no marker or nothing after it.
    /// </summary>
    public static string? FromGsm8kSolution(string solution)
    {
        ArgumentNullException.ThrowIfNull(solution);
        int at = solution.LastIndexOf("####", StringComparison.Ordinal);
        if (at < 0) return null;
        var answer = solution[(at + 4)..].Trim().Replace(",", "", StringComparison.Ordinal);
        return answer.Length == 0 ? null : answer;
    }

    [GeneratedRegex(@"(?:(?<![\w)}\]])[-−])?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?(?:/\d+)?|(?:(?<![\w)}\]])[-−])?\.\d+")]
    private static partial Regex NumberRegex();
}
