// What a batched generation returns per sequence (OpenAI choice + usage, plus the token ids and sampling
// log-probs GRPO needs) and the streaming deltas it emits on the way.
namespace R1Sharp.Generation;

/// <summary>Why a sequence ended.</summary>
public enum FinishReason
{
    /// <summary>An EOS id or a stop string (OpenAI "stop").</summary>
    Stop,
    /// <summary>The max-new-tokens limit or the end of the context (OpenAI "length").</summary>
    Length,
    /// <summary>The loop guard saw runaway repetition ("loop").</summary>
    Loop,
    /// <summary>The caller cancelled; the result is partial ("cancelled").</summary>
    Cancelled,
}

/// <summary>Helpers for <see cref="FinishReason"/>.</summary>
public static class FinishReasons
{
    /// <summary>The API spelling: "stop", "length", "loop" or "cancelled".</summary>
    public static string ToApiString(this FinishReason reason) => reason switch
    {
        FinishReason.Stop => "stop",
        FinishReason.Length => "length",
        FinishReason.Loop => "loop",
        _ => "cancelled",
    };
}

/// <summary>Token counts of one sequence (OpenAI usage; reasoning tokens as in completion_tokens_details).</summary>
/// <param name="PromptTokens">Prompt length in tokens.</param>
/// <param name="CompletionTokens">Tokens generated, including a final EOS and forced thinking-end tokens.</param>
/// <param name="ReasoningTokens">Tokens generated inside the thinking block (excluding &lt;/think&gt; and forced tokens).</param>
public readonly record struct GenerationUsage(int PromptTokens, int CompletionTokens, int ReasoningTokens)
{
    /// <summary>Prompt + completion.</summary>
    public int TotalTokens => PromptTokens + CompletionTokens;

    /// <summary>Sums the counts of several sequences.</summary>
    public static GenerationUsage Sum(IEnumerable<GenerationUsage> usages) =>
        usages.Aggregate(default(GenerationUsage), (a, u) => new(a.PromptTokens + u.PromptTokens,
            a.CompletionTokens + u.CompletionTokens, a.ReasoningTokens + u.ReasoningTokens));
}

/// <summary>One finished sequence.</summary>
public sealed record GenerationResult
{
    /// <summary>Index of the prompt in the request list.</summary>
    public required int PromptIndex { get; init; }
    /// <summary>Which of that prompt's samples (0..n−1).</summary>
    public required int SampleIndex { get; init; }
    /// <summary>Generated ids, in order; ends with the EOS id when one stopped the sequence.</summary>
    public required int[] Tokens { get; init; }
    /// <summary>
    /// Per token: log π(token) under the sampling distribution (after penalties and temperature, before
    /// truncation; see <see cref="SamplerChain.Sample(ReadOnlySpan{float}, out float)"/>); 0 for forced tokens.
    /// </summary>
    public required float[] LogProbs { get; init; }
    /// <summary>Per token: true when the thinking budget or the answer prefix forced it rather than the model sampling it (mask these out of GRPO losses).</summary>
    public required bool[] Forced { get; init; }
    /// <summary>Decoded output without EOS and without the stop string (tags included as generated).</summary>
    public required string Text { get; init; }
    /// <summary>The thinking part (no tags).</summary>
    public required string Reasoning { get; init; }
    /// <summary>The answer part.</summary>
    public required string Content { get; init; }
    /// <summary>Why it ended.</summary>
    public required FinishReason FinishReason { get; init; }
    /// <summary>The stop string that ended it, or null.</summary>
    public string? StopString { get; init; }
    /// <summary>Token counts.</summary>
    public required GenerationUsage Usage { get; init; }
    /// <summary>True when the thinking budget forced the end of reasoning.</summary>
    public bool ThinkingForced { get; init; }
    /// <summary>
    /// The answer's sampled tokens (not the thinking, forced or EOS tokens) with log-probs and top alternatives, when
    /// <see cref="GenerationOptions.TopLogProbs"/> asked for them; else null.
    /// </summary>
    public IReadOnlyList<TokenLogProbs>? ContentLogProbs { get; init; }
    /// <summary>Prompt and generation speed (llama-server's <c>timings</c>); null when no token was generated.</summary>
    public GenerationTimings? Timings { get; init; }
}

/// <summary>
/// Streamed text of one sequence: new reasoning and content since the previous delta. The last delta of a
/// sequence carries its <see cref="Result"/> (and possibly a final piece of text).
/// </summary>
/// <param name="Sequence">Sequence index (prompt·n + sample).</param>
/// <param name="PromptIndex">Index of the prompt.</param>
/// <param name="SampleIndex">Which sample of that prompt.</param>
/// <param name="Reasoning">New reasoning text (may be empty).</param>
/// <param name="Content">New answer text (may be empty).</param>
/// <param name="Result">Set on the sequence's last delta.</param>
/// <param name="LogProbs">Answer tokens' log-probs recorded since the previous delta (<see cref="GenerationOptions.TopLogProbs"/>), else null.</param>
public readonly record struct GenerationDelta(int Sequence, int PromptIndex, int SampleIndex, string Reasoning, string Content,
    GenerationResult? Result = null, IReadOnlyList<TokenLogProbs>? LogProbs = null)
{
    /// <summary>True on the sequence's last delta.</summary>
    public bool IsFinal => Result is not null;
}
