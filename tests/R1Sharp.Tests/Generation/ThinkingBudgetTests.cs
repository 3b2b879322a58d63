// Tests of the thinking-budget state machine with scripted token sequences: natural </think>, forced
// "\n</think>\n\n" at the budget, budget 0 and unlimited, and a generator loop that obeys it.
using R1Sharp.Generation;

namespace R1Sharp.Tests.Generation;

public class ThinkingBudgetTests
{
    private const int EndThink = 900;
    private static readonly int[] Forced = [10, EndThink, 11]; // "\n", "</think>", "\n\n"

    /// <summary>Runs a generator loop: forced tokens when asked, otherwise the next scripted "model" token.</summary>
    private static List<int> Generate(ThinkingBudget budget, int[] model, int steps)
    {
        var output = new List<int>();
        int next = 0;
        for (int i = 0; i < steps; i++)
        {
            int token = budget.TryGetForced(out int f) ? f : model[next++];
            budget.Accept(token);
            output.Add(token);
        }
        return output;
    }

    [Fact]
    public void Natural_end_before_the_budget_forces_nothing()
    {
        var budget = new ThinkingBudget(5, EndThink, Forced);
        var output = Generate(budget, [1, 2, EndThink, 3, 4, 5, 6, 7], 8);
        Assert.Equal([1, 2, EndThink, 3, 4, 5, 6, 7], output);
        Assert.True(budget.EndedNaturally);
        Assert.False(budget.EndForced);
        Assert.Equal(2, budget.ThinkingTokens);
        Assert.Equal(ThinkingPhase.Answering, budget.Phase);
    }

    [Fact]
    public void Budget_reached_forces_the_end_sequence_then_the_answer_continues()
    {
        var budget = new ThinkingBudget(3, EndThink, Forced);
        var output = Generate(budget, [1, 2, 3, 4, 5, 6], 9);
        Assert.Equal([1, 2, 3, 10, EndThink, 11, 4, 5, 6], output);
        Assert.True(budget.EndForced);
        Assert.False(budget.EndedNaturally);
        Assert.Equal(3, budget.ThinkingTokens);
        Assert.Equal(ThinkingPhase.Answering, budget.Phase);
    }

    [Fact]
    public void Forced_tokens_are_exposed_for_a_batched_prefill()
    {
        var budget = new ThinkingBudget(1, EndThink, Forced);
        Assert.True(budget.ForcedTokens.IsEmpty);
        budget.Accept(1);
        Assert.Equal(Forced, budget.ForcedTokens.ToArray());
        budget.Accept(10);
        Assert.Equal([EndThink, 11], budget.ForcedTokens.ToArray());
    }

    [Fact]
    public void Budget_zero_ends_thinking_immediately()
    {
        var budget = new ThinkingBudget(0, EndThink, Forced);
        Assert.Equal(ThinkingPhase.Forcing, budget.Phase);
        Assert.Equal([10, EndThink, 11, 1, 2], Generate(budget, [1, 2], 5));
        Assert.Equal(0, budget.ThinkingTokens);
    }

    [Fact]
    public void Unlimited_budget_only_tracks_the_natural_end()
    {
        var budget = new ThinkingBudget(null, EndThink, Forced);
        var model = Enumerable.Range(1000, 5000).Append(EndThink).Append(7).ToArray();
        Assert.Equal(model, Generate(budget, model, model.Length));
        Assert.Equal(5000, budget.ThinkingTokens);
        Assert.True(budget.EndedNaturally);
    }

    [Fact]
    public void End_think_in_the_answer_is_not_counted_or_reacted_to()
    {
        var budget = new ThinkingBudget(2, EndThink, Forced);
        Generate(budget, [1, EndThink, 5, EndThink, 6, 7, 8], 7);
        Assert.Equal(1, budget.ThinkingTokens);
        Assert.Equal(ThinkingPhase.Answering, budget.Phase);
        Assert.False(budget.EndForced);
    }

    [Fact]
    public void Wrong_token_while_forcing_is_a_generator_bug()
    {
        var budget = new ThinkingBudget(1, EndThink, Forced);
        budget.Accept(1);
        Assert.Throws<InvalidOperationException>(() => budget.Accept(42));
    }

    [Fact]
    public void Reset_starts_thinking_again()
    {
        var budget = new ThinkingBudget(2, EndThink, Forced);
        Generate(budget, [1, 2, 3], 6);
        budget.Reset();
        Assert.Equal(ThinkingPhase.Thinking, budget.Phase);
        Assert.Equal(0, budget.ThinkingTokens);
        Assert.False(budget.EndForced);
        Assert.Equal([4, 5, 10], Generate(budget, [4, 5], 3));
    }

    [Fact]
    public void Bad_construction_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ThinkingBudget(-1, EndThink, Forced));
        Assert.Throws<ArgumentException>(() => new ThinkingBudget(5, EndThink, []));
    }
}
