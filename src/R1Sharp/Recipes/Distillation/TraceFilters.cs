// Rejection-sampling filters of R1's distillation data (R1-METHOD.md §4.4): keep only correct traces, drop chains of
// thought with mixed languages, long paragraphs or code blocks, and (as reproductions do) heavy n-gram repetition.
using R1Sharp.Rewards;

namespace R1Sharp.Recipes.Distillation;

/// <summary>One filter's judgement of a trace: the check's name, whether the trace passed, and what was measured.</summary>
/// <param name="Check">One of the <see cref="TraceFilters"/> check names, e.g. <c>correct</c> or <c>mixed_language</c>.</param>
/// <param name="Passed">True when the trace passes this check.</param>
/// <param name="Detail">What the check measured, e.g. "answer 7, gold 4" or "longest 2412 > 2000 chars".</param>
public sealed record TraceVerdict(string Check, bool Passed, string Detail);

/// <summary>Thresholds of the filters; each immutable, with documented defaults.</summary>
public sealed record TraceFilterOptions
{
    /// <summary>Completion form the format check and reasoning extraction follow. Default R1 chat (reasoning, then <c>&lt;/think&gt;</c>, then the answer).</summary>
    public CompletionTemplate Template { get; init; } = CompletionTemplate.R1Chat;
    /// <summary>Language the chain of thought should be written in. Default English.</summary>
    public ReasoningLanguage Language { get; init; } = ReasoningLanguage.English;
    /// <summary>Least share of target-language words in the reasoning (<see cref="RewardFunctions.LanguageShare"/>). Default 0.9.</summary>
    public double MinLanguageShare { get; init; } = 0.9;
    /// <summary>Longest paragraph allowed (characters between blank lines). Default 2000.</summary>
    public int MaxParagraphChars { get; init; } = 2000;
    /// <summary>Reject traces with a <c>```</c> fenced block (math answers should have none). Default true.</summary>
    public bool RejectCodeBlocks { get; init; } = true;
    /// <summary>Word n-gram size of the repetition check. Default 4.</summary>
    public int RepetitionNgram { get; init; } = 4;
    /// <summary>Highest share of repeated n-grams (1 − distinct/total) allowed. Default 0.5 (heavy looping only).</summary>
    public double MaxRepetition { get; init; } = 0.5;

    /// <summary>Throws a one-line <see cref="R1SharpException"/> naming the first bad threshold.</summary>
    public TraceFilterOptions Validate()
    {
        if (MinLanguageShare is < 0 or > 1) throw new R1SharpException($"--min-language-share must be in [0, 1], got {MinLanguageShare}");
        if (MaxParagraphChars < 1) throw new R1SharpException($"--max-paragraph-chars must be >= 1, got {MaxParagraphChars}");
        if (RepetitionNgram < 1) throw new R1SharpException($"--repetition-ngram must be >= 1, got {RepetitionNgram}");
        if (MaxRepetition is < 0 or > 1) throw new R1SharpException($"--max-repetition must be in [0, 1], got {MaxRepetition}");
        return this;
    }
}

/// <summary>
/// The filters as pure functions of the trace text. <see cref="Judge"/> runs every check (all verdicts are recorded);
/// the first failed check in <see cref="Checks"/> order is the reason a trace is rejected.
/// </summary>
public static class TraceFilters
{
    /// <summary>The completion has the template's shape (chat: <c>&lt;/think&gt;</c> once, then an answer).</summary>
    public const string Format = "format";
    /// <summary>A final answer can be extracted (boxed, answer tag, last number).</summary>
    public const string NoAnswer = "no_answer";
    /// <summary>The answer is equivalent to the gold (<see cref="MathAnswer.Score"/>).</summary>
    public const string Correct = "correct";
    /// <summary>The reasoning is written in the target language.</summary>
    public const string MixedLanguage = "mixed_language";
    /// <summary>No paragraph is longer than the limit.</summary>
    public const string LongParagraph = "long_paragraph";
    /// <summary>No fenced code block.</summary>
    public const string CodeBlock = "code_block";
    /// <summary>No heavy n-gram repetition.</summary>
    public const string Repetition = "repetition";

    /// <summary>Every check, in the order that decides a rejected trace's reason.</summary>
    public static IReadOnlyList<string> Checks { get; } = [Format, NoAnswer, Correct, MixedLanguage, LongParagraph, CodeBlock, Repetition];

    /// <summary>All verdicts of one completion against <paramref name="gold"/>; <paramref name="graded"/> is the part the
    /// answer is extracted from (after thinking; see <see cref="R1Sharp.Evaluation.EvalSample.Graded"/>).</summary>
    public static IReadOnlyList<TraceVerdict> Judge(string completion, string graded, string gold, TraceFilterOptions options)
    {
        ArgumentNullException.ThrowIfNull(completion);
        ArgumentNullException.ThrowIfNull(graded);
        ArgumentNullException.ThrowIfNull(options);
        var reasoning = RewardFunctions.ReasoningOf(completion, options.Template);
        return
        [
            CheckFormat(completion, options.Template),
            CheckAnswer(graded),
            CheckCorrect(graded, gold),
            CheckLanguage(reasoning, options.Language, options.MinLanguageShare),
            CheckParagraphs(completion, options.MaxParagraphChars),
            CheckCodeBlock(completion, options.RejectCodeBlocks),
            CheckRepetition(completion, options.RepetitionNgram, options.MaxRepetition),
        ];
    }

    /// <summary>The check that rejects the trace (first failure in <see cref="Checks"/> order), or null when all pass.</summary>
    public static string? RejectedBy(IReadOnlyList<TraceVerdict> verdicts)
    {
        foreach (var check in Checks)
            foreach (var v in verdicts)
                if (v.Check == check && !v.Passed) return check;
        return null;
    }

    /// <summary><see cref="Format"/>: <see cref="RewardFunctions.IsWellFormatted"/> for the template.</summary>
    public static TraceVerdict CheckFormat(string completion, CompletionTemplate template) =>
        RewardFunctions.IsWellFormatted(completion, template)
            ? new(Format, true, "well formed")
            : new(Format, false, template == CompletionTemplate.R1Zero ? "not <think>…</think> <answer>…</answer>" : "no single </think> followed by an answer");

    /// <summary><see cref="NoAnswer"/>: passes when <see cref="MathAnswer.Extract"/> finds an answer in <paramref name="graded"/>.</summary>
    public static TraceVerdict CheckAnswer(string graded) =>
        MathAnswer.Extract(graded) is { } answer ? new(NoAnswer, true, "answer " + answer) : new(NoAnswer, false, "no final answer");

    /// <summary><see cref="Correct"/>: the answer of <paramref name="graded"/> is equivalent to <paramref name="gold"/>
    /// (fails too when the gold cannot be parsed: an unverifiable trace is not kept).</summary>
    public static TraceVerdict CheckCorrect(string graded, string gold)
    {
        var score = MathAnswer.Score(graded, gold, new AnswerOptions { SkipThinking = false });
        string answer = MathAnswer.Extract(graded) ?? "none";
        return score switch
        {
            true => new(Correct, true, $"answer {answer}, gold {gold}"),
            false => new(Correct, false, $"answer {answer}, gold {gold}"),
            null => new(Correct, false, $"gold '{gold}' cannot be parsed"),
        };
    }

    /// <summary>
    /// <see cref="MixedLanguage"/>: the share of <paramref name="language"/> words in the reasoning is at least
    /// <paramref name="minShare"/>. Reasoning without letters (only digits and symbols) passes: it mixes nothing.
    /// Example: "First add 所以 x 等于 5" has 3 Latin words and 4 ideographs: English share 3/7, rejected at 0.9.
    /// </summary>
    public static TraceVerdict CheckLanguage(ReadOnlySpan<char> reasoning, ReasoningLanguage language, double minShare)
    {
        bool hasLetters = false;
        foreach (char c in reasoning)
            if (char.IsLetter(c) || char.IsSurrogate(c)) { hasLetters = true; break; }
        if (!hasLetters) return new(MixedLanguage, true, "no words");
        double share = RewardFunctions.LanguageShare(reasoning, language);
        string detail = FormattableString.Invariant($"{language} share {share:0.000}");
        return share >= minShare ? new(MixedLanguage, true, detail) : new(MixedLanguage, false, detail + FormattableString.Invariant($" < {minShare:0.###}"));
    }

    /// <summary><see cref="LongParagraph"/>: <see cref="LongestParagraph"/> is at most <paramref name="maxChars"/>.</summary>
    public static TraceVerdict CheckParagraphs(string text, int maxChars)
    {
        int longest = LongestParagraph(text);
        return longest <= maxChars
            ? new(LongParagraph, true, $"longest {longest} chars")
            : new(LongParagraph, false, $"longest {longest} > {maxChars} chars");
    }

    /// <summary>
    /// Characters of the longest paragraph: paragraphs are separated by blank lines (lines of whitespace only), and
    /// each is measured without its surrounding whitespace. Example: "ab\n\n  cde \n" has paragraphs "ab" and "cde": 3.
    /// </summary>
    public static int LongestParagraph(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int longest = 0, start = -1, end = 0; // start/end: first and one-past-last non-blank char of the open paragraph
        int lineStart = 0;
        while (lineStart <= text.Length)
        {
            int nl = text.IndexOf('\n', lineStart);
            int lineEnd = nl < 0 ? text.Length : nl;
            var line = text.AsSpan(lineStart, lineEnd - lineStart);
            if (line.IsWhiteSpace())
            {
                if (start >= 0) longest = Math.Max(longest, end - start);
                start = -1;
            }
            else
            {
                int first = lineStart + (line.Length - line.TrimStart().Length);
                if (start < 0) start = first;
                end = lineStart + line.TrimEnd().Length;
            }
            if (nl < 0) break;
            lineStart = nl + 1;
        }
        if (start >= 0) longest = Math.Max(longest, end - start);
        return longest;
    }

    /// <summary><see cref="CodeBlock"/>: no <c>```</c> fence (always passes when <paramref name="reject"/> is false).</summary>
    public static TraceVerdict CheckCodeBlock(string text, bool reject = true)
    {
        bool fenced = text.Contains("```", StringComparison.Ordinal);
        if (!fenced) return new(CodeBlock, true, "no code fence");
        return reject ? new(CodeBlock, false, "``` code fence") : new(CodeBlock, true, "code fence allowed");
    }

    /// <summary><see cref="Repetition"/>: <see cref="RepetitionRatio"/> is at most <paramref name="maxRatio"/>.</summary>
    public static TraceVerdict CheckRepetition(string text, int ngram, double maxRatio)
    {
        double ratio = RepetitionRatio(text, ngram);
        string detail = FormattableString.Invariant($"{ratio:0.000} of {ngram}-grams repeated");
        return ratio <= maxRatio ? new(Repetition, true, detail) : new(Repetition, false, detail + FormattableString.Invariant($" > {maxRatio:0.###}"));
    }

    /// <summary>
    /// 1 − distinct/total word n-grams (<see cref="RewardFunctions.RepetitionPenalty"/> with max penalty 1); 0 for
    /// texts shorter than n words. Example: "a b a b" with n = 2: 1 − 2/3 = 1/3.
    /// </summary>
    public static double RepetitionRatio(string text, int ngram) => RewardFunctions.RepetitionPenalty(text, ngram, 1.0);
}
