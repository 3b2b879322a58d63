// Hand-computed tables for each built-in reward: accuracy, format, tag count, language, cosine, repetition, overlong.
using System.Text.RegularExpressions;
using CsCheck;
using R1Sharp.Rewards;

namespace R1Sharp.Tests.Rewards;

public class RewardFunctionTests
{
    private const CompletionTemplate Zero = CompletionTemplate.R1Zero;
    private const CompletionTemplate Chat = CompletionTemplate.R1Chat;

    private static RewardInput In(string completion, string? gold = null, int tokens = 0, int max = 0,
        CompletionTemplate template = Zero) =>
        new() { Completion = completion, Gold = gold, CompletionTokens = tokens, MaxCompletionLength = max, Template = template };

    // ---- accuracy ----

    [Theory]
    [InlineData(@"\boxed{4}", "4", 1.0)]
    [InlineData(@"\boxed{5}", "4", 0.0)]
    [InlineData("<think>half</think><answer>0.5</answer>", @"\frac{1}{2}", 1.0)]
    [InlineData("nothing", "4", 0.0)]
    public void Accuracy_is_one_or_zero(string completion, string gold, double expected)
    {
        Assert.Equal(expected, RewardFunctions.Accuracy()(In(completion, gold)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("  ")]
    public void Accuracy_gives_no_score_without_a_gold(string? gold)
    {
        Assert.Null(RewardFunctions.Accuracy()(In(@"\boxed{4}", gold)));
    }

    // ---- format ----

    [Theory]
    [InlineData("<think>abc</think><answer>5</answer>", false, true)]
    [InlineData("<think>\nabc\n</think>\n<answer>\n5\n</answer>", false, true)]
    [InlineData("<think>\nabc\n</think>\n<answer>\n5\n</answer>", true, true)]
    [InlineData("<think>abc</think><answer>5</answer>", true, false)]
    [InlineData(" <think>a</think> <answer>5</answer>", false, true)]
    [InlineData("<think>a\nb\n</think>\n<answer>5</answer>", false, true)] // DOTALL: reasoning spans lines
    [InlineData("<think>a</think><answer>5</answer>\n", false, true)]      // '$' allows one final newline, as in Python
    [InlineData("<think>a</think>", false, false)]
    [InlineData("<answer>5</answer>", false, false)]
    [InlineData("<think>a</think><answer>5</answer> trailing", false, false)]
    [InlineData("intro <think>a</think><answer>5</answer>", false, false)]
    [InlineData("<think></think><answer></answer>", false, true)]                // both parts may be empty
    [InlineData("<think>a</think>x</think><answer>5</answer>", false, true)]    // '.*?' may span a stray close tag
    [InlineData("<think>a</think><answer>5</answer>\n\n", false, false)]        // only one final newline
    [InlineData("<think>\n\n</think>\n<answer>\n\n</answer>", true, true)]
    [InlineData("<think>\n\n</think>\n<answer>\n</answer>", true, false)]     // answer's two \n may not overlap
    [InlineData("<think>\n</think>\n<answer>\n5\n</answer>", true, false)]      // needs \n before </think> too
    [InlineData("<think>\na\n</think>\n<answer>\n5\n</answer>\ngarbage", true, false)]
    public void Format_R1Zero_matches_the_tag_pattern(string completion, bool strict, bool expected)
    {
        Assert.Equal(expected, RewardFunctions.IsWellFormatted(completion, Zero, strict));
        Assert.Equal(expected ? 1.0 : 0.0, RewardFunctions.Format(new FormatOptions { Strict = strict })(In(completion)));
    }

    [Fact]
    public void Format_R1Zero_agrees_with_the_reference_regexes()
    {
        // The hand-written check against the regexes it replaces, on random strings of tag pieces.
        var loose = new Regex(@"^\s*<think>.*?</think>\s*<answer>.*?</answer>$", RegexOptions.Singleline);
        var strict = new Regex("^<think>\n.*?\n</think>\n<answer>\n.*?\n</answer>$", RegexOptions.Singleline);
        string[] pieces = ["<think>", "</think>", "<answer>", "</answer>", "\n", " ", "a"];
        Gen.Int[0, pieces.Length - 1].Array[0, 10].Select(ix => string.Concat(ix.Select(i => pieces[i])))
            .Sample(text =>
                RewardFunctions.IsWellFormatted(text, Zero) == loose.IsMatch(text)
                && RewardFunctions.IsWellFormatted(text, Zero, strict: true) == strict.IsMatch(text), iter: 20_000);
    }

    [Fact]
    public void Format_stays_linear_on_truncated_tag_loops()
    {
        // A degenerate loop cut off at the length limit: a lazy regex retries every "</think>" against the whole tail.
        var loop = "<think>x" + string.Concat(Enumerable.Repeat("</think><answer>5</answer>", 20_000)) + " trunc";
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(RewardFunctions.IsWellFormatted(loop, Zero));
        Assert.True(RewardFunctions.IsWellFormatted(loop[..^6], Zero));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
    }

    [Theory]
    [InlineData("reasoning\n</think>\n\nAnswer 5", false, true)]
    [InlineData("reasoning\n</think>\n\nAnswer 5", true, true)]
    [InlineData("reasoning</think>Answer 5", false, true)]
    [InlineData("reasoning</think>Answer 5", true, false)]
    [InlineData("<think>\nreasoning</think>answer", false, true)]
    [InlineData("reasoning</think>   \n", false, false)]
    [InlineData("reasoning only", false, false)]
    [InlineData("a</think>b</think>c", false, false)]
    [InlineData("a<think>b</think>c", false, false)]
    public void Format_R1Chat_needs_one_close_tag_and_an_answer(string completion, bool strict, bool expected)
    {
        Assert.Equal(expected, RewardFunctions.IsWellFormatted(completion, Chat, strict));
    }

    // ---- tag count ----

    [Theory]
    [InlineData("<think>\nx\n</think>\n<answer>\n5\n</answer>", 1.0)]
    [InlineData("<think>x</think><answer>5</answer>", 0.0)]
    [InlineData("<think>\nx\n</think>\n<answer>5</answer>", 0.5)]              // only the two think tags count
    [InlineData("<think>\nx\n</think>\n<think>\ny\n</think>\n<answer>\n5\n</answer>", 0.5)] // think tags twice
    [InlineData("<think>\nx\n</think>\n<answer>\n5\n</answer>\n</answer>", 0.75)]
    public void TagCount_R1Zero_gives_a_quarter_per_tag(string completion, double expected)
    {
        Assert.Equal(expected, RewardFunctions.TagCount()(In(completion)));
    }

    [Theory]
    [InlineData("x\n</think>\n\n5", 1.0)]
    [InlineData("<think>\nx\n</think>\n5", 1.0)]
    [InlineData("x</think>5", 0.5)]
    [InlineData("x\n</think>\n<think>y", 0.5)]
    [InlineData("x<think>y", 0.0)]
    public void TagCount_R1Chat_gives_a_half_per_tag(string completion, double expected)
    {
        Assert.Equal(expected, RewardFunctions.TagCountScore(completion, Chat));
    }

    // ---- language consistency ----

    [Theory]
    [InlineData("So x equals 3, done.", ReasoningLanguage.English, 1.0)]          // So, x, equals, done
    [InlineData("所以 x 等于 3", ReasoningLanguage.English, 0.2)]                   // 4 ideographs + x
    [InlineData("所以 x 等于 3", ReasoningLanguage.Chinese, 0.8)]
    [InlineData("Hello мир", ReasoningLanguage.English, 0.5)]                       // one Latin, one Cyrillic word
    [InlineData("naïve café", ReasoningLanguage.English, 1.0)]
    [InlineData("𠀀中", ReasoningLanguage.Chinese, 1.0)]                             // astral Han (U+20000) counts
    [InlineData("abcабв", ReasoningLanguage.English, 0.5)]                          // a script change splits a word
    [InlineData("12 + 5 = 17", ReasoningLanguage.English, 0.0)]                     // no words at all
    [InlineData("", ReasoningLanguage.Chinese, 0.0)]
    public void LanguageShare_counts_target_words(string text, ReasoningLanguage language, double expected)
    {
        Assert.Equal(expected, RewardFunctions.LanguageShare(text, language), 12);
    }

    [Fact]
    public void Language_reward_reads_only_the_reasoning()
    {
        var english = RewardFunctions.LanguageConsistency();
        // Reasoning "Let me think 思考": Let, me, think + 思, 考 → 3/5; the answer's words are ignored.
        Assert.Equal(0.6, english(In("<think>Let me think 思考</think><answer>five 五五五</answer>"))!.Value, 12);
        var chinese = RewardFunctions.LanguageConsistency(new LanguageOptions { Language = ReasoningLanguage.Chinese });
        // Chat form: reasoning "思考 ok" → 2 ideographs of 3 words.
        Assert.Equal(2.0 / 3, chinese(In("思考 ok</think>answer text", template: Chat))!.Value, 12);
    }

    // ---- cosine ----

    // r = lo + ½(hi − lo)(1 + cos(π·len/max)); correct (lo, hi) = (0.5, 1), wrong (lo, hi) = (−0.5, −1); max = 1000.
    [Theory]
    [InlineData(true, 0, 1.0)]            // cos 0 = 1  → 0.5 + 0.25·2
    [InlineData(true, 250, 0.9267766953)] // cos π/4 = 0.70710678 → 0.5 + 0.25·1.70710678
    [InlineData(true, 500, 0.75)]         // cos π/2 = 0  → 0.5 + 0.25·1
    [InlineData(true, 1000, 0.5)]         // cos π = −1   → 0.5 + 0
    [InlineData(true, 2000, 0.5)]         // clamped at max_len (open-r1 would wrap back to 1.0)
    [InlineData(false, 0, -1.0)]          // −0.5 + ½(−0.5)·2
    [InlineData(false, 500, -0.75)]       // −0.5 − 0.25·1
    [InlineData(false, 750, -0.5732233047)] // cos 3π/4 = −0.70710678 → −0.5 − 0.25·0.29289322
    [InlineData(false, 1000, -0.5)]
    public void CosineScaled_follows_the_open_r1_schedule(bool correct, int length, double expected)
    {
        Assert.Equal(expected, RewardFunctions.CosineScaled(correct, length, 1000, new CosineOptions()), 9);
    }

    [Fact]
    public void CosineScaled_uses_custom_bounds()
    {
        // lo 0, hi 2, half way: 0 + ½·2·(1 + 0) = 1.
        var options = new CosineOptions { MinValueCorrect = 0, MaxValueCorrect = 2 };
        Assert.Equal(1.0, RewardFunctions.CosineScaled(true, 50, 100, options), 12);
    }

    [Fact]
    public void Cosine_reward_grades_then_scales_by_tokens()
    {
        var cosine = RewardFunctions.Cosine();
        Assert.Equal(0.75, cosine(In(@"\boxed{4}", "4", tokens: 500))!.Value, 12);
        Assert.Equal(-0.75, cosine(In(@"\boxed{5}", "4", tokens: 500))!.Value, 12);
        Assert.Null(cosine(In(@"\boxed{4}", null, tokens: 500)));
        // max_len 0: the input's limit (2000) is used, so 1000 tokens is half way.
        var fromInput = RewardFunctions.Cosine(new CosineOptions { MaxLength = 0 });
        Assert.Equal(0.75, fromInput(In(@"\boxed{4}", "4", tokens: 1000, max: 2000))!.Value, 12);
        Assert.Throws<R1SharpException>(() => fromInput(In(@"\boxed{4}", "4", tokens: 10)));
    }

    [Fact]
    public void Cosine_options_are_validated()
    {
        Assert.Throws<R1SharpException>(() => RewardFunctions.Cosine(new CosineOptions { MinValueWrong = 0, MaxValueWrong = -1 }));
        Assert.Throws<R1SharpException>(() => RewardFunctions.Cosine(new CosineOptions { MaxLength = -1 }));
    }

    // ---- repetition ----

    [Theory]
    [InlineData("a b a b", 2, -1.0, -1.0 / 3)]           // (a b)(b a)(a b): 1 − 2/3
    [InlineData("", 3, -1.0, 0.0)]
    [InlineData("a b", 3, -1.0, 0.0)]                    // fewer words than n
    [InlineData("the cat sat on the mat", 2, -1.0, 0.0)] // 5 distinct bigrams
    [InlineData("A a a a", 1, -1.0, -0.75)]              // case-insensitive: 1 distinct of 4
    [InlineData("x x x x x", 3, -0.5, -1.0 / 3)]         // 1 distinct of 3: (1 − 1/3)·−0.5
    [InlineData("hello world hello world hello world", 2, -1.0, -0.6)] // 2 distinct of 5
    [InlineData("a\tb\na  b", 2, -1.0, -1.0 / 3)]         // any whitespace splits words
    public void RepetitionPenalty_scales_the_repeated_share(string text, int n, double maxPenalty, double expected)
    {
        Assert.Equal(expected, RewardFunctions.RepetitionPenalty(text, n, maxPenalty), 12);
    }

    [Fact]
    public void Repetition_reward_scores_the_whole_completion_and_validates()
    {
        var rep = RewardFunctions.Repetition(new RepetitionOptions { NgramSize = 2 });
        Assert.Equal(-1.0 / 3, rep(In("a b a b"))!.Value, 12);
        Assert.Throws<R1SharpException>(() => RewardFunctions.Repetition(new RepetitionOptions { MaxPenalty = 0.5 }));
        Assert.Throws<R1SharpException>(() => RewardFunctions.Repetition(new RepetitionOptions { NgramSize = 0 }));
    }

    // ---- overlong ----

    // L_max 100, L_cache 20: free up to 80, then (80 − len)/20, −1 past 100.
    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(80, 0.0)]
    [InlineData(81, -0.05)]
    [InlineData(90, -0.5)]
    [InlineData(100, -1.0)]
    [InlineData(101, -1.0)]
    public void OverlongPenalty_follows_DAPO(int length, double expected)
    {
        Assert.Equal(expected, RewardFunctions.OverlongPenalty(length, 100, 20), 12);
    }

    [Fact]
    public void Overlong_reward_takes_L_max_from_options_or_input()
    {
        var fromInput = RewardFunctions.Overlong(new OverlongOptions { SoftPunishCache = 20 });
        Assert.Equal(-0.5, fromInput(In("x", tokens: 90, max: 100))!.Value, 12);
        var fixedMax = RewardFunctions.Overlong(new OverlongOptions { MaxCompletionLength = 200, SoftPunishCache = 20 });
        Assert.Equal(0.0, fixedMax(In("x", tokens: 90, max: 100))!.Value, 12);
        Assert.Throws<R1SharpException>(() => fromInput(In("x", tokens: 90, max: 10)));   // cache > L_max
        Assert.Throws<R1SharpException>(() => fromInput(In("x", tokens: 90)));            // no L_max at all
        Assert.Throws<R1SharpException>(() => RewardFunctions.Overlong(new OverlongOptions { MaxCompletionLength = 10, SoftPunishCache = 20 }));
    }
}
