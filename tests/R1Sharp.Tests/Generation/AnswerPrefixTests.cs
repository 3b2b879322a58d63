// GenerationRequest.AnswerPrefix: tokens forced where the answer starts (after a natural or budget-forced </think>, or
// first when the prompt opens no thinking block), as tool_choice "required" uses to open a call.
using R1Sharp.Generation;
using static R1Sharp.Tests.Generation.GeneratorTestKit;

namespace R1Sharp.Tests.Generation;

public class AnswerPrefixTests
{
    private static int X => Tokenizer.Encode("x", addSpecialTokens: false).Single();

    [Fact]
    public void Prefix_follows_the_budget_forced_end_of_thinking()
    {
        var tokenizer = Tokenizer;
        using var model = ConstantModel(X);
        var generator = NewGenerator(model);
        int[] prefix = tokenizer.Encode("ab", addSpecialTokens: false);
        var request = new GenerationRequest(tokenizer.Encode("<｜User｜>hi<｜Assistant｜><think>\n")) { StartsInThinking = true, AnswerPrefix = prefix };
        var result = generator.Generate(request, Greedy(12) with { ThinkingBudget = 2 });
        int end = 2 + generator.ForcedThinkingEnd.Count;
        Assert.Equal(prefix, result.Tokens[end..(end + prefix.Length)]);
        Assert.All(result.Forced[2..(end + prefix.Length)], Assert.True);
        Assert.False(result.Forced[^1]);
        Assert.Equal("xx\n", result.Reasoning);
        Assert.Equal("ab" + new string('x', 12 - end - prefix.Length), result.Content);
    }

    [Fact]
    public void Prefix_follows_a_natural_end_of_thinking()
    {
        using var model = ConstantModel(X);
        var generator = NewGenerator(model);
        ScriptedSampler.Install(generator, _ => "r\n</think>\n\nz");
        var tokenizer = generator.Tokenizer;
        var request = new GenerationRequest(tokenizer.Encode("<｜User｜>hi<｜Assistant｜><think>\n"))
        {
            StartsInThinking = true, AnswerPrefix = tokenizer.Encode("ab", addSpecialTokens: false),
        };
        var result = generator.Generate(request, Greedy(30));
        Assert.Equal(("r\n", "ab\n\nz"), (result.Reasoning, result.Content));
        Assert.Equal(FinishReason.Stop, result.FinishReason);
    }

    [Fact]
    public void Without_thinking_the_prefix_comes_first()
    {
        using var model = ConstantModel(X);
        var generator = NewGenerator(model);
        var request = new GenerationRequest(RandomPrompt(new Random(3), 4)) { AnswerPrefix = Tokenizer.Encode("ab", addSpecialTokens: false) };
        var result = generator.Generate(request, Greedy(5));
        int prefix = Tokenizer.Encode("ab", addSpecialTokens: false).Length;
        Assert.Equal("ab" + new string('x', 5 - prefix), result.Content);
        Assert.True(result.Forced[0]);
    }

    [Fact]
    public void Prefix_ids_outside_the_vocabulary_are_refused()
    {
        using var model = ConstantModel(X);
        var generator = NewGenerator(model);
        var request = new GenerationRequest(RandomPrompt(new Random(3), 4)) { AnswerPrefix = [Vocab + 5] };
        Assert.Contains("answer-prefix", Assert.Throws<R1SharpException>(() => generator.Generate(request, Greedy(5))).Message);
    }
}
