// Tests of the name → factory registry (string options as from a recipe or CLI) and the weighted combiner.
using R1Sharp.Rewards;

namespace R1Sharp.Tests.Rewards;

public class RewardRegistryTests
{
    private static RewardInput In(string completion, string? gold = null, int tokens = 0) =>
        new() { Completion = completion, Gold = gold, CompletionTokens = tokens };

    [Fact]
    public void Registry_lists_the_built_in_rewards()
    {
        Assert.Equal(["accuracy", "cosine", "format", "harmless", "language", "overlong", "repetition", "tag_count"], new RewardRegistry().Names);
    }

    [Theory]
    [InlineData("accuracy")]
    [InlineData("format")]
    [InlineData("tag_count")]
    [InlineData("language")]
    [InlineData("cosine")]
    [InlineData("repetition")]
    [InlineData("overlong")]
    public void Every_built_in_reward_builds_with_defaults(string name)
    {
        Assert.NotNull(new RewardRegistry().Create(name));
    }

    [Fact]
    public void Spec_options_reach_the_function()
    {
        var registry = new RewardRegistry();
        var (name, cosine) = registry.CreateFromSpec("cosine: max_len=100, min_value_correct=0");
        Assert.Equal("cosine", name);
        // lo 0, hi 1, half way: 0 + ½·1·(1 + 0) = 0.5.
        Assert.Equal(0.5, cosine(In(@"\boxed{4}", "4", tokens: 50))!.Value, 12);

        var (_, rep) = registry.CreateFromSpec("repetition:ngram_size=1,max_penalty=-0.5");
        Assert.Equal(-0.25, rep(In("a a"))!.Value, 12); // 1 distinct of 2: (1 − ½)·−0.5

        var (_, zh) = registry.CreateFromSpec("language:language=zh");
        Assert.Equal(1.0, zh(In("<think>中文</think><answer>1</answer>"))!.Value, 12);

        var (_, answerFirst) = registry.CreateFromSpec("accuracy:order=answer+boxed");
        Assert.Equal(1.0, answerFirst(In(@"<answer>5</answer> \boxed{6}", "5")));

        var (_, strict) = registry.CreateFromSpec("format:strict=true");
        Assert.Equal(0.0, strict(In("<think>a</think><answer>5</answer>")));
    }

    [Theory]
    [InlineData("nope")]
    [InlineData("cosine:bogus=1")]
    [InlineData("cosine:max_len=abc")]
    [InlineData("cosine:max_len")]
    [InlineData("tag_count:x=1")]
    [InlineData("repetition:max_penalty=0.5")]
    [InlineData("accuracy:order=boxed+guess")]
    [InlineData("language:language=fr")]
    [InlineData("format:strict=maybe")]
    public void Bad_specs_are_one_line_user_errors(string spec)
    {
        var e = Assert.Throws<R1SharpException>(() => new RewardRegistry().CreateFromSpec(spec));
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Unknown_name_error_lists_the_valid_names()
    {
        var e = Assert.Throws<R1SharpException>(() => new RewardRegistry().Create("acuracy"));
        Assert.Contains("accuracy", e.Message);
    }

    [Fact]
    public void Custom_rewards_can_be_registered()
    {
        var registry = new RewardRegistry();
        registry.Register("length", o => input => input.Completion.Length * double.Parse(o["scale"], System.Globalization.CultureInfo.InvariantCulture), ["scale"]);
        var (_, f) = registry.CreateFromSpec("length:scale=0.5");
        Assert.Equal(2.0, f(In("abcd")));
    }

    // ---- combiner ----

    private static readonly RewardFunction Half = _ => 0.5;
    private static readonly RewardFunction None = _ => null;

    [Fact]
    public void Combiner_reports_each_value_and_the_weighted_sum()
    {
        var combined = new WeightedRewards([
            new("accuracy", RewardFunctions.Accuracy(), 1.0),
            new("format", RewardFunctions.Format(), 0.5),
        ]);
        var scores = combined.Score(In(@"<think>2+2</think><answer>\boxed{4}</answer>", "4"));
        Assert.Equal(new double?[] { 1.0, 1.0 }, scores.Values);
        Assert.Equal(1.5, scores.Total, 12); // 1·1 + 0.5·1
        Assert.Equal(["accuracy", "format"], combined.Names);
    }

    [Fact]
    public void A_null_adds_nothing_but_is_reported_as_null()
    {
        var combined = new WeightedRewards([new("a", None, 2.0), new("b", Half, -3.0)]);
        var scores = combined.Score(In("x"));
        Assert.Equal(new double?[] { null, 0.5 }, scores.Values);
        Assert.Equal(-1.5, scores.Total, 12); // 0 + (−3)·0.5
    }

    [Fact]
    public void Batch_scores_are_laid_out_per_function()
    {
        var combined = new WeightedRewards([new("acc", RewardFunctions.Accuracy()), new("half", Half, 2.0)]);
        var batch = combined.ScoreBatch([In(@"\boxed{1}", "1"), In(@"\boxed{2}", "1"), In(@"\boxed{2}", null)]);
        Assert.Equal(new double?[] { 1.0, 0.0, null }, batch.PerFunction[0]);
        Assert.Equal(new double?[] { 0.5, 0.5, 0.5 }, batch.PerFunction[1]);
        Assert.Equal([2.0, 1.0, 1.0], batch.Totals); // acc + 2·0.5
    }

    [Fact]
    public void Combiner_rejects_bad_setups()
    {
        Assert.Throws<R1SharpException>(() => new WeightedRewards([]));
        Assert.Throws<R1SharpException>(() => new WeightedRewards([new("a", Half), new("a", Half)]));
        Assert.Throws<R1SharpException>(() => new WeightedRewards([new("a", Half, double.NaN)]));
    }
}
