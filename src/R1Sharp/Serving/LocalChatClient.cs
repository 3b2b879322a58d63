// IChatClient (Microsoft.Extensions.AI) over a local model, in process: thinking streams as TextReasoningContent,
// usage carries ReasoningTokenCount, ChatOptions map to sampling (SERVING.md §7). Lives in the library so .NET apps
// get it without ASP.NET Core; it runs on a BatchScheduler, so concurrent calls share decode steps.
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using R1Sharp.Generation;
using R1Sharp.Models;
using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Serving;

/// <summary>
/// An <see cref="IChatClient"/> over a local R1Sharp model. Reasoning streams as <see cref="TextReasoningContent"/>
/// and is never fed back (only <see cref="ChatMessage.Text"/> of history turns is rendered). ChatOptions mapping:
/// Temperature, TopP, TopK, MaxOutputTokens, StopSequences, Seed, Presence/FrequencyPenalty, Instructions (a system
/// turn), <c>Reasoning.Effort</c> → thinking budget (None 0, Low 512, Medium 2048, High/ExtraHigh unlimited; see
/// <see cref="Generation.ReasoningEffort"/>) and <c>AdditionalProperties["thinking_budget"]</c> (tokens; wins over the
/// effort), ResponseFormat (JSON: the answer is constrained to any object or to the schema, see
/// <see cref="JsonResponseFormat"/>). Tools: ChatOptions.Tools (functions), ToolMode (auto, none, require any, require one)
/// and AllowMultipleToolCalls; the model's calls come back as <see cref="FunctionCallContent"/> (finish reason ToolCalls), and
/// history <see cref="FunctionCallContent"/>/<see cref="FunctionResultContent"/> render as the template's tool calls and
/// outputs, so <c>FunctionInvokingChatClient</c> runs round trips. The server maps its requests the same way
/// (<see cref="ChatGeneration"/>), defaults included. Options it does not implement are refused with a
/// <see cref="ChatRequestException"/> naming them, never ignored.
/// </summary>
public sealed class LocalChatClient : IChatClient
{
    private readonly BatchScheduler _scheduler;
    private readonly IChatTemplate _template;
    private readonly TextGenerator? _ownedGenerator; // set by Load: freed after the scheduler stops
    private readonly ChatClientMetadata _metadata;

    /// <summary>A client over a running scheduler (not disposed with the client).</summary>
    public LocalChatClient(BatchScheduler scheduler, IChatTemplate template, string modelId = "local")
        : this(scheduler, template, modelId, ownedGenerator: null) { }

    private LocalChatClient(BatchScheduler scheduler, IChatTemplate template, string modelId, TextGenerator? ownedGenerator)
    {
        (_scheduler, _template, _ownedGenerator) = (scheduler, template, ownedGenerator);
        _metadata = new ChatClientMetadata("r1sharp", null, modelId);
    }

    /// <summary>Tokenize special-token text inside messages as the special tokens (off by default: message text is plain
    /// text, so it cannot forge turns). Set only when every message comes from a trusted source.</summary>
    public bool ParseSpecialInContent { get; init; }

    /// <summary>Loads a model directory (weights, tokenizer, chat template) and owns it. The weight precision and the
    /// template are chosen as <c>r1 serve</c>'s <c>--dtype</c> and <c>--chat-template</c> choose them.</summary>
    /// <param name="modelDirectory">A model directory (config.json, weights, tokenizer files).</param>
    /// <param name="options">Batching and queue limits.</param>
    /// <param name="load">Load options (dtype, quantization); or give <paramref name="dtype"/> by name.</param>
    /// <param name="chatTemplate">A <see cref="ChatTemplate.Names"/> entry; null or "auto" = the model's own template.</param>
    /// <param name="dtype">A <see cref="WeightDTypes.Names"/> entry (f32, bf16, int8, int4); null = f32.</param>
    /// <exception cref="R1SharpException">An unknown template or dtype name, or both <paramref name="load"/> and
    /// <paramref name="dtype"/>.</exception>
    public static LocalChatClient Load(string modelDirectory, BatchSchedulerOptions? options = null, ModelLoadOptions? load = null,
        string? chatTemplate = null, string? dtype = null)
    {
        if (load is not null && dtype is not null) throw new R1SharpException("dtype: give dtype or load options, not both");
        load ??= dtype is null ? null : WeightDTypes.LoadOptions(dtype, "dtype");
        var template = ChatTemplate.ForModel(modelDirectory, chatTemplate);
        var generator = TextGenerator.Load(modelDirectory, load);
        try { return new LocalChatClient(new BatchScheduler(generator, options), template, Path.GetFileName(Path.GetFullPath(modelDirectory).TrimEnd('/')), generator); }
        catch { generator.Dispose(); throw; }
    }

    /// <inheritdoc/>
    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    /// <inheritdoc/>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (request, generation) = Prepare(messages, options);
        var parser = ChatTools.Parser(_template, ToSettings(options));
        var job = _scheduler.TrySubmit(request, generation, cancellationToken)
            ?? throw new R1SharpException($"the generation queue is full ({_scheduler.Options.MaxQueuedJobs} waiting); retry later");
        string id = "chatcmpl-" + Guid.NewGuid().ToString("N")[..24];
        await foreach (var delta in job.Deltas.ReadAllAsync(CancellationToken.None))
        {
            var contents = new List<AIContent>(3);
            if (delta.Reasoning.Length > 0) contents.Add(new TextReasoningContent(delta.Reasoning));
            var split = parser is null ? new ToolCallDelta(delta.Content, []) : parser.Feed(delta.Content);
            if (delta.Result is not null && parser is not null)
            {
                var last = parser.Finish();
                split = new ToolCallDelta(split.Content + last.Content, [.. split.Calls, .. last.Calls]);
            }
            if (split.Content.Length > 0) contents.Add(new TextContent(split.Content));
            contents.AddRange(split.Calls.Select(LocalChatClientTools.Content));
            var update = new ChatResponseUpdate(ChatRole.Assistant, contents) { ResponseId = id, MessageId = id, ModelId = _metadata.DefaultModelId };
            if (delta.Result is { } r)
            {
                update.FinishReason = r.FinishReason is FinishReason.Length or FinishReason.Loop ? ChatFinishReason.Length
                    : parser?.CallCount > 0 ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop;
                update.Contents.Add(new UsageContent(new UsageDetails
                {
                    InputTokenCount = r.Usage.PromptTokens, OutputTokenCount = r.Usage.CompletionTokens,
                    TotalTokenCount = r.Usage.TotalTokens, ReasoningTokenCount = r.Usage.ReasoningTokens,
                }));
            }
            if (update.Contents.Count > 0 || update.FinishReason is not null) yield return update;
        }
        cancellationToken.ThrowIfCancellationRequested();
    }

    private (GenerationRequest, GenerationOptions) Prepare(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        if (options?.ModelId is { } model && model != _metadata.DefaultModelId)
            throw new ChatRequestException("ChatOptions.ModelId", $"ChatOptions.ModelId: this client serves '{_metadata.DefaultModelId}', not '{model}'");
        var settings = ToSettings(options);
        var history = new List<ChatTurn>();
        if (options?.Instructions is { Length: > 0 } instructions) history.Add(ChatTurn.System(instructions));
        foreach (var m in messages) history.AddRange(LocalChatClientTools.Messages(m));
        return ChatGeneration.Prepare(_scheduler, _template, history, settings, ParseSpecialInContent);
    }

    /// <summary>
    /// The generation fields of <paramref name="options"/> (see the class summary); <see cref="ChatGeneration.Options"/>
    /// maps them. Public for reuse and tests.
    /// </summary>
    /// <exception cref="ChatRequestException">An option this client does not implement (hosted tools, an unsupported schema keyword,
    /// server-side conversations, background responses, a reasoning output other than Full, an unknown
    /// AdditionalProperties key), or a bad <c>thinking_budget</c>.</exception>
    public static ChatSettings ToSettings(ChatOptions? options)
    {
        if (options is null) return new ChatSettings();
        RefuseUnsupported(options);
        return new ChatSettings
        {
            MaxTokens = options.MaxOutputTokens,
            Temperature = options.Temperature,
            TopP = options.TopP,
            TopK = options.TopK,
            PresencePenalty = options.PresencePenalty,
            FrequencyPenalty = options.FrequencyPenalty,
            Seed = options.Seed is { } seed ? unchecked((ulong)seed) : null,
            Stop = options.StopSequences is { } stop ? [.. stop] : [],
            ReasoningEffort = options.Reasoning?.Effort switch
            {
                null => null,
                Microsoft.Extensions.AI.ReasoningEffort.ExtraHigh => "xhigh",
                { } effort => effort.ToString().ToLowerInvariant(),
            },
            ThinkingBudget = ThinkingBudget(options.AdditionalProperties),
            Tools = LocalChatClientTools.Tools(options),
            ToolChoice = LocalChatClientTools.Choice(options.ToolMode),
            ParallelToolCalls = options.AllowMultipleToolCalls,
            ResponseFormat = ResponseFormat(options),
        };
    }

    private static void RefuseUnsupported(ChatOptions o)
    {
        if (o.Reasoning?.Output is { } output && output != ReasoningOutput.Full)
            throw ChatRequestException.Unsupported("ChatOptions.Reasoning.Output", "reasoning always streams in full (ReasoningOutput.Full)");
        if (o.ConversationId is not null)
            throw ChatRequestException.Unsupported("ChatOptions.ConversationId", "this client keeps no conversations; send the whole history");
        if (o.AllowBackgroundResponses == true || o.ContinuationToken is not null)
            throw ChatRequestException.Unsupported(o.ContinuationToken is null ? "ChatOptions.AllowBackgroundResponses" : "ChatOptions.ContinuationToken",
                "responses are generated in the foreground only");
        if (o.RawRepresentationFactory is not null)
            throw ChatRequestException.Unsupported("ChatOptions.RawRepresentationFactory", "a local model has no provider options");
    }

    // AdditionalProperties["thinking_budget"]: the server's thinking_budget field; any other key is refused, not ignored.
    private static int? ThinkingBudget(AdditionalPropertiesDictionary? extra)
    {
        if (extra is null) return null;
        int? budget = null;
        foreach (var (key, value) in extra)
        {
            string field = $"ChatOptions.AdditionalProperties[\"{key}\"]";
            if (key == StrictKey) continue; // read by ResponseFormat
            if (key != "thinking_budget") throw ChatRequestException.Unsupported(field, $"the additional properties are thinking_budget and {StrictKey}");
            budget = value switch
            {
                null => null,
                int n when n >= 0 => n,
                long n when n is >= 0 and <= int.MaxValue => (int)n,
                _ => throw new ChatRequestException(field, $"{field} must be a whole number of tokens >= 0 (0 = answer at once); got '{value}'"),
            };
        }
        return budget;
    }

    // Microsoft.Extensions.AI.OpenAI's spelling of OpenAI's json_schema.strict.
    private const string StrictKey = "strictJsonSchema";

    // ChatResponseFormatJson: no schema = any JSON object (json_object); a schema = json_schema, strict only when
    // AdditionalProperties["strictJsonSchema"] is true (schemas made from .NET types rarely meet OpenAI's strict rules).
    private static JsonResponseFormat? ResponseFormat(ChatOptions options)
    {
        if (options.ResponseFormat is not ChatResponseFormatJson json) return null;
        bool strict = options.AdditionalProperties?.TryGetValue(StrictKey, out object? value) == true && value switch
        {
            bool b => b,
            null => false,
            _ => throw new ChatRequestException($"ChatOptions.AdditionalProperties[\"{StrictKey}\"]", $"ChatOptions.AdditionalProperties[\"{StrictKey}\"] must be a bool; got '{value}'"),
        };
        return new JsonResponseFormat(json.Schema, strict, "ChatOptions.ResponseFormat.Schema");
    }

    /// <inheritdoc/>
    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? _metadata
        : serviceType.IsInstanceOfType(this) ? this
        : serviceType == typeof(BatchScheduler) ? _scheduler
        : null;

    /// <summary>Stops the scheduler and frees the model when <see cref="Load"/> created them.</summary>
    public void Dispose()
    {
        if (_ownedGenerator is null) return;
        _scheduler.Dispose();
        _ownedGenerator.Dispose();
    }
}
