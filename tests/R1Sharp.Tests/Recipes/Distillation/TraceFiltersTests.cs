// The rejection-sampling filters one by one on hand-made traces (accept and reject cases, hand-computed measures),
// then Judge's verdict list and the first-failure reason order.
using R1Sharp.Recipes.Distillation;
using R1Sharp.Rewards;

namespace R1Sharp.Tests.Recipes.Distillation;

public class TraceFiltersTests
{
    const string Good = "<think>\nHalf of 48 is 24, and 48 + 24 = 72.\n</think>\n\nThe total is \\boxed{72}.";

    [Theory]
    [InlineData(Good, true)]
    [InlineData("Half of 48 is 24.\n</think>\n\n\\boxed{72}", true)]   // local R1 chat: <think>\n was the prefill
    [InlineData("Half of 48 is 24, so \\boxed{72}", false)]             // thinking never closed (truncated)
    [InlineData("<think>\nreasoning\n</think>\n\n   ", false)]           // nothing after the thinking
    [InlineData("a </think> b </think> \\boxed{1}", false)]             // closed twice
    public void Format_needs_one_closed_thinking_then_an_answer(string completion, bool passed) =>
        Assert.Equal(passed, TraceFilters.CheckFormat(completion, CompletionTemplate.R1Chat).Passed);

    [Theory]
    [InlineData(" <think> a7 + b5 = 2 </think> <answer> 2 </answer>", true)]
    [InlineData(" <think> </think> <answer> 2 </answer>", true)]
    [InlineData(" <think> a7 + b5 = 2 </think> 2", false)]
    [InlineData(" a7 + b5 = 2 <answer> 2 </answer>", false)]
    public void Format_of_plain_r1_zero_completions(string completion, bool passed) =>
        Assert.Equal(passed, TraceFilters.CheckFormat(completion, CompletionTemplate.R1Zero).Passed);

    [Theory]
    [InlineData("The total is \\boxed{72}.", true, "answer 72")]
    [InlineData("<answer> 4 </answer>", true, "answer 4")]
    [InlineData("So it is 12 apples", true, "answer 12")]   // last-number fallback, as the graders do
    [InlineData("I am not sure.", false, "no final answer")]
    [InlineData("", false, "no final answer")]
    public void No_answer_when_nothing_can_be_extracted(string graded, bool passed, string detail)
    {
        var v = TraceFilters.CheckAnswer(graded);
        Assert.Equal((TraceFilters.NoAnswer, passed, detail), (v.Check, v.Passed, v.Detail));
    }

    [Theory]
    [InlineData("\\boxed{72}", "72", true)]
    [InlineData("\\boxed{72.0}", "72", true)]            // the shared MathAnswer equivalence
    [InlineData("\\boxed{\\frac{1}{2}}", "0.5", true)]
    [InlineData("\\boxed{70}", "72", false)]
    [InlineData("no idea", "72", false)]
    [InlineData("\\boxed{72}", "", false)]                // an unverifiable gold keeps nothing
    public void Correct_uses_the_math_answer_equivalence(string graded, string gold, bool passed) =>
        Assert.Equal(passed, TraceFilters.CheckCorrect(graded, gold).Passed);

    [Fact]
    public void Correct_detail_names_answer_and_gold() =>
        Assert.Equal("answer 70, gold 72", TraceFilters.CheckCorrect("\\boxed{70}", "72").Detail);

    [Theory]
    [InlineData("Half of 48 is 24, and 48 + 24 = 72.", ReasoningLanguage.English, true)]
    [InlineData("48 / 2 = 24; 48 + 24 = 72", ReasoningLanguage.English, true)]          // no words: nothing mixed
    [InlineData("First add 所以 x 等于 5", ReasoningLanguage.English, false)]            // 3 Latin of 7 words
    [InlineData("所以 x 等于 5", ReasoningLanguage.Chinese, false)]                      // 4 of 5 = 0.8 < 0.9
    [InlineData("所以答案等于五", ReasoningLanguage.Chinese, true)]
    [InlineData("Сначала add them", ReasoningLanguage.English, false)]                  // Cyrillic word: 2 of 3
    public void Mixed_language_below_the_share(string reasoning, ReasoningLanguage language, bool passed) =>
        Assert.Equal(passed, TraceFilters.CheckLanguage(reasoning, language, 0.9).Passed);

    [Fact]
    public void Mixed_language_threshold_is_configurable()
    {
        // 19 English words and one Greek word (θ): share 0.95.
        string text = "we rotate the triangle by angle θ and then we measure each side again to check that the lengths stay";
        Assert.Equal(0.95, RewardFunctions.LanguageShare(text, ReasoningLanguage.English), 12);
        Assert.True(TraceFilters.CheckLanguage(text, ReasoningLanguage.English, 0.9).Passed);
        Assert.False(TraceFilters.CheckLanguage(text, ReasoningLanguage.English, 0.99).Passed);
    }

    [Theory]
    [InlineData("ab\n\n  cde \n", 3)]
    [InlineData("one line", 8)]
    [InlineData("a\nbc\n\nd", 4)]                 // a paragraph spans its lines: "a\nbc"
    [InlineData("x\n   \t\ny", 1)]                // a whitespace-only line separates
    [InlineData("", 0)]
    [InlineData("\n\n\n", 0)]
    public void Longest_paragraph_is_measured_between_blank_lines(string text, int expected) =>
        Assert.Equal(expected, TraceFilters.LongestParagraph(text));

    [Fact]
    public void Long_paragraph_rejects_over_the_limit_only()
    {
        string ok = new string('a', 100) + "\n\n" + new string('b', 100);
        string bad = new string('a', 100) + "\n" + new string('b', 100); // one paragraph of 201 chars
        Assert.True(TraceFilters.CheckParagraphs(ok, 200).Passed);
        var v = TraceFilters.CheckParagraphs(bad, 200);
        Assert.Equal((TraceFilters.LongParagraph, false, "longest 201 > 200 chars"), (v.Check, v.Passed, v.Detail));
    }

    [Theory]
    [InlineData("2 + 3 = 5, so \\boxed{5}", true)]
    [InlineData("Let me check:\n```python\nprint(2 + 3)\n```\n\\boxed{5}", false)]
    [InlineData("inline `code` is fine", true)]
    public void Code_block_rejects_fenced_code(string text, bool passed) =>
        Assert.Equal(passed, TraceFilters.CheckCodeBlock(text).Passed);

    [Fact]
    public void Code_block_can_be_allowed() =>
        Assert.True(TraceFilters.CheckCodeBlock("```\nx\n```", reject: false).Passed);

    [Fact]
    public void Repetition_ratio_is_the_share_of_repeated_ngrams()
    {
        Assert.Equal(1.0 / 3, TraceFilters.RepetitionRatio("a b a b", 2), 12);   // (a b) (b a) (a b): 1 - 2/3
        Assert.Equal(0.0, TraceFilters.RepetitionRatio("a b c d e", 2));
        Assert.Equal(0.0, TraceFilters.RepetitionRatio("a b", 4));                // fewer words than n
        // "so the answer is 72" ten times: 50 words, 47 4-grams, 5 distinct → 1 - 5/47.
        string loop = string.Concat(Enumerable.Repeat("so the answer is 72 ", 10));
        Assert.Equal(1 - 5.0 / 47, TraceFilters.RepetitionRatio(loop, 4), 12);
        Assert.False(TraceFilters.CheckRepetition(loop, 4, 0.5).Passed);
        Assert.True(TraceFilters.CheckRepetition(loop, 4, 0.95).Passed);
        Assert.True(TraceFilters.CheckRepetition("Half of 48 is 24, and 48 + 24 = 72.", 4, 0.5).Passed);
    }

    [Fact]
    public void Judge_records_every_check_in_order_and_accepts_a_clean_correct_trace()
    {
        var verdicts = TraceFilters.Judge(Good, "The total is \\boxed{72}.", "72", new TraceFilterOptions());
        Assert.Equal(TraceFilters.Checks, verdicts.Select(v => v.Check));
        Assert.All(verdicts, v => Assert.True(v.Passed, v.Check + ": " + v.Detail));
        Assert.Null(TraceFilters.RejectedBy(verdicts));
    }

    [Fact]
    public void Rejection_reason_is_the_first_failed_check()
    {
        // Wrong, mixed-language and repetitive at once: "correct" comes first.
        string loop = string.Concat(Enumerable.Repeat("所以 so the answer is 70 ", 10));
        string completion = "<think>\n" + loop + "\n</think>\n\n\\boxed{70}";
        var verdicts = TraceFilters.Judge(completion, "\\boxed{70}", "72", new TraceFilterOptions());
        Assert.Equal([TraceFilters.Correct, TraceFilters.MixedLanguage, TraceFilters.Repetition],
            verdicts.Where(v => !v.Passed).Select(v => v.Check));
        Assert.Equal(TraceFilters.Correct, TraceFilters.RejectedBy(verdicts));
    }

    [Theory]
    [InlineData(-0.1, 2000, 4, 0.5)]
    [InlineData(0.9, 0, 4, 0.5)]
    [InlineData(0.9, 2000, 0, 0.5)]
    [InlineData(0.9, 2000, 4, 1.5)]
    public void Bad_thresholds_are_one_line_errors(double share, int paragraph, int ngram, double repetition)
    {
        var options = new TraceFilterOptions { MinLanguageShare = share, MaxParagraphChars = paragraph, RepetitionNgram = ngram, MaxRepetition = repetition };
        var e = Assert.Throws<R1SharpException>(() => options.Validate());
        Assert.DoesNotContain('\n', e.Message);
    }
}
