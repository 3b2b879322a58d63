// The language_consistency metric: the prompt's language, one sample's share (hand-counted words), the mean over
// samples that reason in words, the `language=prompt` reward, and where it is reported (eval summary, its JSON, table).
using System.Text.Json;
using R1Sharp.Evaluation;
using R1Sharp.Recipes.Zero;
using R1Sharp.Rewards;

namespace R1Sharp.Tests.Rewards;

public class LanguageConsistencyTests
{
    const string ZhPrompt = "A conversation between User and Assistant. User: 求 甲 七 加 乙 五 加 丙 九 的个位数. Assistant:";
    const string EnPrompt = "A conversation between User and Assistant. User: Last digit of a7 + b5 + c9. Assistant:";

    [Fact]
    public void The_prompt_language_is_chinese_when_it_holds_an_ideograph()
    {
        Assert.Equal(ReasoningLanguage.Chinese, RewardFunctions.PromptLanguage(ZhPrompt));
        Assert.Equal(ReasoningLanguage.English, RewardFunctions.PromptLanguage(EnPrompt));
    }

    [Fact]
    public void A_sample_scores_the_share_of_its_reasoning_in_the_prompt_language()
    {
        // 甲 七 加 乙 五 得 二 (7 ideographs) + "c" (1 Latin word): 7/8 in Chinese.
        const string mixed = " <think> 甲 七 加 乙 五 得 二 , 2 + c9 = 1 </think> <answer> 1 </answer>";
        Assert.Equal(7.0 / 8, RewardFunctions.SampleLanguageConsistency(ZhPrompt, mixed)!.Value, 12);
        Assert.Equal(1.0 / 8, RewardFunctions.SampleLanguageConsistency(EnPrompt, mixed)!.Value, 12);
        // Chat form (no <think>: the completion starts inside the thinking).
        Assert.Equal(1.0, RewardFunctions.SampleLanguageConsistency(ZhPrompt, "甲 七 加 乙 五</think> 2")!.Value, 12);
        // Nothing to be consistent about: a direct answer, or digits only.
        Assert.Null(RewardFunctions.SampleLanguageConsistency(ZhPrompt, " <think> </think> <answer> 1 </answer>"));
        Assert.Null(RewardFunctions.SampleLanguageConsistency(EnPrompt, " <think> 7 + 5 = 2 </think> <answer> 2 </answer>"));
        // The mean skips those: (7/8 + 1) / 2.
        Assert.Equal((7.0 / 8 + 1) / 2, RewardFunctions.MeanLanguageConsistency([(ZhPrompt, mixed),
            (ZhPrompt, " <think> 甲 七 </think>"), (ZhPrompt, " <think> </think> <answer> 1 </answer>")])!.Value, 12);
        Assert.Null(RewardFunctions.MeanLanguageConsistency([]));
    }

    [Fact]
    public void The_language_reward_can_follow_the_prompt()
    {
        var (_, reward) = new RewardRegistry().CreateFromSpec("language:language=prompt");
        const string zh = " <think> 甲 七 加 乙 五 得 二 </think> <answer> 2 </answer>";
        Assert.Equal(1.0, reward(new RewardInput { Prompt = ZhPrompt, Completion = zh }));
        Assert.Equal(0.0, reward(new RewardInput { Prompt = EnPrompt, Completion = zh }));
        var e = Assert.Throws<R1SharpException>(() => new RewardRegistry().CreateFromSpec("language:language=fr"));
        Assert.Contains("prompt", e.Message);
    }

    [Fact]
    public void Eval_summary_reports_it_beside_pass_at_1_in_the_table_and_the_json()
    {
        var zh = new EvalRecord("求 甲 七 加 乙 五 的个位数", "2", [" <think> 甲 七 加 乙 五 得 二 </think> <answer> 2 </answer>",
            " <think> a7 + b5 = 2 </think> <answer> 2 </answer>"], ["2", "2"], [true, true], [9, 9], [5, 5], 1, true);
        var en = new EvalRecord("Last digit of a7 + b5", "2", [" <think> a7 + b5 = 2 </think> <answer> 2 </answer>",
            " <think> </think> <answer> 3 </answer>"], ["2", "3"], [true, false], [9, 5], [5, 0], 0.5, true);
        var summary = Evaluator.Summarize([zh, en], 2);
        Assert.Equal((1.0 + 0.0 + 1.0) / 3, summary.LanguageConsistency!.Value, 12); // the direct answer is skipped
        Assert.Contains("language consistency          66.67%", EvalRunner.FormatSummary(summary));
        using var json = JsonDocument.Parse(JsonSerializer.Serialize(summary, ZeroText.Json));
        Assert.Equal(2 / 3.0, json.RootElement.GetProperty("language_consistency").GetDouble(), 12);
        Assert.Equal(0.75, json.RootElement.GetProperty("pass_at1").GetDouble(), 12);
    }
}
