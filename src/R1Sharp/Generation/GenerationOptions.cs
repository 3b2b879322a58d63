// Options of one batched generation call and the prompts it serves (HF GenerationConfig / OpenAI request fields:
// max_tokens, n, seed, stop; llama.cpp --reasoning-budget; vLLM's per-request stop/seed semantics).
using R1Sharp.Formats.Config;

namespace R1Sharp.Generation;

/// <summary>One prompt of a batched call, already rendered and tokenized.</summary>
public sealed record GenerationRequest
{
    /// <summary>Creates a request for <paramref name="promptIds"/> (at least one token).</summary>
    public GenerationRequest(IReadOnlyList<int> promptIds) => PromptIds = promptIds;

    /// <summary>
    /// The request for a conversation: rendered with the generation prompt, tokenized with message content as plain text
    /// (typed <c>&lt;｜Assistant｜&gt;</c> stays text; <paramref name="parseSpecialInContent"/> turns that off, for trusted input
    /// only), <see cref="StartsInThinking"/> set when the prompt opens a thinking block. The template writes BOS itself.
    /// </summary>
    /// <exception cref="R1SharpException">A message the template cannot render.</exception>
    public static GenerationRequest ForChat(Text.HfTokenizer tokenizer, Text.ChatTemplates.IChatTemplate template,
        IReadOnlyList<Text.ChatTemplates.ChatTurn> messages, bool parseSpecialInContent = false,
        IReadOnlyList<Text.ChatTemplates.ChatTool>? tools = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        var prompt = template.RenderPrompt(messages, tools, addGenerationPrompt: true);
        return new GenerationRequest(prompt.Encode(tokenizer, parseSpecialInContent)) { StartsInThinking = prompt.EndsInThinking };
    }

    /// <summary>The prompt token ids (BOS included when the template/tokenizer put it there).</summary>
    public IReadOnlyList<int> PromptIds { get; init; }

    /// <summary>
    /// True when the prompt ends inside a thinking block (R1's <c>&lt;think&gt;\n</c> prefill; see
    /// <see cref="Text.ChatTemplates.ChatTemplate.EndsInThinking"/>): output starts as reasoning and the thinking
    /// budget applies from the first token. Default false (the budget then applies only if the model opens &lt;think&gt;).
    /// </summary>
    public bool StartsInThinking { get; init; }

    /// <summary>
    /// Tokens forced at the start of the answer: right after the thinking block closes (naturally or by the budget), or
    /// first when the prompt does not open one. Tool calling uses it to make the model open a call (tool_choice
    /// "required" or a named function). Forced tokens are marked in <see cref="GenerationResult.Forced"/>. Default none.
    /// </summary>
    public IReadOnlyList<int>? AnswerPrefix { get; init; }

    /// <summary>Sampling for this prompt's sequences; null = <see cref="GenerationOptions.Sampler"/>.</summary>
    public SamplerOptions? Sampler { get; init; }

    /// <summary>Limit for this prompt's sequences; null = <see cref="GenerationOptions.MaxNewTokens"/>.</summary>
    public int? MaxNewTokens { get; init; }

    /// <summary>
    /// Seed of this prompt's first sample (sample k uses Seed + k), so a prompt samples the same whatever else shares its
    /// batch; null = <see cref="GenerationOptions.Seed"/> + the sequence's index in the call.
    /// </summary>
    public ulong? Seed { get; init; }
}

/// <summary>
/// How a batched call generates. Every sequence (prompt × sample) stops on its own: an EOS id, a stop string,
/// <see cref="MaxNewTokens"/> or the context end, or the loop guard. Build defaults from a model's
/// generation_config.json with <see cref="FromGenerationConfig"/>; call <see cref="Validate"/> before use.
/// </summary>
public sealed record GenerationOptions
{
    /// <summary>Default <see cref="MaxNewTokens"/> when generation_config.json sets none.</summary>
    public const int DefaultMaxNewTokens = 512;

    /// <summary>New tokens per sequence at most (EOS and forced thinking-end tokens count). Default 512.</summary>
    public int MaxNewTokens { get; init; } = DefaultMaxNewTokens;

    /// <summary>Samples per prompt (OpenAI <c>n</c>, GRPO's G). Default 1.</summary>
    public int SamplesPerPrompt { get; init; } = 1;

    /// <summary>Sampling (temperature 0 = greedy). Its <see cref="SamplerOptions.Seed"/> is ignored: see <see cref="Seed"/>.</summary>
    public SamplerOptions Sampler { get; init; } = SamplerOptions.R1Recommended;

    /// <summary>Base seed: sequence i (prompt-major: prompt·n + sample) samples with seed + i. Null = random, not reproducible.</summary>
    public ulong? Seed { get; init; }

    /// <summary>Stop strings (OpenAI <c>stop</c>); the matched text is not returned. Default none.</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    /// <summary>Ids that end a sequence (kept as its last token); null = the model's (generation_config, config, tokenizer).</summary>
    public IReadOnlyList<int>? EosTokenIds { get; init; }

    /// <summary>Reasoning tokens allowed before "\n&lt;/think&gt;\n\n" is forced; null = unlimited.</summary>
    public int? ThinkingBudget { get; init; }

    /// <summary>Runaway-repetition detection (finish reason "loop"); null turns it off. Default on with its default thresholds.</summary>
    public LoopGuardOptions? LoopGuard { get; init; } = new();

    /// <summary>Context length (prompt + new tokens); null = the model's max_position_embeddings. Runtime <c>--ctx</c>.</summary>
    public int? ContextLength { get; init; }

    /// <summary>
    /// Never sample an EOS id (llama.cpp's <c>ignore_eos</c>: the end-of-generation tokens get a −∞ logit bias), so a
    /// sequence runs to <see cref="MaxNewTokens"/> or the context end: fixed-length benchmarks. Also turns the
    /// <see cref="LoopGuard"/> off (llama.cpp has none) so repetitive output keeps the length fixed; stop strings still apply.
    /// Default false.
    /// </summary>
    public bool IgnoreEos { get; init; }

    /// <summary>
    /// Structured output (OpenAI <c>response_format</c> json_object / json_schema): the answer — after &lt;/think&gt; when
    /// the prompt opens thinking, else all of the output — is constrained token by token to this grammar, and EOS comes
    /// only once the JSON value is complete. The thinking stays free (a thinking budget still applies). Null = free text.
    /// </summary>
    public Structured.JsonGrammar? ResponseFormat { get; init; }

    /// <summary>
    /// Record each answer token's log-prob and this many most likely alternatives (OpenAI <c>logprobs</c> /
    /// <c>top_logprobs</c>, 0–20) in <see cref="GenerationResult.ContentLogProbs"/> and the streamed deltas. Null (default) = none.
    /// </summary>
    public int? TopLogProbs { get; init; }

    /// <summary>Most tokens (rows × columns) one prefill forward processes; longer batches prefill in column chunks. Default 4096.</summary>
    public int PrefillChunkTokens { get; init; } = 4096;

    /// <summary>
    /// Defaults from a model's generation_config.json: do_sample false → greedy; temperature, top_p, top_k,
    /// repetition_penalty and max_new_tokens when set; EOS ids are resolved by the generator.
    /// </summary>
    public static GenerationOptions FromGenerationConfig(GenerationConfig config)
    {
        var r1 = SamplerOptions.R1Recommended;
        bool greedy = config.DoSample == false;
        var sampler = new SamplerOptions
        {
            Temperature = greedy ? 0f : (float)(config.Temperature ?? r1.Temperature),
            TopP = (float)(config.TopP ?? r1.TopP),
            TopK = config.TopK ?? 0,
            RepetitionPenalty = (float)(config.RepetitionPenalty ?? 1.0),
        };
        return new GenerationOptions { Sampler = sampler, MaxNewTokens = config.MaxNewTokens ?? DefaultMaxNewTokens };
    }

    /// <summary>Throws a one-line <see cref="R1SharpException"/> naming the first bad option.</summary>
    public GenerationOptions Validate()
    {
        if (MaxNewTokens < 1) Fail($"max_tokens must be >= 1, got {MaxNewTokens}");
        if (SamplesPerPrompt < 1) Fail($"n (samples per prompt) must be >= 1, got {SamplesPerPrompt}");
        if (ThinkingBudget < 0) Fail($"think_budget must be >= 0 (0 = answer at once), got {ThinkingBudget}");
        if (ContextLength < 2) Fail($"ctx must be >= 2 tokens, got {ContextLength}");
        if (PrefillChunkTokens < 1) Fail($"prefill_chunk_tokens must be >= 1, got {PrefillChunkTokens}");
        if (TopLogProbs is < 0 or > 20) Fail($"top_logprobs must be in 0..20, got {TopLogProbs}");
        if (StopStrings.Count > 16) Fail($"at most 16 stop strings are allowed, got {StopStrings.Count}");
        if (ResponseFormat is not null && IgnoreEos) Fail("ignore_eos cannot be combined with a response format: the answer must end when its JSON value is complete");
        Sampler.Validate();
        LoopGuard?.Validate();
        return this;
    }

    private static void Fail(string message) => throw new R1SharpException(message);
}
