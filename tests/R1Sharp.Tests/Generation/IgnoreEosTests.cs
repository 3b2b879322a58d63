// ignore_eos (llama.cpp semantics: EOS ids get a −∞ logit bias, so a run lasts exactly max_tokens): the ban stage on a
// 4-token table, and the generator on a model that always predicts EOS.
using R1Sharp.Generation;
using static R1Sharp.Tests.Generation.GeneratorTestKit;
using static R1Sharp.Tests.Generation.SamplerTestKit;

namespace R1Sharp.Tests.Generation;

public class IgnoreEosTests
{
    [Fact]
    public void Banned_tokens_get_zero_probability_and_the_rest_renormalise()
    {
        var (ids, probs) = Run(LogitsOf(0.4, 0.3, 0.2, 0.1), new TokenBanSampler([0, 2]));
        Assert.Equal([0, 1, 2, 3], ids);
        AssertClose([0, 0.75, 0, 0.25], probs);
    }

    [Fact]
    public void Greedy_never_picks_a_banned_token_even_when_it_leads()
    {
        var chain = SamplerChain.FromOptions(new SamplerOptions { Temperature = 0f }, 4, bannedTokens: [0]);
        Assert.Equal(1, chain.Sample(LogitsOf(0.4, 0.3, 0.2, 0.1)));
        Assert.IsType<TokenBanSampler>(chain.Stages[0]);
    }

    [Fact]
    public void Ignore_eos_runs_a_model_that_always_predicts_eos_to_max_tokens()
    {
        using var model = ConstantModel(EosId);
        using var generator = NewGenerator(model);
        var request = new GenerationRequest([1, 2, 3]);
        var stopped = generator.Generate(request, Greedy(16));
        Assert.Equal(FinishReason.Stop, stopped.FinishReason);
        Assert.Equal([EosId], stopped.Tokens);

        var options = Greedy(16) with { IgnoreEos = true, LoopGuard = new LoopGuardOptions() };
        var full = generator.Generate(request, options);
        Assert.Equal(FinishReason.Length, full.FinishReason); // the loop guard is off too: no "loop" on repeated output
        Assert.Equal(16, full.Tokens.Length);
        Assert.DoesNotContain(EosId, full.Tokens);
    }
}
