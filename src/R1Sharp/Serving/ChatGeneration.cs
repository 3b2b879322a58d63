// The one chat → generation mapping: the server (POST /v1/chat/completions) and LocalChatClient both turn their request
// into ChatSettings and call this, so the same request gets the same GenerationOptions (issue #12). Defaults follow vLLM:
// sampling from the model's generation_config.json, presence/frequency penalties 0 as in the OpenAI API.
using R1Sharp.Generation;
using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Serving;

/// <summary>
/// Maps a chat request onto generation. Unset fields take these defaults: temperature, top_p, top_k, repetition penalty
/// and max tokens from the model's defaults (generation_config.json); presence and frequency penalties 0; no seed
/// (random); no thinking budget (unlimited); the chat template's end-of-turn strings always stop, before the request's.
/// </summary>
public static class ChatGeneration
{
    /// <summary>The options for <paramref name="settings"/> over a model's <paramref name="defaults"/>.</summary>
    /// <exception cref="ChatRequestException">An unknown <see cref="ChatSettings.ReasoningEffort"/>, or settings that do not
    /// combine (a response format with ignore_eos or with tools, top_logprobs without logprobs).</exception>
    public static GenerationOptions Options(GenerationOptions defaults, IChatTemplate template, ChatSettings settings)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(settings);
        var s = defaults.Sampler;
        if (settings.ResponseFormat is { } format && settings.IgnoreEos == true)
            throw new ChatRequestException(format.Field.Split('.')[0], $"{format.Field.Split('.')[0]} cannot be combined with ignore_eos: a JSON answer ends when its value is complete");
        if (settings.ResponseFormat is not null && settings.Tools is { Count: > 0 } && settings.ToolChoice?.Mode != "none")
            throw new ChatRequestException("response_format", "response_format together with tools is not implemented: the JSON constraint " +
                "would forbid the template's tool-call syntax; send them in separate requests (or tool_choice \"none\")");
        if (settings.TopLogprobs is not null && settings.Logprobs != true)
            throw new ChatRequestException("top_logprobs", "top_logprobs needs logprobs: true");
        return defaults with
        {
            Sampler = s with
            {
                Temperature = settings.Temperature ?? s.Temperature,
                TopP = settings.TopP ?? s.TopP,
                TopK = settings.TopK ?? s.TopK,
                // generation_config.json has no such fields; a model default would answer OpenAI clients differently.
                PresencePenalty = settings.PresencePenalty ?? 0f,
                FrequencyPenalty = settings.FrequencyPenalty ?? 0f,
                LogitBias = settings.LogitBias ?? s.LogitBias,
            },
            MaxNewTokens = settings.MaxTokens ?? defaults.MaxNewTokens,
            SamplesPerPrompt = settings.N,
            Seed = settings.Seed ?? defaults.Seed,
            StopStrings = [.. template.StopStrings, .. settings.Stop],
            ThinkingBudget = ThinkingBudget(settings, defaults.ThinkingBudget),
            IgnoreEos = settings.IgnoreEos ?? defaults.IgnoreEos,
            ResponseFormat = settings.ResponseFormat?.Compile(),
            TopLogProbs = settings.Logprobs == true ? settings.TopLogprobs ?? 0 : null,
        };
    }

    /// <summary>
    /// The prompt and options of a chat request on <paramref name="scheduler"/>'s model: options first (a bad field is
    /// refused before tokenizing), then <see cref="GenerationRequest.ForChat"/>.
    /// </summary>
    /// <exception cref="ChatRequestException">A bad field, or messages the template cannot render (field <c>messages</c>).</exception>
    public static (GenerationRequest Request, GenerationOptions Options) Prepare(BatchScheduler scheduler, IChatTemplate template,
        IReadOnlyList<ChatTurn> messages, ChatSettings settings, bool parseSpecialInContent = false)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        var options = Options(scheduler.DefaultOptions(), template, settings);
        CheckLogitBias(scheduler, settings);
        var tools = ChatTools.Rendered(template, settings);
        try
        {
            var request = GenerationRequest.ForChat(scheduler.Tokenizer, template, messages, parseSpecialInContent, tools);
            // Non-thinking mode: close the prompt's open "<think>\n" at once, as DeepSeek's templates pre-fill "<think>\n\n</think>\n\n".
            if (settings.EnableThinking == false && request.StartsInThinking)
                request = request with { PromptIds = [.. request.PromptIds, .. scheduler.TextGenerator.ForcedThinkingEnd], StartsInThinking = false };
            return (ChatTools.WithForcedCall(request, scheduler.Tokenizer, template, settings), options);
        }
        catch (R1SharpException e) when (e is not ChatRequestException) { throw new ChatRequestException("messages", e.Message); }
    }

    /// <summary>Refuses <see cref="ChatSettings.LogitBias"/> ids outside <paramref name="scheduler"/>'s vocabulary.</summary>
    /// <exception cref="ChatRequestException">An id outside the vocabulary (field <c>logit_bias</c>).</exception>
    public static void CheckLogitBias(BatchScheduler scheduler, ChatSettings settings)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(settings);
        int vocab = scheduler.TextGenerator.Model.Config.VocabSize;
        if (settings.LogitBias?.Keys.FirstOrDefault(id => (uint)id >= (uint)vocab, -1) is >= 0 and var bad)
            throw new ChatRequestException("logit_bias", $"logit_bias token id {bad} is outside this model's vocabulary 0..{vocab - 1}");
    }

    // thinking_budget wins; else reasoning_effort's level; else the model's default (none = unlimited).
    private static int? ThinkingBudget(ChatSettings settings, int? fallback)
    {
        if (settings.ThinkingBudget is { } budget) return budget;
        if (settings.ReasoningEffort is not { } effort) return fallback;
        return ReasoningEffort.TryGetBudget(effort, out var level) ? level
            : throw new ChatRequestException("reasoning_effort", $"reasoning_effort must be one of {ReasoningEffort.Levels}; got '{effort}'");
    }
}
