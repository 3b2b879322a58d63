// logit_bias on a 4-token distribution (logits ln[1, 3, 2, 2]): +100 forces a token, −100 bans one, small biases move odds.
using R1Sharp.Generation;

namespace R1Sharp.Tests.Generation;

public class LogitBiasSamplerTests
{
    static readonly float[] s_logits = [0f, MathF.Log(3), MathF.Log(2), MathF.Log(2)];

    static (int Token, float LogProb) Greedy(Dictionary<int, float> bias)
    {
        var chain = SamplerChain.FromOptions(new SamplerOptions { Temperature = 0, LogitBias = bias }, 4);
        int token = chain.Sample(s_logits, out float logProb);
        return (token, logProb);
    }

    [Fact]
    public void Plus_100_forces_and_minus_100_bans()
    {
        Assert.Equal(0, Greedy(new() { [0] = 100 }).Token);
        Assert.Equal(2, Greedy(new() { [1] = -100 }).Token);
    }

    [Fact]
    public void A_bias_of_ln_2_doubles_the_odds()
    {
        // Token 2 biased by ln 2: weights [1, 3, 4, 2] / 10 → greedy picks 2 with log-prob ln 0.4.
        var (token, logProb) = Greedy(new() { [2] = MathF.Log(2) });
        Assert.Equal(2, token);
        Assert.Equal(Math.Log(0.4), logProb, 5);
    }

    [Fact]
    public void Out_of_range_values_and_ids_are_refused()
    {
        Assert.Throws<R1SharpException>(() => new SamplerOptions { LogitBias = new Dictionary<int, float> { [1] = 101 } }.Validate());
        Assert.Throws<R1SharpException>(() => SamplerChain.FromOptions(new SamplerOptions { LogitBias = new Dictionary<int, float> { [4] = 1 } }, 4));
    }
}
