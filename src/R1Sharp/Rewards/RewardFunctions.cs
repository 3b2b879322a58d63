// Built-in rule rewards of R1 and its reproductions: accuracy, format, tag count (R1-METHOD.md §2).
// Accuracy follows open-r1's accuracy_reward (null = skip when the gold cannot be parsed); format/tag count its regexes.
namespace R1Sharp.Rewards;

/// <summary>
/// Factories of the built-in reward functions, and the pure scoring helpers behind them (tested by hand).
/// </summary>
public static partial class RewardFunctions
{
    private const string ThinkOpen = "<think>";
    private const string ThinkClose = "</think>";

    /// <summary>
    /// 1 when the final answer equals the gold (<see cref="MathAnswer.Score"/>), 0 when not, null when there is no gold
    /// or it cannot be parsed (no reward, not a zero).
    /// </summary>
    public static RewardFunction Accuracy(AnswerOptions? options = null)
    {
        options ??= AnswerOptions.Default;
        return input => MathAnswer.Score(input.Completion, input.Gold, options) switch
        {
            null => null,
            true => 1.0,
            false => 0.0,
        };
    }

    /// <summary>1 when <see cref="IsWellFormatted"/>, else 0.</summary>
    public static RewardFunction Format(FormatOptions? options = null)
    {
        bool strict = options?.Strict ?? false;
        return input => IsWellFormatted(input.Completion, input.Template, strict) ? 1.0 : 0.0;
    }

    /// <summary>0.25 per correctly counted tag; see <see cref="TagCountScore"/>.</summary>
    public static RewardFunction TagCount() => input => TagCountScore(input.Completion, input.Template);

    /// <summary>
    /// R1-Zero: the whole completion matches <c>^\s*&lt;think&gt;.*?&lt;/think&gt;\s*&lt;answer&gt;.*?&lt;/answer&gt;$</c>
    /// with DOTALL semantics (leading whitespace allowed, because "Assistant:" is usually followed by a space).
    /// R1 chat form: an optional leading <c>&lt;think&gt;</c>, no other <c>&lt;think&gt;</c>, <c>&lt;/think&gt;</c> exactly
    /// once, and non-blank text after it. <paramref name="strict"/> requires open-r1's exact newlines.
    /// </summary>
    public static bool IsWellFormatted(string completion, CompletionTemplate template, bool strict = false)
    {
        ArgumentNullException.ThrowIfNull(completion);
        if (template == CompletionTemplate.R1Zero) return IsZeroFormatted(completion, strict);

        int close = completion.IndexOf(ThinkClose, StringComparison.Ordinal);
        if (close < 0 || completion.IndexOf(ThinkClose, close + 1, StringComparison.Ordinal) >= 0) return false;
        if (CountOrdinal(completion, ThinkOpen) > (StartsWithThinkOpen(completion) ? 1 : 0)) return false;
        var answer = completion.AsSpan(close + ThinkClose.Length);
        if (strict)
        {
            if (close == 0 || completion[close - 1] != '\n' || !answer.StartsWith("\n\n")) return false;
        }
        return !answer.IsWhiteSpace();
    }

    /// <summary>
    /// R1-Zero (open-r1 <c>tag_count_reward</c>): 0.25 each when <c>"&lt;think&gt;\n"</c>, <c>"\n&lt;/think&gt;\n"</c>,
    /// <c>"\n&lt;answer&gt;\n"</c> and <c>"\n&lt;/answer&gt;"</c> occur exactly once. R1 chat form (two tags, 0.5 each):
    /// <c>"\n&lt;/think&gt;\n"</c> occurs exactly once; <c>&lt;think&gt;</c> occurs nowhere except optionally at the start.
    /// </summary>
    public static double TagCountScore(string completion, CompletionTemplate template)
    {
        ArgumentNullException.ThrowIfNull(completion);
        if (template == CompletionTemplate.R1Zero)
        {
            double score = 0;
            if (CountOrdinal(completion, "<think>\n") == 1) score += 0.25;
            if (CountOrdinal(completion, "\n</think>\n") == 1) score += 0.25;
            if (CountOrdinal(completion, "\n<answer>\n") == 1) score += 0.25;
            if (CountOrdinal(completion, "\n</answer>") == 1) score += 0.25;
            return score;
        }
        double chat = 0;
        if (CountOrdinal(completion, "\n</think>\n") == 1) chat += 0.5;
        if (CountOrdinal(completion, ThinkOpen) == (StartsWithThinkOpen(completion) ? 1 : 0)) chat += 0.5;
        return chat;
    }

    /// <summary>
    /// The chain of thought of a completion: R1-Zero, the text between the first <c>&lt;think&gt;</c> and the next
    /// <c>&lt;/think&gt;</c>; chat form, the text before the first <c>&lt;/think&gt;</c> (after a leading
    /// <c>&lt;think&gt;</c>). Without tags: everything up to <c>&lt;/think&gt;</c> or the end (truncated thinking).
    /// </summary>
    public static ReadOnlySpan<char> ReasoningOf(string completion, CompletionTemplate template)
    {
        int start = 0;
        if (template == CompletionTemplate.R1Zero)
        {
            int open = completion.IndexOf(ThinkOpen, StringComparison.Ordinal);
            if (open >= 0) start = open + ThinkOpen.Length;
        }
        else if (StartsWithThinkOpen(completion))
        {
            start = completion.IndexOf(ThinkOpen, StringComparison.Ordinal) + ThinkOpen.Length;
        }
        int close = completion.IndexOf(ThinkClose, start, StringComparison.Ordinal);
        return completion.AsSpan(start, (close < 0 ? completion.Length : close) - start);
    }

    private static bool StartsWithThinkOpen(string s) => s.AsSpan().TrimStart().StartsWith(ThinkOpen, StringComparison.Ordinal);

    internal static int CountOrdinal(string text, string needle)
    {
        int count = 0;
        for (int at = text.IndexOf(needle, StringComparison.Ordinal); at >= 0;
             at = text.IndexOf(needle, at + needle.Length, StringComparison.Ordinal))
            count++;
        return count;
    }

    // The R1-Zero pattern checked by hand in linear time (a lazy regex backtracks O(k·n) on degenerate loops of
    // "</think><answer>" that were truncated). Same language as the regexes in the doc comment, including Python's
    // '$' that also matches before one final '\n'.
    private static bool IsZeroFormatted(string s, bool strict)
    {
        var open = strict ? "<think>\n" : "<think>";
        var closeThink = strict ? "\n</think>\n<answer>\n" : "</think>";
        var closeAnswer = strict ? "\n</answer>" : "</answer>";
        int start = strict ? 0 : s.Length - s.AsSpan().TrimStart().Length;
        if (!s.AsSpan(start).StartsWith(open, StringComparison.Ordinal)) return false;
        int end = s.EndsWith('\n') && s.AsSpan(0, s.Length - 1).EndsWith(closeAnswer, StringComparison.Ordinal) ? s.Length - 1 : s.Length;
        int answerClose = end - closeAnswer.Length;
        if (answerClose < 0 || !s.AsSpan(0, end).EndsWith(closeAnswer, StringComparison.Ordinal)) return false;
        // The earliest thinking close that is followed by an answer opening leaves the most room, so it decides.
        for (int at = s.IndexOf(closeThink, start + open.Length, StringComparison.Ordinal); at >= 0;
             at = s.IndexOf(closeThink, at + 1, StringComparison.Ordinal))
        {
            int afterClose = at + closeThink.Length;
            if (strict) return afterClose <= answerClose;
            int answerOpen = afterClose;
            while (answerOpen < s.Length && char.IsWhiteSpace(s[answerOpen])) answerOpen++;
            if (s.AsSpan(answerOpen).StartsWith("<answer>", StringComparison.Ordinal))
                return answerOpen + "<answer>".Length <= answerClose;
        }
        return false;
    }
}
