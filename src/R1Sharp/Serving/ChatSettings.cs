// What one chat request asks of generation, in OpenAI chat-completions terms, before any default applies: the common
// form of the HTTP body (R1Sharp.Server) and of ChatOptions (LocalChatClient), mapped once by ChatGeneration.
namespace R1Sharp.Serving;

/// <summary>
/// The generation fields of one chat request; null means "not given" (the default of <see cref="ChatGeneration.Options"/>
/// applies). Names follow the OpenAI chat completions API and its DeepSeek/vLLM extensions.
/// </summary>
public sealed record ChatSettings
{
    /// <summary>max_completion_tokens / max_tokens (reasoning included); null = generation_config.json's max_new_tokens, else 512.</summary>
    public int? MaxTokens { get; init; }
    /// <summary>temperature (0 = greedy); null = generation_config.json's (greedy when do_sample is false), else 0.6.</summary>
    public float? Temperature { get; init; }
    /// <summary>top_p; null = generation_config.json's, else 0.95.</summary>
    public float? TopP { get; init; }
    /// <summary>top_k (0 = off); null = generation_config.json's, else off.</summary>
    public int? TopK { get; init; }
    /// <summary>presence_penalty; null = 0 (OpenAI's default).</summary>
    public float? PresencePenalty { get; init; }
    /// <summary>frequency_penalty; null = 0 (OpenAI's default).</summary>
    public float? FrequencyPenalty { get; init; }
    /// <summary>seed: sample i uses seed + i; null = random (not reproducible).</summary>
    public ulong? Seed { get; init; }
    /// <summary>stop strings, after the chat template's own end-of-turn strings. Default none.</summary>
    public IReadOnlyList<string> Stop { get; init; } = [];
    /// <summary>n: samples of this prompt. Default 1.</summary>
    public int N { get; init; } = 1;
    /// <summary>reasoning_effort (see <see cref="Generation.ReasoningEffort"/>); null = no budget unless <see cref="ThinkingBudget"/>.</summary>
    public string? ReasoningEffort { get; init; }
    /// <summary>thinking_budget in tokens (0 = answer at once); wins over <see cref="ReasoningEffort"/>; null = none given.</summary>
    public int? ThinkingBudget { get; init; }
    /// <summary>tools: functions the model may call (rendered by the chat template); null or empty = none.</summary>
    public IReadOnlyList<Text.ChatTemplates.ChatTool>? Tools { get; init; }
    /// <summary>tool_choice; null = "auto" when tools are given.</summary>
    public ChatToolChoice? ToolChoice { get; init; }
    /// <summary>parallel_tool_calls: false keeps only the first call of an answer; null = true.</summary>
    public bool? ParallelToolCalls { get; init; }
    /// <summary>ignore_eos (llama.cpp): never sample EOS, so answers run to max_tokens (fixed-length benchmarks); null = false.</summary>
    public bool? IgnoreEos { get; init; }
    /// <summary>response_format json_object / json_schema: the answer is constrained to JSON; null = free text.</summary>
    public JsonResponseFormat? ResponseFormat { get; init; }
    /// <summary>logprobs: report the answer tokens' log-probs; null = false.</summary>
    public bool? Logprobs { get; init; }
    /// <summary>top_logprobs (0–20, needs <see cref="Logprobs"/>): alternatives per token; null = 0.</summary>
    public int? TopLogprobs { get; init; }
    /// <summary>logit_bias: token id → bias in [-100, 100] added to its logit; null = none.</summary>
    public IReadOnlyDictionary<int, float>? LogitBias { get; init; }
    /// <summary>
    /// chat_template_kwargs.enable_thinking (Qwen3/vLLM): false pre-fills an empty thinking block, "&lt;think&gt;\n\n&lt;/think&gt;\n\n",
    /// as DeepSeek's templates do for non-thinking mode, so the model answers at once (no reasoning tokens); true or null
    /// keep the template's own behaviour (R1 templates always open thinking).
    /// </summary>
    public bool? EnableThinking { get; init; }
}
