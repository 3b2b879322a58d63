// Immutable option records of the built-in reward functions, with the defaults of open-r1 / DAPO.
// Field names follow open-r1's GRPOScriptArguments (cosine_*, repetition_*, soft_punish_cache) (R1-METHOD.md §1, §2).
namespace R1Sharp.Rewards;

/// <summary>Options of the format reward.</summary>
public sealed record FormatOptions
{
    /// <summary>
    /// Require open-r1's exact newlines (<c>^&lt;think&gt;\n.*?\n&lt;/think&gt;\n&lt;answer&gt;\n.*?\n&lt;/answer&gt;$</c>;
    /// for the chat form <c>\n&lt;/think&gt;\n\n</c>). Default false: any whitespace between the parts.
    /// </summary>
    public bool Strict { get; init; }
}

/// <summary>The language the chain of thought should be written in.</summary>
public enum ReasoningLanguage
{
    /// <summary>Target words are runs of Latin-script letters.</summary>
    English,
    /// <summary>Target words are single CJK ideographs (Han).</summary>
    Chinese,
}

/// <summary>Options of the language-consistency reward.</summary>
public sealed record LanguageOptions
{
    /// <summary>The target language. Default English.</summary>
    public ReasoningLanguage Language { get; init; } = ReasoningLanguage.English;
    /// <summary>Target the prompt's own language instead (<see cref="RewardFunctions.PromptLanguage"/>; option language=prompt).</summary>
    public bool FollowPrompt { get; init; }
}

/// <summary>Options of the cosine length-scaled reward (open-r1 <c>get_cosine_scaled_reward</c>).</summary>
public sealed record CosineOptions
{
    /// <summary>Reward of the shortest wrong answer. Default −1.</summary>
    public double MinValueWrong { get; init; } = -1.0;
    /// <summary>Reward of a wrong answer at <see cref="MaxLength"/>. Default −0.5.</summary>
    public double MaxValueWrong { get; init; } = -0.5;
    /// <summary>Reward of a correct answer at <see cref="MaxLength"/>. Default 0.5.</summary>
    public double MinValueCorrect { get; init; } = 0.5;
    /// <summary>Reward of the shortest correct answer. Default 1.</summary>
    public double MaxValueCorrect { get; init; } = 1.0;
    /// <summary>Length (tokens) at which the schedule ends; 0 uses the input's MaxCompletionLength. Default 1000.</summary>
    public int MaxLength { get; init; } = 1000;
    /// <summary>How correctness is decided.</summary>
    public AnswerOptions Answer { get; init; } = AnswerOptions.Default;

    /// <summary>Throws an <see cref="R1SharpException"/> naming the bad field.</summary>
    public void Validate()
    {
        if (MaxLength < 0) throw new R1SharpException($"reward 'cosine': max_len must be ≥ 0 (0 = use max_completion_length), got {MaxLength}.");
        if (MinValueWrong > MaxValueWrong)
            throw new R1SharpException($"reward 'cosine': min_value_wrong ({MinValueWrong}) must be ≤ max_value_wrong ({MaxValueWrong}).");
        if (MinValueCorrect > MaxValueCorrect)
            throw new R1SharpException($"reward 'cosine': min_value_correct ({MinValueCorrect}) must be ≤ max_value_correct ({MaxValueCorrect}).");
    }
}

/// <summary>Options of the n-gram repetition penalty (open-r1 <c>get_repetition_penalty_reward</c>).</summary>
public sealed record RepetitionOptions
{
    /// <summary>Words per n-gram. Default 3.</summary>
    public int NgramSize { get; init; } = 3;
    /// <summary>Penalty when every n-gram repeats; must be ≤ 0. Default −1.</summary>
    public double MaxPenalty { get; init; } = -1.0;

    /// <summary>Throws an <see cref="R1SharpException"/> naming the bad field.</summary>
    public void Validate()
    {
        if (NgramSize < 1) throw new R1SharpException($"reward 'repetition': ngram_size must be ≥ 1, got {NgramSize}.");
        if (MaxPenalty > 0) throw new R1SharpException($"reward 'repetition': max_penalty must be ≤ 0 (it is a penalty), got {MaxPenalty}.");
    }
}

/// <summary>Options of DAPO's soft overlong punishment.</summary>
public sealed record OverlongOptions
{
    /// <summary>L_max in tokens; 0 uses the input's MaxCompletionLength. Default 0.</summary>
    public int MaxCompletionLength { get; init; }
    /// <summary>L_cache: the punished band just below L_max, in tokens. Default 4096 (DAPO, open-r1).</summary>
    public int SoftPunishCache { get; init; } = 4096;

    /// <summary>Throws an <see cref="R1SharpException"/> naming the bad field.</summary>
    public void Validate()
    {
        if (MaxCompletionLength < 0) throw new R1SharpException($"reward 'overlong': max_completion_len must be ≥ 0, got {MaxCompletionLength}.");
        if (SoftPunishCache < 1) throw new R1SharpException($"reward 'overlong': soft_punish_cache must be ≥ 1, got {SoftPunishCache}.");
        if (MaxCompletionLength > 0 && SoftPunishCache > MaxCompletionLength)
            throw new R1SharpException(
                $"reward 'overlong': soft_punish_cache ({SoftPunishCache}) exceeds max_completion_len ({MaxCompletionLength}); set it ≤ L_max (DAPO uses L_max/5).");
    }
}
