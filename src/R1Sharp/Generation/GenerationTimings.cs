// Speed of one generation, as llama-server reports it in `timings` (tools/server: server_slot::get_timings): prompt
// time runs from the start of prompt processing until the first token is sampled; generation time from that first
// token until the last one; both rates divide by those times (at least 1 µs, as llama-server clamps).
using System.Diagnostics;

namespace R1Sharp.Generation;

/// <summary>
/// llama-server's <c>timings</c>: <c>prompt_n</c> tokens prefilled in <c>prompt_ms</c> (until the first token is sampled),
/// <c>predicted_n</c> tokens generated (the first included) in <c>predicted_ms</c> (first token to last), and the rates.
/// With one generated token <c>predicted_ms</c> is the 1 µs floor, so <see cref="PredictedPerSecond"/> is meaningless:
/// benchmark with a fixed length (<see cref="GenerationOptions.IgnoreEos"/>) instead.
/// </summary>
public sealed record GenerationTimings
{
    private const double MinMs = 1e-3;

    /// <summary>Prompt tokens processed (<c>prompt_n</c>; no prompt cache, so the whole prompt).</summary>
    public required int PromptTokens { get; init; }
    /// <summary>Milliseconds from the start of prompt processing until the first token was sampled (<c>prompt_ms</c>).</summary>
    public required double PromptMs { get; init; }
    /// <summary>Tokens generated, the first one included (<c>predicted_n</c>).</summary>
    public required int PredictedTokens { get; init; }
    /// <summary>Milliseconds from the first generated token to the last (<c>predicted_ms</c>).</summary>
    public required double PredictedMs { get; init; }

    /// <summary><c>prompt_per_token_ms</c>.</summary>
    public double PromptPerTokenMs => PromptMs / Math.Max(PromptTokens, 1);
    /// <summary><c>prompt_per_second</c> = 1000 / prompt_ms × prompt_n.</summary>
    public double PromptPerSecond => 1e3 / PromptMs * PromptTokens;
    /// <summary><c>predicted_per_token_ms</c>.</summary>
    public double PredictedPerTokenMs => PredictedMs / Math.Max(PredictedTokens, 1);
    /// <summary><c>predicted_per_second</c> = 1000 / predicted_ms × predicted_n.</summary>
    public double PredictedPerSecond => 1e3 / PredictedMs * PredictedTokens;

    // Stopwatch timestamps, kept so that the n samples of one prompt can be combined.
    internal long PromptStartedAt { get; init; }
    internal long FirstTokenAt { get; init; }
    internal long LastTokenAt { get; init; }

    /// <summary>From Stopwatch timestamps: prompt start, first token sampled, last token sampled.</summary>
    internal static GenerationTimings FromTimestamps(int promptTokens, long promptStartedAt, int predictedTokens, long firstTokenAt, long lastTokenAt) => new()
    {
        PromptTokens = promptTokens,
        PromptMs = Ms(promptStartedAt, firstTokenAt),
        PredictedTokens = predictedTokens,
        PredictedMs = Ms(firstTokenAt, lastTokenAt),
        PromptStartedAt = promptStartedAt,
        FirstTokenAt = firstTokenAt,
        LastTokenAt = lastTokenAt,
    };

    /// <summary>
    /// One prompt's n samples as one generation: the prompt once (prefilled together), tokens summed, time from the
    /// earliest first token to the latest last token. Null when no sample produced a token.
    /// Example: two samples of 10 and 30 tokens, first tokens at 50 ms, last at 150 ms → predicted_n 40, predicted_ms 100.
    /// </summary>
    public static GenerationTimings? Combine(IEnumerable<GenerationResult> results)
    {
        var timed = results.Select(r => r.Timings).OfType<GenerationTimings>().ToArray();
        if (timed.Length == 0) return null;
        if (timed.Length == 1) return timed[0];
        return FromTimestamps(timed[0].PromptTokens, timed.Min(t => t.PromptStartedAt), timed.Sum(t => t.PredictedTokens),
            timed.Min(t => t.FirstTokenAt), timed.Max(t => t.LastTokenAt));
    }

    private static double Ms(long from, long to) => Math.Max(Stopwatch.GetElapsedTime(from, to).TotalMilliseconds, MinMs);
}
