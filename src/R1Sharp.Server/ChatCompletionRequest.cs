// The body of POST /v1/chat/completions, parsed and checked field by field (OpenAI chat completions API; DeepSeek
// and vLLM extensions: thinking_budget, top_k, reasoning_effort; llama.cpp's ignore_eos). A field this server does not implement is refused
// naming it, as OpenAI refuses unrecognized arguments (ChatCompletionFields); none is silently ignored.
using System.Text.Json;
using R1Sharp.Serving;
using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Server;

/// <summary>A validated chat completion request. Build with <see cref="Parse"/>.</summary>
public sealed record ChatCompletionRequest
{
    /// <summary>The model id asked for.</summary>
    public required string Model { get; init; }
    /// <summary>The conversation; <c>reasoning_content</c>/<c>reasoning</c> of assistant turns are dropped here.</summary>
    public required IReadOnlyList<ChatTurn> Messages { get; init; }
    /// <summary>The generation fields, mapped by <see cref="ChatGeneration.Options"/> as <see cref="LocalChatClient"/>'s are.</summary>
    public ChatSettings Settings { get; init; } = new();
    /// <summary>n: choices to generate.</summary>
    public int N => Settings.N;
    public bool Stream { get; init; }
    /// <summary>stream_options.include_usage: a last chunk with usage and no choices.</summary>
    public bool IncludeUsage { get; init; }

    /// <summary>Parses a UTF-8 JSON body; throws <see cref="ApiError"/> (400) naming the first bad field.</summary>
    public static ChatCompletionRequest Parse(ReadOnlyMemory<byte> body)
    {
        using (var doc = ParseBody(body))
        {
            try { return FromJson(doc.RootElement); }
            catch (InvalidOperationException e)
            {
                // JsonElement.GetString refuses escaped lone surrogates ("\ud800"): not text a tokenizer can take.
                throw new ApiError(400, $"The request holds a string that is not valid Unicode text: {e.Message}", code: "invalid_json");
            }
        }
    }

    /// <summary>The body as a JSON document; a 400 (invalid_json) when it is not JSON.</summary>
    internal static JsonDocument ParseBody(ReadOnlyMemory<byte> body)
    {
        try { return JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 64 }); }
        catch (JsonException e)
        {
            throw new ApiError(400, $"We could not parse the JSON body of your request: {e.Message.Split('.')[0]}.", code: "invalid_json");
        }
    }

    private static ChatCompletionRequest FromJson(JsonElement root)
    {
        {
            if (root.ValueKind != JsonValueKind.Object) throw new ApiError(400, "The request body must be a JSON object.", code: "invalid_json");
            var model = root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()!
                : throw ApiError.BadField("model", "you must provide a model parameter (a string)", "missing_required_parameter");
            ChatCompletionFields.RefuseUnimplemented(root);
            return new ChatCompletionRequest
            {
                Model = model,
                Messages = ParseMessages(root),
                Settings = new ChatSettings
                {
                    MaxTokens = Int(root, "max_completion_tokens", 1, int.MaxValue) ?? Int(root, "max_tokens", 1, int.MaxValue),
                    Temperature = Float(root, "temperature", 0, 2, lowOpen: false),
                    TopP = Float(root, "top_p", 0, 1, lowOpen: true),
                    TopK = Int(root, "top_k", -1, int.MaxValue) is { } k ? Math.Max(k, 0) : null,
                    PresencePenalty = Float(root, "presence_penalty", -2, 2, lowOpen: false),
                    FrequencyPenalty = Float(root, "frequency_penalty", -2, 2, lowOpen: false),
                    Seed = ParseSeed(root),
                    Stop = Stops(root),
                    N = Int(root, "n", 1, 128) ?? 1,
                    ReasoningEffort = Str(root, "reasoning_effort"),
                    ThinkingBudget = Int(root, "thinking_budget", 0, int.MaxValue),
                    IgnoreEos = Bool(root, "ignore_eos"),
                    Tools = ChatCompletionTools.Tools(root),
                    ToolChoice = ChatCompletionTools.ToolChoice(root),
                    ParallelToolCalls = Bool(root, "parallel_tool_calls"),
                    ResponseFormat = ResponseFormatField.Parse(root),
                    Logprobs = Bool(root, "logprobs"),
                    TopLogprobs = Int(root, "top_logprobs", 0, 20),
                    LogitBias = LogitBiasField.Parse(root),
                    EnableThinking = TemplateKwargs(root),
                },
                Stream = Bool(root, "stream") ?? false,
                IncludeUsage = StreamOptions(root),
            };
        }
    }

    private static List<ChatTurn> ParseMessages(JsonElement root)
    {
        if (!root.TryGetProperty("messages", out var list) || list.ValueKind != JsonValueKind.Array)
            throw ApiError.BadField("messages", "messages must be a non-empty array of {role, content} objects", "missing_required_parameter");
        if (list.GetArrayLength() == 0) throw ApiError.BadField("messages", "messages must not be empty");
        var messages = new List<ChatTurn>(list.GetArrayLength());
        int i = 0;
        foreach (var item in list.EnumerateArray())
        {
            string field = $"messages[{i++}]";
            if (item.ValueKind != JsonValueKind.Object) throw ApiError.BadField(field, $"{field} must be an object with role and content", "invalid_type");
            string role = Str(item, "role", field + ".role") ?? throw ApiError.BadField(field + ".role", $"{field}.role is required", "missing_required_parameter");
            var parsedRole = role switch
            {
                "system" or "developer" => TurnRole.System,
                "user" => TurnRole.User,
                "assistant" => TurnRole.Assistant,
                "tool" => TurnRole.Tool,
                _ => throw ApiError.BadField(field + ".role", $"{field}.role must be system, developer, user, assistant or tool; got '{role}'"),
            };
            // reasoning_content / reasoning sent back in assistant turns are never fed to the model (SERVING.md §1).
            var calls = parsedRole == TurnRole.Assistant ? ChatCompletionTools.ToolCalls(item, field) : null;
            messages.Add(new ChatTurn(parsedRole, Content(item, field, parsedRole), ToolCalls: calls));
        }
        return messages;
    }

    private static string Content(JsonElement message, string field, TurnRole role)
    {
        if (!message.TryGetProperty("content", out var c) || c.ValueKind == JsonValueKind.Null)
            return role == TurnRole.Assistant ? "" : throw ApiError.BadField(field + ".content", $"{field}.content is required", "missing_required_parameter");
        if (c.ValueKind == JsonValueKind.String) return c.GetString()!;
        if (c.ValueKind != JsonValueKind.Array) throw ApiError.BadField(field + ".content", $"{field}.content must be a string or an array of text parts", "invalid_type");
        var text = new System.Text.StringBuilder();
        foreach (var part in c.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object || Str(part, "type", field + ".content") != "text" || Str(part, "text", field + ".content") is not { } t)
                throw ApiError.BadField(field + ".content", $"{field}.content parts must be {{\"type\":\"text\",\"text\":...}}; this model reads text only");
            text.Append(t);
        }
        return text.ToString();
    }

    internal static List<string> Stops(JsonElement root)
    {
        if (!root.TryGetProperty("stop", out var s) || s.ValueKind == JsonValueKind.Null) return [];
        if (s.ValueKind == JsonValueKind.String) return NonEmpty([s.GetString()!]);
        if (s.ValueKind != JsonValueKind.Array || s.GetArrayLength() > 16 || s.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
            throw ApiError.BadField("stop", "stop must be a string or an array of at most 16 strings", "invalid_type");
        return NonEmpty(s.EnumerateArray().Select(e => e.GetString()!).ToList());
    }

    private static List<string> NonEmpty(List<string> stops) =>
        stops.Any(string.IsNullOrEmpty) ? throw ApiError.BadField("stop", "stop strings must not be empty") : stops;

    internal static bool StreamOptions(JsonElement root)
    {
        if (!root.TryGetProperty("stream_options", out var o) || o.ValueKind == JsonValueKind.Null) return false;
        if (o.ValueKind != JsonValueKind.Object) throw ApiError.BadField("stream_options", "stream_options must be an object", "invalid_type");
        return Bool(o, "include_usage", "stream_options.include_usage") ?? false;
    }

    // chat_template_kwargs (vLLM): only enable_thinking is honoured; another key would be a silently ignored template switch.
    private static bool? TemplateKwargs(JsonElement root)
    {
        if (!root.TryGetProperty("chat_template_kwargs", out var o) || o.ValueKind == JsonValueKind.Null) return null;
        if (o.ValueKind != JsonValueKind.Object) throw ApiError.BadField("chat_template_kwargs", "chat_template_kwargs must be an object", "invalid_type");
        if (o.EnumerateObject().Select(p => p.Name).FirstOrDefault(n => n != "enable_thinking") is { } other)
            throw ApiError.BadField($"chat_template_kwargs.{other}", $"chat_template_kwargs.{other} is not supported: the only template argument is enable_thinking", "unsupported_parameter");
        return Bool(o, "enable_thinking", "chat_template_kwargs.enable_thinking");
    }

    internal static ulong? ParseSeed(JsonElement root)
    {
        if (!root.TryGetProperty("seed", out var s) || s.ValueKind == JsonValueKind.Null) return null;
        if (s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out long v)) return unchecked((ulong)v);
        if (s.ValueKind == JsonValueKind.Number && s.TryGetUInt64(out ulong u)) return u;
        throw ApiError.BadField("seed", "seed must be an integer", "invalid_type");
    }

    internal static string? Str(JsonElement obj, string name, string? param = null)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString()
            : throw ApiError.BadField(param ?? name, $"{param ?? name} must be a string", "invalid_type");
    }

    internal static bool? Bool(JsonElement obj, string name, string? param = null)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw ApiError.BadField(param ?? name, $"{param ?? name} must be a boolean", "invalid_type"),
        };
    }

    internal static int? Int(JsonElement obj, string name, long min, long max)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long n))
            throw ApiError.BadField(name, $"{name} must be an integer", "invalid_type");
        if (n < min || n > max) throw ApiError.BadField(name, $"{name} must be in {min}..{max}; got {n}");
        return (int)n;
    }

    internal static float? Float(JsonElement obj, string name, double min, double max, bool lowOpen)
    {
        if (!obj.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out double d) || !double.IsFinite(d))
            throw ApiError.BadField(name, $"{name} must be a number", "invalid_type");
        if (d > max || d < min || (lowOpen && d <= min))
            throw ApiError.BadField(name, $"{name} must be in {(lowOpen ? "(" : "[")}{min}, {max}]; got {d}");
        return (float)d;
    }
}
