// Normal form and equivalence of math answers: exact rationals for numbers, normalised LaTeX text otherwise.
// Normalisation choices follow math_verify / latex2sympy2_extended as used by open-r1 (R1-METHOD.md §2, §5).
using System.Text;
using System.Text.RegularExpressions;

namespace R1Sharp.Rewards;

/// <summary>
/// A parsed answer: <see cref="Number"/> when it is a plain number (integer, decimal, a/b, <c>\frac{a}{b}</c>),
/// and always <see cref="Text"/>, the normalised string that non-numeric answers are compared by.
/// </summary>
public readonly record struct MathValue(Rational? Number, string Text)
{
    /// <summary>True when the answer is a number.</summary>
    public bool IsNumber => Number.HasValue;
}

/// <summary>Options for <see cref="MathAnswer.Score"/>.</summary>
public sealed record AnswerOptions
{
    /// <summary>Where to look for the final answer, in order. Default <see cref="MathAnswer.DefaultOrder"/>.</summary>
    public IReadOnlyList<AnswerSource> Order { get; init; } = MathAnswer.DefaultOrder;

    /// <summary>Look only after the first <c>&lt;/think&gt;</c> when thinking closed (a box inside the reasoning is a draft). Default true.</summary>
    public bool SkipThinking { get; init; } = true;

    /// <summary>When the gold is a number and the extracted text is not ("The answer is 5."), use its last number. Default true.</summary>
    public bool LastNumberFallback { get; init; } = true;

    /// <summary>Relative tolerance for numbers: |p − g| ≤ tol·|g| (≤ tol when g = 0). Default 0: exact.</summary>
    public double RelativeTolerance { get; init; }

    /// <summary>The defaults.</summary>
    public static AnswerOptions Default { get; } = new();
}

/// <summary>
/// Extraction, normalisation and equivalence of final math answers. Shared by the accuracy reward and evaluation.
/// </summary>
/// <remarks>
/// Normalisation (in order): take the last box if any; drop <c>$</c>, <c>\$</c>, <c>\( \) \[ \]</c>; unicode minus → '-';
/// <c>\dfrac \tfrac \cfrac</c> → <c>\frac</c>; drop <c>\left \right \displaystyle</c> and spacing (<c>\, \; \: \! \ ~</c>);
/// unwrap <c>\text{..}</c>-like commands; drop degrees (<c>^\circ</c>, °) and percent signs (<c>\%</c>, %, "percent");
/// keep what follows the last '='; join digit groups (1,000 / 1{,}000 / 1 000 / 1\,000); drop trailing words after a
/// space ("12 cm", "5 dollars") and a few glued units ("12cm"); drop whitespace, a final '.', and outer braces.
/// Percentages: like math_verify, the sign is dropped, so "50%" equals "50" and not "0.5".
/// </remarks>
public static partial class MathAnswer
{
    /// <summary>
    /// Parses an answer string to its normal form; null when nothing is left after normalisation (no score possible).
    /// Example: <c>TryParse("\\$1{,}000")</c> is the number 1000; <c>TryParse("\\sqrt{2}")</c> is the text <c>\sqrt{2}</c>.
    /// </summary>
    public static MathValue? TryParse(string? answer)
    {
        if (answer is null) return null;
        var text = Normalize(answer);
        if (text.Length == 0) return null;
        return new MathValue(TryParseNumber(text, out var r) ? r : null, text);
    }

    /// <summary>
    /// True when both answer strings parse and are equal: numbers exactly as rationals (or within
    /// <paramref name="relativeTolerance"/>), other answers by normalised text.
    /// </summary>
    public static bool AreEquivalent(string? predicted, string? gold, double relativeTolerance = 0)
    {
        var g = TryParse(gold);
        var p = TryParse(predicted);
        return g is not null && p is not null && AreEquivalent(p.Value, g.Value, relativeTolerance);
    }

    /// <summary>Equivalence of two parsed answers; see <see cref="AreEquivalent(string?, string?, double)"/>.</summary>
    public static bool AreEquivalent(MathValue predicted, MathValue gold, double relativeTolerance = 0)
    {
        if (gold.Number is { } g)
        {
            if (predicted.Number is not { } p) return false;
            if (p == g) return true;
            if (relativeTolerance <= 0) return false;
            var bound = Rational.FromDouble(relativeTolerance) * (g == Rational.Zero ? Rational.FromInteger(1) : g.Abs());
            return (p - g).Abs() <= bound;
        }
        return !predicted.IsNumber && string.Equals(predicted.Text, gold.Text, StringComparison.Ordinal);
    }

    /// <summary>
    /// Grades a whole completion against a gold answer: null when the gold cannot be parsed (the caller gives no
    /// reward, not zero), otherwise whether the extracted final answer is equivalent.
    /// </summary>
    public static bool? Score(string completion, string? gold, AnswerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(completion);
        options ??= AnswerOptions.Default;
        if (TryParse(gold) is not { } g) return null;
        var searched = options.SkipThinking ? AfterThinking(completion) : completion;
        var extracted = Extract(searched, options.Order);
        if (extracted is null) return false;
        var p = TryParse(extracted);
        if (g.IsNumber && p is not { IsNumber: true } && options.LastNumberFallback && LastNumber(extracted) is { } n)
            p = TryParse(n);
        return p is { } pv && AreEquivalent(pv, g, options.RelativeTolerance);
    }

    /// <summary>The normalised text of an answer (see the type's remarks); empty when nothing is left.</summary>
    public static string Normalize(string answer)
    {
        var s = LastBoxed(answer) ?? answer;
        var sb = new StringBuilder(s);
        sb.Replace(@"\$", "").Replace("$", "").Replace(@"\(", "").Replace(@"\)", "").Replace(@"\[", "").Replace(@"\]", "");
        sb.Replace('\u2212', '-').Replace('\uFE63', '-').Replace('\uFF0D', '-');
        sb.Replace(@"\dfrac", @"\frac").Replace(@"\tfrac", @"\frac").Replace(@"\cfrac", @"\frac");
        sb.Replace(@"\left", "").Replace(@"\right", "").Replace(@"\displaystyle", "");
        sb.Replace("{,}", ",").Replace(@"\,", " ").Replace(@"\;", " ").Replace(@"\:", " ").Replace(@"\!", "")
          .Replace(@"\ ", " ").Replace('~', ' ');
        sb.Replace(@"^{\circ}", "").Replace(@"^\circ", "").Replace(@"\circ", "").Replace("°", "").Replace(@"\degree", "");
        sb.Replace(@"\%", "").Replace("%", "");
        s = TextCommandRegex().Replace(sb.ToString(), " $1 ");
        s = PercentWordRegex().Replace(s, "");
        int eq = s.LastIndexOf('=');
        if (eq >= 0) s = s[(eq + 1)..];
        s = ThousandsRegex().Replace(s, "");
        s = s.Trim().TrimEnd('.').Trim();
        s = StripTrailingWords(s);
        s = GluedUnitRegex().Replace(s, "$1");
        s = WhitespaceRegex().Replace(s, "").TrimEnd('.');
        return StripOuterBraces(s);
    }

    private static string StripOuterBraces(string s)
    {
        while (s.Length >= 2 && s[0] == '{' && s[^1] == '}' && MatchingBrace(s, 0) == s.Length - 1) s = s[1..^1];
        return s;
    }

    private static int MatchingBrace(string s, int open)
    {
        int depth = 0;
        for (int i = open; i < s.Length; i++)
        {
            if (s[i] == '\\') { i++; continue; }
            if (s[i] == '{') depth++;
            else if (s[i] == '}' && --depth == 0) return i;
        }
        return -1;
    }

    [GeneratedRegex(@"\\(?:text|textbf|textit|textrm|mathrm|mathbf|mbox|operatorname)\s*\{([^{}]*)\}")]
    private static partial Regex TextCommandRegex();

    [GeneratedRegex(@"\s*\b(?:percent|pct)\b\.?", RegexOptions.IgnoreCase)]
    private static partial Regex PercentWordRegex();

    // A comma or one space between a digit and exactly three digits: 1,000 / 1 000 000 (not 1,23 or (1, 2)).
    [GeneratedRegex(@"(?<=\d)[, ](?=\d{3}(?!\d))")]
    private static partial Regex ThousandsRegex();

    // "12 cm", "5 dollars", "3 \text{ apples}" (already unwrapped): drops the words after the first digit or '}' that is
    // followed by whitespace and a letter, when everything from that letter on is word-like (letters, digits, spaces,
    // . / ^ { } ² ³). Hand-written instead of a lazy regex, which took quadratic time on adversarial answers.
    private static string StripTrailingWords(string s)
    {
        int tailStart = s.Length;
        while (tailStart > 0 && IsTailChar(s[tailStart - 1])) tailStart--;
        for (int j = 0; j < s.Length; j++)
        {
            if (!char.IsAsciiDigit(s[j]) && s[j] != '}') continue;
            int k = j + 1;
            while (k < s.Length && char.IsWhiteSpace(s[k])) k++;
            if (k > j + 1 && k < s.Length && k >= tailStart && char.IsAsciiLetter(s[k])) return s[..(j + 1)];
        }
        return s;
    }

    private static bool IsTailChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || char.IsWhiteSpace(c) || c is '.' or '/' or '^' or '{' or '}' or '²' or '³';

    [GeneratedRegex(@"^([-+]?[\d.]*\d)(?:cm|mm|km|kg|mg|ml|mph|ft|in|lbs?|oz|hrs?|min|sec|m|g|s|h|l)\.?$")]
    private static partial Regex GluedUnitRegex();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhitespaceRegex();
}
