// top_logprobs on a 4-token distribution, computed by hand: logits ln[1, 3, 2, 2] at T = 1 → p = [1, 3, 2, 2] / 8.
using R1Sharp.Generation;

namespace R1Sharp.Tests.Generation;

public class TopLogProbsTests
{
    static readonly float[] s_logits = [0f, MathF.Log(3), MathF.Log(2), MathF.Log(2)];

    [Fact]
    public void Top_alternatives_come_most_likely_first_ties_by_lower_id()
    {
        var chain = SamplerChain.FromOptions(new SamplerOptions { Temperature = 0 }, 4);
        chain.TopLogProbs = 3;
        int token = chain.Sample(s_logits, out float logProb);
        Assert.Equal(1, token);
        Assert.Equal(Math.Log(3.0 / 8), logProb, 5);
        var top = chain.LastTop().ToArray();
        Assert.Equal([1, 2, 3], top.Select(t => t.Token));
        Assert.Equal([Math.Log(3.0 / 8), Math.Log(2.0 / 8), Math.Log(2.0 / 8)], top.Select(t => (double)t.LogProb), new ToleranceComparer(1e-5));
    }

    [Fact]
    public void Top_list_is_taken_after_temperature_and_skips_banned_tokens()
    {
        // T = 0.5 squares the odds: [1, 9, 4, 4] / 18; token 1 banned → [1, 4, 4] / 9 over ids 0, 2, 3.
        var chain = SamplerChain.FromOptions(new SamplerOptions { Temperature = 0.5f, Seed = 1 }, 4, bannedTokens: [1]);
        chain.TopLogProbs = 4;
        chain.Sample(s_logits, out _);
        var top = chain.LastTop().ToArray();
        Assert.Equal([2, 3, 0], top.Select(t => t.Token));
        Assert.Equal([Math.Log(4.0 / 9), Math.Log(4.0 / 9), Math.Log(1.0 / 9)], top.Select(t => (double)t.LogProb), new ToleranceComparer(1e-5));
    }

    sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(double obj) => 0;
    }
}
