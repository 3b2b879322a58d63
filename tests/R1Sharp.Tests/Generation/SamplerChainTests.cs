// Tests of SamplerChain: standard stage order, seeded reproducibility, empirical frequencies over 20,000
// draws, sampling log-probs, and SamplerOptions validation messages. Also pins the xoshiro256** stream.
using R1Sharp.Generation;
using R1Sharp.Numerics;
using static R1Sharp.Tests.Generation.SamplerTestKit;

namespace R1Sharp.Tests.Generation;

public class SamplerChainTests
{
    private static readonly double[] P = [0.1, 0.4, 0.2, 0.3];

    [Fact]
    public void FromOptions_builds_penalties_temperature_topk_topp_minp_then_sample()
    {
        var chain = SamplerChain.FromOptions(new SamplerOptions
        {
            Temperature = 0.6f, TopK = 20, TopP = 0.95f, MinP = 0.05f, RepetitionPenalty = 1.1f, Seed = 1,
        }, 10);
        Assert.Equal(
            [typeof(PenaltySampler), typeof(TemperatureSampler), typeof(TopKSampler), typeof(TopPSampler), typeof(MinPSampler), typeof(DistributionSampler)],
            chain.Stages.Select(s => s.GetType()));
    }

    [Fact]
    public void FromOptions_defaults_to_plain_sampling_and_greedy_at_temperature_zero()
    {
        Assert.Equal([typeof(DistributionSampler)], SamplerChain.FromOptions(new SamplerOptions(), 4).Stages.Select(s => s.GetType()));
        var greedy = SamplerChain.FromOptions(new SamplerOptions { Temperature = 0, TopP = 0.5f, FrequencyPenalty = 1 }, 4);
        Assert.Equal([typeof(PenaltySampler), typeof(GreedySampler)], greedy.Stages.Select(s => s.GetType()));
    }

    [Fact]
    public void Chain_must_end_with_exactly_one_selecting_stage()
    {
        Assert.Throws<ArgumentException>(() => new SamplerChain([new TopKSampler(2)], 4));
        Assert.Throws<ArgumentException>(() => new SamplerChain([new GreedySampler(), new GreedySampler()], 4));
    }

    [Fact]
    public void Same_seed_gives_the_same_tokens_and_reset_replays_them()
    {
        var row = RandomRow(1000, 2.0, 3);
        var options = SamplerOptions.R1Recommended with { Seed = 1234 };
        var a = SamplerChain.FromOptions(options, row.Length);
        var b = SamplerChain.FromOptions(options, row.Length);
        var first = Enumerable.Range(0, 200).Select(_ => a.Sample(row)).ToArray();
        Assert.Equal(first, Enumerable.Range(0, 200).Select(_ => b.Sample(row)));
        a.Reset();
        Assert.Equal(first, Enumerable.Range(0, 200).Select(_ => a.Sample(row)));
        var other = SamplerChain.FromOptions(options with { Seed = 1235 }, row.Length);
        Assert.NotEqual(first, Enumerable.Range(0, 200).Select(_ => other.Sample(row)));
    }

    [Fact]
    public void Chains_sharing_a_workspace_stay_independent()
    {
        var row = RandomRow(1000, 2.0, 4);
        var ws = new SamplerWorkspace(row.Length);
        var options = new SamplerOptions { Seed = 9 };
        var alone = SamplerChain.FromOptions(options, row.Length);
        var shared1 = SamplerChain.FromOptions(options, row.Length, ws);
        var shared2 = SamplerChain.FromOptions(options with { Seed = 10 }, row.Length, ws);
        for (int i = 0; i < 100; i++)
        {
            shared2.Sample(row);
            Assert.Equal(alone.Sample(row), shared1.Sample(row));
        }
    }

    [Theory]
    [InlineData(1.0, 1.0, new[] { 0.1, 0.4, 0.2, 0.3 })]
    [InlineData(1.0, 0.7, new[] { 0.0, 0.4 / 0.7, 0.0, 0.3 / 0.7 })]
    [InlineData(2.0, 1.0, new[] { 0.1627, 0.3254, 0.2301, 0.2818 })] // √p / Σ√p (Σ√p = 1.9436), rounded
    public void Sampled_frequencies_over_20000_draws_match_the_probabilities(double t, double topP, double[] expected)
    {
        var chain = SamplerChain.FromOptions(new SamplerOptions { Temperature = (float)t, TopP = (float)topP, Seed = 2024 }, 4);
        var logits = LogitsOf(P);
        var counts = new int[4];
        const int draws = 20_000;
        for (int i = 0; i < draws; i++) counts[chain.Sample(logits)]++;
        AssertClose(expected, [.. counts.Select(c => c / (double)draws)], 0.01);
    }

    [Theory]
    [InlineData(1.0, 1.0)]
    [InlineData(0.6, 0.95)]
    [InlineData(0.6, 0.3)]
    [InlineData(1.5, 0.5)]
    public void Log_prob_is_taken_after_temperature_and_before_truncation(double t, double topP)
    {
        var logits = LogitsOf(P);
        var chain = SamplerChain.FromOptions(new SamplerOptions { Temperature = (float)t, TopP = (float)topP, Seed = 5 }, 4);
        for (int i = 0; i < 20; i++)
        {
            int token = chain.Sample(logits, out float logProb);
            double expected = Math.Log(P[token]) / t - Math.Log(P.Sum(p => Math.Pow(p, 1 / t)));
            Assert.Equal(expected, logProb, 1e-5);
        }
    }

    [Fact]
    public void Log_prob_includes_penalties_and_greedy_reports_temperature_one()
    {
        float[] logits = [2f, -1f, 0.5f, -3f];
        var chain = SamplerChain.FromOptions(new SamplerOptions { Temperature = 0, RepetitionPenalty = 4f }, 4);
        chain.AcceptPrompt([0]);
        int token = chain.Sample(logits, out float logProb); // logits become [0.5, -1, 0.5, -3]: tie → 0
        Assert.Equal(0, token);
        Assert.Equal(LogProbs.TokenLogProb([0.5f, -1f, 0.5f, -3f], 0), logProb, 1e-6);
    }

    [Fact]
    public void Sample_accepts_the_token_so_penalties_see_it()
    {
        var chain = SamplerChain.FromOptions(new SamplerOptions { Temperature = 0, PresencePenalty = 2f }, 3);
        float[] logits = [1f, 0f, -5f];
        Assert.Equal(0, chain.Sample(logits));
        Assert.Equal(1, chain.Sample(logits)); // token 0 now at −1
        chain.Accept(1);                        // a forced token counts too
        Assert.Equal(0, chain.Sample(logits)); // 0: 1 − 2 = −1; 1: 0 − 2 = −2 (presence counts once)
    }

    [Fact]
    public void Sample_rejects_a_row_of_the_wrong_length()
    {
        var chain = SamplerChain.FromOptions(new SamplerOptions(), 4);
        Assert.Throws<ArgumentException>(() => chain.Sample(new float[5]));
    }

    [Theory]
    [InlineData("temperature", "temperature must be a finite number >= 0 (0 = greedy), got -1")]
    [InlineData("top_k", "top_k must be >= 0 (0 = off), got -2")]
    [InlineData("top_p", "top_p must be in (0, 1], got 1.5")]
    [InlineData("top_p0", "top_p must be in (0, 1], got 0")]
    [InlineData("min_p", "min_p must be in [0, 1], got 2")]
    [InlineData("repetition_penalty", "repetition_penalty must be a finite number > 0 (1 = off), got 0")]
    [InlineData("repetition_window", "repetition_window must be >= 0 (0 = whole prompt and output), got -1")]
    [InlineData("presence_penalty", "presence_penalty must be in [-2, 2], got 3")]
    [InlineData("frequency_penalty", "frequency_penalty must be in [-2, 2], got NaN")]
    public void Validate_names_the_bad_option_in_one_line(string field, string message)
    {
        var bad = field switch
        {
            "temperature" => new SamplerOptions { Temperature = -1 },
            "top_k" => new SamplerOptions { TopK = -2 },
            "top_p" => new SamplerOptions { TopP = 1.5f },
            "top_p0" => new SamplerOptions { TopP = 0f },
            "min_p" => new SamplerOptions { MinP = 2 },
            "repetition_penalty" => new SamplerOptions { RepetitionPenalty = 0 },
            "repetition_window" => new SamplerOptions { RepetitionWindow = -1 },
            "presence_penalty" => new SamplerOptions { PresencePenalty = 3 },
            _ => new SamplerOptions { FrequencyPenalty = float.NaN },
        };
        Assert.Equal(message, Assert.Throws<R1SharpException>(() => bad.Validate()).Message);
        Assert.Throws<R1SharpException>(() => SamplerChain.FromOptions(bad, 4));
    }

    [Fact]
    public void Default_and_recommended_options_are_valid()
    {
        new SamplerOptions().Validate();
        Assert.Equal(0.6f, SamplerOptions.R1Recommended.Validate().Temperature);
        Assert.Equal(0.95f, SamplerOptions.R1Recommended.TopP);
    }

    [Fact]
    public void Xoshiro256_stream_is_pinned()
    {
        // Values from an independent Python transcription of splitmix64 + xoshiro256** 1.0, seed 42.
        var rng = new Xoshiro256(42);
        Assert.Equal(0x15780b2e0c2ec716UL, rng.NextUInt64());
        Assert.Equal(0x6104d9866d113a7eUL, rng.NextUInt64());
        Assert.Equal(0xae17533239e499a1UL, rng.NextUInt64());
    }

    [Fact]
    public void Log_softmax_and_token_log_prob_match_hand_values()
    {
        var dst = new float[2];
        LogProbs.LogSoftmax([0f, MathF.Log(3f)], dst);
        Assert.Equal(Math.Log(0.25), dst[0], 1e-6);
        Assert.Equal(Math.Log(0.75), dst[1], 1e-6);
        Assert.Equal(Math.Log(0.4), LogProbs.TokenLogProb(LogitsOf(P), 1), 1e-6);
        var big = RandomRow(1001, 3.0, 1);
        double lse = Math.Log(big.Sum(x => Math.Exp(x / 0.7)));
        Assert.Equal(big[17] / 0.7 - lse, LogProbs.TokenLogProb(big, 17, 0.7f), 1e-4);
        Assert.Equal(float.NegativeInfinity, LogProbs.LogSumExp([float.NegativeInfinity]));
    }

    [Fact]
    public void Fast_exp_is_float_accurate_and_flushes_minus_infinity_to_zero()
    {
        var n = System.Numerics.Vector<float>.Count;
        for (float x = -87f; x <= 0f; x += 0.0137f * n)
        {
            var xs = new float[n];
            for (int i = 0; i < n; i++) xs[i] = x + 0.0137f * i;
            var e = VectorMath.FastExp(new System.Numerics.Vector<float>(xs));
            for (int i = 0; i < n; i++)
            {
                double exact = Math.Exp(xs[i]);
                Assert.True(Math.Abs(e[i] - exact) <= 3e-7 * exact, $"exp({xs[i]}) = {e[i]}, exact {exact}");
            }
        }
        Assert.Equal(0f, VectorMath.FastExp(new System.Numerics.Vector<float>(float.NegativeInfinity))[0]);
        Assert.Equal(0f, VectorMath.FastExp(new System.Numerics.Vector<float>(-100f))[0]);
    }
}
