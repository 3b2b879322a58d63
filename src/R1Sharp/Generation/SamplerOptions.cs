// Sampling options for one request or rollout: temperature, truncation (top-k/top-p/min-p) and penalties.
// Semantics follow HF transformers' logits processors (repetition) and the OpenAI API (presence/frequency).
using System.Globalization;

namespace R1Sharp.Generation;

/// <summary>
/// How to turn a logits row into a token. Defaults reproduce plain ancestral sampling at temperature 1
/// (every truncation and penalty off); <see cref="R1Recommended"/> gives DeepSeek-R1's model-card
/// setting. Call <see cref="Validate"/> before building a <see cref="SamplerChain"/>.
/// </summary>
public sealed record SamplerOptions
{
    /// <summary>DeepSeek-R1 model card and distills' generation_config.json: temperature 0.6, top-p 0.95.</summary>
    public static SamplerOptions R1Recommended { get; } = new() { Temperature = 0.6f, TopP = 0.95f };

    /// <summary>Divides the logits before sampling. Default 1.0. Exactly 0 means greedy (argmax, ties → lowest id).</summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>Keep only the K most likely tokens. Default 0 = off.</summary>
    public int TopK { get; init; }

    /// <summary>
    /// Nucleus sampling: keep the smallest most-likely prefix whose probability reaches P (the token that
    /// crosses P is kept, as in HF). Range (0, 1]; default 1.0 = off.
    /// </summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Drop tokens whose probability is below MinP × the top token's probability. Range [0, 1]; default 0 = off.</summary>
    public float MinP { get; init; }

    /// <summary>
    /// HF/CTRL repetition penalty for every token seen in the prompt and output (or the last
    /// <see cref="RepetitionWindow"/> of them): a positive logit is divided by it, any other multiplied.
    /// Must be &gt; 0; default 1.0 = off.
    /// </summary>
    public float RepetitionPenalty { get; init; } = 1f;

    /// <summary>How many recent prompt+output tokens the repetition penalty looks at; default 0 = all of them (HF).</summary>
    public int RepetitionWindow { get; init; }

    /// <summary>OpenAI presence penalty: subtracted once from the logit of every token already in the output. Range [-2, 2]; default 0.</summary>
    public float PresencePenalty { get; init; }

    /// <summary>OpenAI frequency penalty: subtracted count times from the logit of a token the output holds count times. Range [-2, 2]; default 0.</summary>
    public float FrequencyPenalty { get; init; }

    /// <summary>OpenAI logit_bias: token id → value in [-100, 100] added to its logit before every other stage but a
    /// response-format mask. Default none.</summary>
    public IReadOnlyDictionary<int, float>? LogitBias { get; init; }

    /// <summary>Seed of this sequence's random generator; null draws one at random (not reproducible).</summary>
    public ulong? Seed { get; init; }

    /// <summary>True when <see cref="Temperature"/> is 0: the chain picks the argmax and ignores truncation.</summary>
    public bool IsGreedy => Temperature == 0f;

    /// <summary>Throws a one-line <see cref="R1SharpException"/> naming the first invalid option.</summary>
    public SamplerOptions Validate()
    {
        if (!(Temperature >= 0f) || float.IsInfinity(Temperature))
            Fail($"temperature must be a finite number >= 0 (0 = greedy), got {F(Temperature)}");
        if (TopK < 0) Fail($"top_k must be >= 0 (0 = off), got {TopK}");
        if (!(TopP > 0f && TopP <= 1f)) Fail($"top_p must be in (0, 1], got {F(TopP)}");
        if (!(MinP >= 0f && MinP <= 1f)) Fail($"min_p must be in [0, 1], got {F(MinP)}");
        if (!(RepetitionPenalty > 0f) || float.IsInfinity(RepetitionPenalty))
            Fail($"repetition_penalty must be a finite number > 0 (1 = off), got {F(RepetitionPenalty)}");
        if (RepetitionWindow < 0) Fail($"repetition_window must be >= 0 (0 = whole prompt and output), got {RepetitionWindow}");
        if (!(PresencePenalty >= -2f && PresencePenalty <= 2f))
            Fail($"presence_penalty must be in [-2, 2], got {F(PresencePenalty)}");
        if (!(FrequencyPenalty >= -2f && FrequencyPenalty <= 2f))
            Fail($"frequency_penalty must be in [-2, 2], got {F(FrequencyPenalty)}");
        foreach (var (id, bias) in LogitBias ?? new Dictionary<int, float>())
            if (!(bias >= -100f && bias <= 100f)) Fail($"logit_bias values must be in [-100, 100]; token {id} has {F(bias)}");
        return this;
    }

    private static string F(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static void Fail(string message) => throw new R1SharpException(message);
}
