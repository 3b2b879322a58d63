// llama-server's timings on every result: prompt_n / predicted_n are the counts, times are positive, the rates are
// 1000 / ms × n, and the n samples of one prompt combine into one (prompt once, tokens summed, earliest → latest).
using R1Sharp.Generation;
using static R1Sharp.Tests.Generation.GeneratorTestKit;

namespace R1Sharp.Tests.Generation;

public class GenerationTimingsTests
{
    [Fact]
    public void Every_result_carries_prompt_and_predicted_counts_times_and_rates()
    {
        using var model = RandomModel(seed: 41);
        using var generator = NewGenerator(model);
        var results = generator.Generate([new GenerationRequest([5, 6, 7, 8]), new GenerationRequest([9, 10])],
            Greedy(6) with { IgnoreEos = true, SamplesPerPrompt = 2 });
        foreach (var r in results)
        {
            var t = r.Timings!;
            Assert.Equal((r.Usage.PromptTokens, 6), (t.PromptTokens, t.PredictedTokens));
            Assert.True(t.PromptMs > 0 && t.PredictedMs > 0, $"{t.PromptMs} {t.PredictedMs}");
            Assert.Equal(1e3 / t.PredictedMs * 6, t.PredictedPerSecond, 9);
            Assert.Equal(1e3 / t.PromptMs * t.PromptTokens, t.PromptPerSecond, 9);
            Assert.Equal(t.PredictedMs / 6, t.PredictedPerTokenMs, 9);
        }
        var both = GenerationTimings.Combine(results.Take(2))!;
        Assert.Equal((4, 12), (both.PromptTokens, both.PredictedTokens));
        Assert.True(both.PredictedMs >= Math.Max(results[0].Timings!.PredictedMs, results[1].Timings!.PredictedMs) - 1e-9);
    }

    [Fact]
    public void A_run_cancelled_before_its_first_token_has_no_timings()
    {
        using var model = RandomModel(seed: 42);
        using var generator = NewGenerator(model);
        var r = generator.Generate(new GenerationRequest([5, 6, 7]), Greedy(4), cancellationToken: new CancellationToken(true));
        Assert.Equal(FinishReason.Cancelled, r.FinishReason);
        Assert.Null(r.Timings);
        Assert.Null(GenerationTimings.Combine([r]));
    }
}
