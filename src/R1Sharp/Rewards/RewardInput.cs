// The common shape of GRPO reward functions: one completion in, one score (or "no score") out.
// Rewards are plain pure functions as in TRL/open-r1 (R1-METHOD.md §2); no model is involved.
namespace R1Sharp.Rewards;

/// <summary>How the prompt was templated, which decides where thinking and the answer sit in the completion.</summary>
public enum CompletionTemplate
{
    /// <summary>
    /// R1-Zero training template (R1-METHOD.md §3): the completion itself holds
    /// <c>&lt;think&gt; ... &lt;/think&gt; &lt;answer&gt; ... &lt;/answer&gt;</c>.
    /// </summary>
    R1Zero,

    /// <summary>
    /// R1 / R1-Distill chat form: the prompt ends with <c>&lt;think&gt;\n</c>, so the completion starts inside the
    /// thinking, closes it with <c>&lt;/think&gt;</c> and then gives the answer (usually with a <c>\boxed{}</c>).
    /// </summary>
    R1Chat,
}

/// <summary>One completion to score, with what the reward functions may need to know about it.</summary>
public sealed record RewardInput
{
    /// <summary>The prompt text (after templating). Optional for every built-in function.</summary>
    public string Prompt { get; init; } = "";

    /// <summary>The generated text only; in <see cref="CompletionTemplate.R1Chat"/> form it starts inside thinking.</summary>
    public required string Completion { get; init; }

    /// <summary>The reference answer ("72", "\frac{1}{2}", or a solution with a box); null when the task has none.</summary>
    public string? Gold { get; init; }

    /// <summary>Number of generated tokens (used by the length-based rewards).</summary>
    public int CompletionTokens { get; init; }

    /// <summary>The generation limit (max_completion_length) the completion was sampled under; 0 when unknown.</summary>
    public int MaxCompletionLength { get; init; }

    /// <summary>Which template produced the prompt. Default <see cref="CompletionTemplate.R1Zero"/>.</summary>
    public CompletionTemplate Template { get; init; } = CompletionTemplate.R1Zero;
}

/// <summary>
/// A reward function: the score of one completion, or null for "no score" (for example accuracy when the gold answer
/// cannot be parsed); callers then give no reward rather than a zero.
/// </summary>
public delegate double? RewardFunction(RewardInput input);
