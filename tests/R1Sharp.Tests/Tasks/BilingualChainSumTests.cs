// The bilingual chain-sum task: the same problem in English and Chinese number words, worked solutions in either
// language or switching midway, the corpus mix, held-out exclusion, and a byte-level BPE tokenizer trained on it.
using R1Sharp.Rewards;
using R1Sharp.Tasks;

namespace R1Sharp.Tests.Tasks;

public class BilingualChainSumTests
{
    [Fact]
    public void The_same_problem_is_posed_in_chinese_number_words_with_stem_labels()
    {
        var p = ChainSumTask.Make([7, 5, 9, 3]);
        var zh = BilingualChainSum.Pose(p, TaskLanguage.Chinese);
        Assert.Equal("求 甲 七 加 乙 五 加 丙 九 加 丁 三 的个位数", zh.Question);
        Assert.Equal("4", zh.Answer);
        Assert.Equal([7, 5, 9, 3], BilingualChainSum.Terms(zh));
        Assert.Equal(p, BilingualChainSum.ToEnglish(zh));
        Assert.Same(p, BilingualChainSum.Pose(p, TaskLanguage.English));
        Assert.Equal(TaskLanguage.Chinese, BilingualChainSum.LanguageOf(zh.Question));
        Assert.Equal(TaskLanguage.English, BilingualChainSum.LanguageOf(p.Question));
        Assert.Equal("零", BilingualChainSum.Numeral(0));
        Assert.Equal(9, BilingualChainSum.DigitOf("九"));
    }

    [Fact]
    public void Worked_solutions_in_each_language_and_switching_midway()
    {
        var p = ChainSumTask.Make([7, 5, 9, 3]);
        var zh = BilingualChainSum.Pose(p, TaskLanguage.Chinese);
        // English is the original task's form exactly.
        Assert.Equal(ChainSumTask.WorkedCompletion(p), BilingualChainSum.WorkedCompletion(p, TaskLanguage.English));
        Assert.Equal(" <think> 甲 七 加 乙 五 得 二 ， 二 加 丙 九 得 一 ， 一 加 丁 三 得 四 </think> <answer> 4 </answer>",
            BilingualChainSum.WorkedCompletion(zh, TaskLanguage.Chinese));
        // 7 + 5 = 12 → 2; 2 + 9 = 11 → 1; 1 + 3 = 4: the switch changes the words, never the digits.
        Assert.Equal(" <think> 甲 七 加 乙 五 得 二 ， 二 加 丙 九 得 一 , 1 + d3 = 4 </think> <answer> 4 </answer>",
            BilingualChainSum.WorkedCompletion(zh, TaskLanguage.Chinese, switchAt: 2));
        Assert.Equal(" <think> a7 + b5 = 2 ， 二 加 丙 九 得 一 ， 一 加 丁 三 得 四 </think> <answer> 4 </answer>",
            BilingualChainSum.WorkedCompletion(p, TaskLanguage.English, switchAt: 1));
        // A mistake carries through in Chinese too (step 1 off by 2: 2 + 9 + 2 = 13 → 3, 3 + 3 = 6).
        Assert.Equal(" <think> 甲 七 加 乙 五 得 二 ， 二 加 丙 九 得 三 ， 三 加 丁 三 得 六 </think> <answer> 6 </answer>",
            BilingualChainSum.WorkedCompletion(zh, TaskLanguage.Chinese, mistakeAt: 1, error: 2));
    }

    [Fact]
    public void Language_share_sees_the_switch()
    {
        var zh = BilingualChainSum.Pose(ChainSumTask.Make([7, 5, 9, 3]), TaskLanguage.Chinese);
        string pure = BilingualChainSum.WorkedCompletion(zh, TaskLanguage.Chinese);
        string mixed = BilingualChainSum.WorkedCompletion(zh, TaskLanguage.Chinese, switchAt: 2);
        Assert.Equal(1.0, RewardFunctions.LanguageShare(RewardFunctions.ReasoningOf(pure, CompletionTemplate.R1Zero), ReasoningLanguage.Chinese));
        // Mixed thinking: 甲 七 加 乙 五 得 二 二 加 丙 九 得 一 (13 ideographs) and "d" (1 Latin word): 13/14.
        Assert.Equal(13.0 / 14, RewardFunctions.LanguageShare(RewardFunctions.ReasoningOf(mixed, CompletionTemplate.R1Zero), ReasoningLanguage.Chinese), 12);
    }

    [Fact]
    public void Corpus_mixes_languages_switches_and_keeps_held_out_problems_out()
    {
        var heldOut = ChainSumTask.Problems(50, seed: 9);
        var exclude = heldOut.Select(p => p.Question).ToHashSet();
        var options = new BilingualCorpusOptions { WorkedFraction = 1.0, MistakeRate = 0, ChineseFraction = 0.5, SwitchRate = 0.3 };
        var docs = BilingualChainSum.Corpus(2000, seed: 3, options, exclude).ToList();
        Assert.Equal(docs, BilingualChainSum.Corpus(2000, seed: 3, options, exclude).ToList());
        Assert.Equal(2000, docs.Count);
        Assert.DoesNotContain(docs, d => exclude.Contains(BilingualChainSum.ToEnglish(d.Problem).Question));
        Assert.All(docs, d => Assert.Equal(d.Language, BilingualChainSum.LanguageOf(d.Problem.Question)));
        Assert.All(docs, d => Assert.EndsWith($"<answer> {d.Problem.Answer} </answer>", d.Completion)); // no mistakes asked for
        double chinese = docs.Count(d => d.Language == TaskLanguage.Chinese) / 2000.0;
        Assert.InRange(chinese, 0.45, 0.55);
        var reasoningLanguage = (TaskLanguage l) => l == TaskLanguage.Chinese ? ReasoningLanguage.Chinese : ReasoningLanguage.English;
        double mixed = docs.Count(d => RewardFunctions.LanguageShare(
            RewardFunctions.ReasoningOf(d.Completion, CompletionTemplate.R1Zero), reasoningLanguage(d.Language)) < 1.0) / 2000.0;
        Assert.InRange(mixed, 0.25, 0.35); // every problem has ≥ 3 terms, so SwitchRate of them switch
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_switching_solution_changes_language_after_SwitchAfter_steps(int after)
    {
        var options = new BilingualCorpusOptions { WorkedFraction = 1.0, MistakeRate = 0, SwitchRate = 1.0, SwitchAfter = after };
        foreach (var (p, language, completion) in BilingualChainSum.Corpus(300, seed: 5, options))
        {
            int switchAt = Math.Min(after, p.Terms - 2);
            Assert.Equal(BilingualChainSum.WorkedCompletion(p, language, switchAt), completion);
        }
    }

    [Fact]
    public void SwitchAfter_zero_draws_the_switch_step()
    {
        var options = new BilingualCorpusOptions { WorkedFraction = 1.0, MistakeRate = 0, SwitchRate = 1.0, SwitchAfter = 0 };
        var points = BilingualChainSum.Corpus(300, seed: 5, options).Where(d => d.Problem.Terms >= 6)
            .Select(d => Enumerable.Range(1, d.Problem.Terms - 2).Single(at => BilingualChainSum.WorkedCompletion(d.Problem, d.Language, at) == d.Completion))
            .Distinct().Count();
        Assert.True(points >= 3, $"{points} distinct switch steps");
    }

    [Fact]
    public void Bad_corpus_shares_are_named()
    {
        var e = Assert.Throws<R1SharpException>(() => new BilingualCorpusOptions { SwitchRate = 1.5 }.Validate());
        Assert.Contains("switch_rate", e.Message);
        e = Assert.Throws<R1SharpException>(() => new BilingualCorpusOptions { SwitchAfter = -1 }.Validate());
        Assert.Contains("switch_after", e.Message);
    }
}
