// Pure pieces of the R1 recipe with hand-computed cases: option checks, the readability verdict in the question's
// language, the reward scoping of the stages, the convergence metrics and the comparison table.
using R1Sharp.Recipes.R1;
using R1Sharp.Rewards;
using R1Sharp.Tasks;

namespace R1Sharp.Tests.Recipes.R1;

public class R1RecipePieceTests
{
    [Theory]
    [InlineData("fr", 2, "--lang: unknown 'fr'; use en or zh (or leave it out for both)")]
    [InlineData(null, 0, "--zero-steps must be >= 1, got 0")]
    public void Bad_options_fail_with_one_line_naming_them(string? lang, int zeroSteps, string message)
    {
        var e = Assert.Throws<R1SharpException>(() => new R1RecipeOptions { OutDirectory = "x", Lang = lang, ZeroSteps = zeroSteps }.Validate());
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Readability_is_judged_in_the_question_s_language_and_ignores_correctness()
    {
        const string en = "Last digit of a7 + b5 + c9";
        const string zh = "求 甲 七 加 乙 五 加 丙 九 的个位数";
        Assert.True(R1StageEval.Readable(en, " <think> a7 + b5 = 2 , 2 + c9 = 1 </think> <answer> 1 </answer>", "1"));
        Assert.True(R1StageEval.Readable(en, " <think> a7 + b5 = 2 , 2 + c9 = 3 </think> <answer> 3 </answer>", "1")); // wrong, readable
        Assert.False(R1StageEval.Readable(en, " <think> a7 + b5 = 2 ， 二 加 丙 九 得 一 </think> <answer> 1 </answer>", "1")); // switches language
        Assert.True(R1StageEval.Readable(zh, " <think> 甲 七 加 乙 五 得 二 ， 二 加 丙 九 得 一 </think> <answer> 1 </answer>", "1"));
        Assert.False(R1StageEval.Readable(zh, " <think> a7 + b5 = 2 , 2 + c9 = 1 </think> <answer> 1 </answer>", "1")); // English to a Chinese question
        Assert.False(R1StageEval.Readable(en, " a7 + b5 = 2 <answer> 1 </answer>", "1")); // no <think> form
    }

    [Fact]
    public void The_language_reward_scores_reasoning_prompts_only()
    {
        var rules = R1Recipe.Rules(languageReward: true);
        Assert.Equal(["accuracy", "format", "language"], rules.Names);
        var mixed = new RewardInput { Prompt = "User: Last digit of a7 + b5. Assistant:", Completion = " <think> a7 + b5 = 2 ， 二 </think> <answer> 2 </answer>", Gold = "2" };
        var scores = rules.Score(mixed);
        Assert.Equal(1.0, scores.Values[0]);
        Assert.Equal(1.0, scores.Values[1]);
        Assert.Equal(2 / 3.0, scores.Values[2]!.Value, 6); // words a, b (Latin) and 二 (Han): 2 of 3 English
        var restate = new RewardInput { Prompt = "User: Restate the problem: Last digit of a7 + b5. Assistant:", Completion = " <think> </think> <answer> x </answer>" };
        Assert.Null(rules.Score(restate).Values[2]);
        Assert.Equal(["accuracy", "format"], R1Recipe.Rules(languageReward: false).Names);
    }

    [Fact]
    public void Convergence_reads_first_and_last_windows_and_steps_to_each_threshold()
    {
        var rows = new[] { 0.5, 0.7, 0.9 }.Select((a, i) => (IReadOnlyDictionary<string, double>)new Dictionary<string, double> { ["step"] = i + 1, ["accuracy"] = a }).ToList();
        var m = R1RecipeTable.Convergence(rows);
        Assert.Equal(0.7, m["train_acc_first10"]!.Value, 9);
        Assert.Equal(2, m["steps_to_60"]);   // moving means 0.5, 0.6, 0.7
        Assert.Equal(3, m["steps_to_70"]);
        Assert.Null(m["steps_to_80"]);
        Assert.Null(m["train_language_consistency_last10"]);
    }

    [Fact]
    public void The_table_has_a_row_per_model_with_the_reward_model_scores_of_stage_5()
    {
        StageResult R(double pass1, double seconds, params (string, double?)[] extra)
        {
            var metrics = new Dictionary<string, double?> { ["pass1"] = pass1, ["cons"] = 0.5, ["mean_length"] = 40, ["language_consistency"] = 0.8, ["readable"] = 0.25, ["harmless"] = 0 };
            foreach (var (k, v) in extra) metrics[k] = v;
            return new StageResult { Metrics = metrics, Seconds = seconds };
        }
        var stages = new List<(string, StageOutcome, StageResult)>
        {
            (R1Recipe.ZeroStage, StageOutcome.Ran, R(0.6, 90, ("start_pass1", 0.3), ("start_cons", 0.4), ("steps_to_60", 12), ("train_acc_first10", 0.35), ("train_acc_last10", 0.62))),
            (R1Recipe.ColdStartStage, StageOutcome.Ran, R(0.55, 30)),
            (R1Recipe.RewardModelStage, StageOutcome.Ran, new StageResult { Metrics = new() { ["pairwise_accuracy"] = 1.0, ["rm_score/base"] = -1.5, ["rm_score/cold-start"] = 0.25 }, Seconds = 20 }),
            (R1Recipe.AllScenarioStage, StageOutcome.Ran, R(0.7, 300, ("rm_score", 2.0))),
        };
        string table = R1RecipeTable.Markdown(stages);
        Assert.Contains("| base | 30.0 % | 40.0 % | — | — | — | — | -1.50 | — |", table);
        Assert.Contains("| R1-Zero (1) | 60.0 % | 50.0 % | 40.0 | 80.0 % | 25.0 % | 0.0 % | — | 90 s |", table);
        Assert.Contains("| cold start (2) | 55.0 % | 50.0 % | 40.0 | 80.0 % | 25.0 % | 0.0 % | 0.25 | 30 s |", table);
        Assert.Contains("| all-scenario RL (6) | 70.0 % | 50.0 % | 40.0 | 80.0 % | 25.0 % | 0.0 % | 2.00 | 5.0 min |", table);
        Assert.Contains("reward model (5): pairwise accuracy 100.0 % on held-out pairs, 20 s", table);
        Assert.Contains("| R1-Zero (from the base) | 35.0 % | 62.0 % | 12 / never / never |", table);
    }

    [Fact]
    public void Non_reasoning_prompts_keep_to_the_chosen_language()
    {
        Assert.All(R1Recipe.NonReasoningPrompts(9, 7, TaskLanguage.Chinese), p => Assert.Equal(TaskLanguage.Chinese, p.Language));
        Assert.Equal(9, R1Recipe.NonReasoningPrompts(9, 7, TaskLanguage.English).Count);
        var both = R1Recipe.NonReasoningPrompts(12, 7, null);
        Assert.Contains(both, p => p.Language == TaskLanguage.English);
        Assert.Contains(both, p => p.Kind == PromptKind.Unsafe);
        Assert.Equal(10, R1Recipe.Preferences(10, null).Count);
    }
}
