// IChatClient (Microsoft.Extensions.AI) over a local model, in process: thinking streams as TextReasoningContent,
// usage carries ReasoningTokenCount, ChatOptions map to sampling (SERVING.md §7). Lives in the library so .NET apps
// get it without ASP.NET Core; it runs on a BatchScheduler, so concurrent calls share decode steps.
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using R1Sharp.Generation;
using R1Sharp.Text.ChatTemplates;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AiChatRole = Microsoft.Extensions.AI.ChatRole;
using R1ChatMessage = R1Sharp.Text.ChatTemplates.ChatMessage;
using R1ChatRole = R1Sharp.Text.ChatTemplates.ChatRole;

namespace R1Sharp.Serving;

/// <summary>
/// An <see cref="IChatClient"/> over a local R1Sharp model. Reasoning streams as <see cref="TextReasoningContent"/>
/// and is never fed back (only <see cref="AiChatMessage.Text"/> of history turns is rendered). ChatOptions mapping:
/// Temperature, TopP, TopK, MaxOutputTokens, StopSequences, Seed, Presence/FrequencyPenalty, and
/// <c>Reasoning.Effort</c> → thinking budget (None 0, Low 512, Medium 2048, High/ExtraHigh unlimited; see
/// <see cref="Generation.ReasoningEffort"/>). Unset options keep generation_config.json's defaults.
/// </summary>
public sealed class LocalChatClient : IChatClient
{
    private readonly BatchScheduler _scheduler;
    private readonly IChatTemplate _template;
    private readonly bool _owns;
    private readonly ChatClientMetadata _metadata;

    /// <summary>A client over a running scheduler (not disposed with the client).</summary>
    public LocalChatClient(BatchScheduler scheduler, IChatTemplate template, string modelId = "local")
        : this(scheduler, template, modelId, owns: false) { }

    private LocalChatClient(BatchScheduler scheduler, IChatTemplate template, string modelId, bool owns)
    {
        (_scheduler, _template, _owns) = (scheduler, template, owns);
        _metadata = new ChatClientMetadata("r1sharp", null, modelId);
    }

    /// <summary>Tokenize special-token text inside messages as the special tokens (off by default: message text is plain
    /// text, so it cannot forge turns). Set only when every message comes from a trusted source.</summary>
    public bool ParseSpecialInContent { get; init; }

    /// <summary>Loads a model directory (weights, tokenizer, chat template) and owns it.</summary>
    public static LocalChatClient Load(string modelDirectory, BatchSchedulerOptions? options = null)
    {
        var template = ChatTemplate.FromModelDirectory(modelDirectory);
        var generator = Generator.Load(modelDirectory);
        try { return new LocalChatClient(new BatchScheduler(generator, options), template, Path.GetFileName(Path.GetFullPath(modelDirectory).TrimEnd('/')), owns: true); }
        catch { generator.Dispose(); throw; }
    }

    /// <inheritdoc/>
    public Task<ChatResponse> GetResponseAsync(IEnumerable<AiChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    /// <inheritdoc/>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<AiChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (request, generation) = Prepare(messages, options);
        var job = _scheduler.TrySubmit(request, generation, cancellationToken)
            ?? throw new R1SharpException($"the generation queue is full ({_scheduler.Options.MaxQueuedJobs} waiting); retry later");
        string id = "chatcmpl-" + Guid.NewGuid().ToString("N")[..24];
        await foreach (var delta in job.Deltas.ReadAllAsync(CancellationToken.None))
        {
            var contents = new List<AIContent>(3);
            if (delta.Reasoning.Length > 0) contents.Add(new TextReasoningContent(delta.Reasoning));
            if (delta.Content.Length > 0) contents.Add(new TextContent(delta.Content));
            var update = new ChatResponseUpdate(AiChatRole.Assistant, contents) { ResponseId = id, MessageId = id, ModelId = _metadata.DefaultModelId };
            if (delta.Result is { } r)
            {
                update.FinishReason = r.FinishReason is FinishReason.Length or FinishReason.Loop ? ChatFinishReason.Length : ChatFinishReason.Stop;
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

    private (GenerationRequest, GenerationOptions) Prepare(IEnumerable<AiChatMessage> messages, ChatOptions? options)
    {
        var history = new List<R1ChatMessage>();
        if (options?.Instructions is { Length: > 0 } instructions) history.Add(R1ChatMessage.System(instructions));
        foreach (var m in messages)
        {
            var role = m.Role == AiChatRole.System ? R1ChatRole.System : m.Role == AiChatRole.Assistant ? R1ChatRole.Assistant
                : m.Role == AiChatRole.Tool ? R1ChatRole.Tool : R1ChatRole.User;
            history.Add(new R1ChatMessage(role, m.Text)); // Text joins TextContent only: reasoning stays out of the prompt
        }
        var request = GenerationRequest.ForChat(_scheduler.Generator.Tokenizer, _template, history, ParseSpecialInContent);
        return (request, MapOptions(_scheduler.Generator.DefaultOptions(), _template, options));
    }

    /// <summary>ChatOptions over a model's defaults (see the class summary); public for reuse and tests.</summary>
    public static GenerationOptions MapOptions(GenerationOptions defaults, IChatTemplate template, ChatOptions? options)
    {
        var s = defaults.Sampler;
        int? budget = null;
        if (options?.Reasoning?.Effort is { } effort)
            Generation.ReasoningEffort.TryGetBudget(effort == Microsoft.Extensions.AI.ReasoningEffort.ExtraHigh ? "xhigh" : effort.ToString(), out budget);
        return defaults with
        {
            Sampler = s with
            {
                Temperature = options?.Temperature ?? s.Temperature,
                TopP = options?.TopP ?? s.TopP,
                TopK = options?.TopK ?? s.TopK,
                PresencePenalty = options?.PresencePenalty ?? s.PresencePenalty,
                FrequencyPenalty = options?.FrequencyPenalty ?? s.FrequencyPenalty,
            },
            MaxNewTokens = options?.MaxOutputTokens ?? defaults.MaxNewTokens,
            Seed = options?.Seed is { } seed ? unchecked((ulong)seed) : null,
            StopStrings = [.. template.StopStrings, .. options?.StopSequences ?? []],
            ThinkingBudget = budget,
        };
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
        if (!_owns) return;
        _scheduler.Dispose();
        _scheduler.Generator.Dispose();
    }
}
