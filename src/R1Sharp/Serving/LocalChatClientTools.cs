// Tool calling for LocalChatClient in Microsoft.Extensions.AI terms: ChatOptions.Tools (AIFunctionDeclaration) and ToolMode
// → ChatSettings; FunctionCallContent / FunctionResultContent in history → template tool calls / tool outputs; calls the
// model makes → FunctionCallContent, so FunctionInvokingChatClient can run them and send the results back.
using System.Text.Json;
using Microsoft.Extensions.AI;
using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Serving;

internal static class LocalChatClientTools
{
    // AIJsonUtilities' options (they know AI content types) without indentation: arguments and results go into the prompt.
    private static readonly JsonSerializerOptions s_json = new(AIJsonUtilities.DefaultOptions) { WriteIndented = false };

    /// <summary>ChatOptions.Tools as template tools: function declarations only (hosted tools are refused by name).</summary>
    public static IReadOnlyList<ChatTool>? Tools(ChatOptions o)
    {
        if (o.Tools is not { Count: > 0 } tools) return null;
        var result = new List<ChatTool>(tools.Count);
        foreach (var tool in tools)
        {
            if (tool is not AIFunctionDeclaration f)
                throw ChatRequestException.Unsupported("ChatOptions.Tools", $"only functions (AIFunctionDeclaration) can be called, not {tool.GetType().Name} '{tool.Name}'");
            if (!ToolCallFormats.IsValidFunctionName(f.Name))
                throw new ChatRequestException("ChatOptions.Tools", $"ChatOptions.Tools: function name '{f.Name}' must be 1 to 64 letters, digits, underscores or dashes");
            try { result.Add(ChatTool.Function(f.Name, string.IsNullOrEmpty(f.Description) ? null : f.Description, f.JsonSchema.GetRawText())); }
            catch (R1SharpException e) { throw new ChatRequestException("ChatOptions.Tools", "ChatOptions." + e.Message); }
        }
        return result;
    }

    /// <summary>ChatOptions.ToolMode: null/auto → null (auto), none, require any, require a named function.</summary>
    public static ChatToolChoice? Choice(ChatToolMode? mode) => mode switch
    {
        null or AutoChatToolMode => null,
        NoneChatToolMode => ChatToolChoice.None,
        RequiredChatToolMode { RequiredFunctionName: { } name } => ChatToolChoice.Function(name),
        RequiredChatToolMode => ChatToolChoice.Required,
        _ => throw ChatRequestException.Unsupported("ChatOptions.ToolMode", $"unknown tool mode {mode.GetType().Name}"),
    };

    /// <summary>One history message as template messages: an assistant turn keeps its calls; each function result is a tool
    /// turn of its own (FunctionInvokingChatClient puts all results of a round in one message).</summary>
    public static IEnumerable<ChatTurn> Messages(ChatMessage m)
    {
        var role = m.Role == ChatRole.System ? TurnRole.System : m.Role == ChatRole.Assistant ? TurnRole.Assistant
            : m.Role == ChatRole.Tool ? TurnRole.Tool : TurnRole.User;
        var results = m.Contents.OfType<FunctionResultContent>().ToList();
        if (results.Count > 0)
        {
            foreach (var r in results) yield return new ChatTurn(TurnRole.Tool, ResultText(r.Result));
            yield break;
        }
        var calls = m.Contents.OfType<FunctionCallContent>()
            .Select(c => new ChatToolCall(c.Name, JsonSerializer.Serialize(c.Arguments ?? new Dictionary<string, object?>(), s_json), c.CallId))
            .ToList();
        // Text joins TextContent only: reasoning stays out of the prompt.
        yield return new ChatTurn(role, m.Text, ToolCalls: calls.Count > 0 && role == TurnRole.Assistant ? calls : null);
    }

    /// <summary>A call the model made, for the response.</summary>
    public static FunctionCallContent Content(ParsedToolCall call)
    {
        var arguments = JsonSerializer.Deserialize<Dictionary<string, object?>>(call.Arguments, s_json);
        return new FunctionCallContent(ChatTools.NewCallId(), call.Name, arguments);
    }

    private static string ResultText(object? result) => result switch
    {
        null => "",
        string s => s,
        JsonElement { ValueKind: JsonValueKind.String } e => e.GetString()!,
        _ => JsonSerializer.Serialize(result, s_json),
    };
}
