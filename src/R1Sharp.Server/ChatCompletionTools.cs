// The tool fields of a chat completion request (OpenAI function calling): tools, tool_choice, parallel_tool_calls, and
// the tool_calls / tool_call_id of history messages. Each bad value is refused with a 400 naming it.
using System.Text.Json;
using R1Sharp.Serving;
using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Server;

internal static class ChatCompletionTools
{
    /// <summary>tools: [{"type": "function", "function": {"name", "description"?, "parameters"?, "strict"?}}]; null when absent.</summary>
    public static List<ChatTool>? Tools(JsonElement root)
    {
        if (!root.TryGetProperty("tools", out var list) || list.ValueKind == JsonValueKind.Null) return null;
        if (list.ValueKind != JsonValueKind.Array) throw ApiError.BadField("tools", "tools must be an array of function tools", "invalid_type");
        var tools = new List<ChatTool>(list.GetArrayLength());
        int i = 0;
        foreach (var tool in list.EnumerateArray())
        {
            string field = $"tools[{i++}]";
            if (tool.ValueKind != JsonValueKind.Object || !tool.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                throw ApiError.BadField(field, $"{field} must be an object {{\"type\": \"function\", \"function\": {{...}}}}", "invalid_type");
            if (type.GetString() != "function")
                throw ApiError.BadField(field + ".type", $"{field}.type '{type.GetString()}' is not supported; only function tools are", "unsupported_parameter");
            foreach (var p in tool.EnumerateObject())
                if (p.Name is not ("type" or "function"))
                    throw ApiError.BadField($"{field}.{p.Name}", $"Unrecognized request argument supplied: {field}.{p.Name}", "unsupported_parameter");
            if (!tool.TryGetProperty("function", out var f) || f.ValueKind != JsonValueKind.Object)
                throw ApiError.BadField(field + ".function", $"{field}.function must be an object with a name", "missing_required_parameter");
            foreach (var p in f.EnumerateObject())
                if (p.Name is not ("name" or "description" or "parameters" or "strict"))
                    throw ApiError.BadField($"{field}.function.{p.Name}", $"Unrecognized request argument supplied: {field}.function.{p.Name}", "unsupported_parameter");
            string name = FunctionName(f, field + ".function.name");
            if (tools.Any(t => t.Name == name)) throw ApiError.BadField(field + ".function.name", $"{field}.function.name '{name}' is given twice");
            if (f.TryGetProperty("description", out var d) && d.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
                throw ApiError.BadField(field + ".function.description", $"{field}.function.description must be a string", "invalid_type");
            if (f.TryGetProperty("parameters", out var ps) && ps.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
                throw ApiError.BadField(field + ".function.parameters", $"{field}.function.parameters must be a JSON Schema object", "invalid_type");
            // strict (structured outputs for arguments) would need constrained decoding: refused unless false.
            if (f.TryGetProperty("strict", out var strict) && strict.ValueKind == JsonValueKind.True)
                throw ApiError.BadField(field + ".function.strict", $"{field}.function.strict is not supported: arguments are not schema-constrained; remove it", "unsupported_parameter");
            tools.Add(new ChatTool(name, tool.GetRawText()));
        }
        return tools;
    }

    /// <summary>tool_choice: "auto" | "none" | "required" | {"type": "function", "function": {"name"}}; null when absent.</summary>
    public static ChatToolChoice? ToolChoice(JsonElement root)
    {
        if (!root.TryGetProperty("tool_choice", out var c) || c.ValueKind == JsonValueKind.Null) return null;
        if (c.ValueKind == JsonValueKind.String)
            return c.GetString() switch
            {
                "auto" => ChatToolChoice.Auto,
                "none" => ChatToolChoice.None,
                "required" => ChatToolChoice.Required,
                var s => throw ApiError.BadField("tool_choice", $"tool_choice must be auto, none, required or {{\"type\": \"function\", ...}}; got '{s}'"),
            };
        if (c.ValueKind != JsonValueKind.Object || !c.TryGetProperty("type", out var t) || t.ValueKind != JsonValueKind.String || t.GetString() != "function"
            || !c.TryGetProperty("function", out var f) || f.ValueKind != JsonValueKind.Object)
            throw ApiError.BadField("tool_choice", "tool_choice as an object must be {\"type\": \"function\", \"function\": {\"name\": ...}}", "invalid_type");
        return ChatToolChoice.Function(FunctionName(f, "tool_choice.function.name"));
    }

    /// <summary>An assistant message's tool_calls: [{"id", "type": "function", "function": {"name", "arguments"}}]; null when absent.</summary>
    public static List<ChatToolCall>? ToolCalls(JsonElement message, string field)
    {
        if (!message.TryGetProperty("tool_calls", out var list) || list.ValueKind == JsonValueKind.Null) return null;
        if (list.ValueKind != JsonValueKind.Array) throw ApiError.BadField(field + ".tool_calls", $"{field}.tool_calls must be an array", "invalid_type");
        var calls = new List<ChatToolCall>();
        int i = 0;
        foreach (var call in list.EnumerateArray())
        {
            string f = $"{field}.tool_calls[{i++}]";
            if (call.ValueKind != JsonValueKind.Object || !call.TryGetProperty("function", out var fn) || fn.ValueKind != JsonValueKind.Object)
                throw ApiError.BadField(f, $"{f} must be {{\"id\", \"type\": \"function\", \"function\": {{\"name\", \"arguments\"}}}}", "invalid_type");
            if (call.TryGetProperty("type", out var type) && (type.ValueKind != JsonValueKind.String || type.GetString() != "function"))
                throw ApiError.BadField(f + ".type", $"{f}.type must be \"function\"");
            string? id = call.TryGetProperty("id", out var idv) && idv.ValueKind == JsonValueKind.String ? idv.GetString() : null;
            string name = FunctionName(fn, f + ".function.name");
            if (!fn.TryGetProperty("arguments", out var args) || args.ValueKind != JsonValueKind.String)
                throw ApiError.BadField(f + ".function.arguments", $"{f}.function.arguments must be a string of JSON", "invalid_type");
            string text = args.GetString()!;
            try { using var doc = JsonDocument.Parse(text); }
            catch (JsonException) { throw ApiError.BadField(f + ".function.arguments", $"{f}.function.arguments is not valid JSON"); }
            calls.Add(new ChatToolCall(name, text, id));
        }
        return calls.Count == 0 ? null : calls;
    }

    /// <summary>Moves a ChatRequestException from the tool mapping to a 400 naming its field.</summary>
    public static ApiError Refusal(ChatRequestException e) => ApiError.BadField(e.Field, e.Message);

    private static string FunctionName(JsonElement function, string field)
    {
        if (!function.TryGetProperty("name", out var n) || n.ValueKind != JsonValueKind.String)
            throw ApiError.BadField(field, $"{field} is required (a string)", "missing_required_parameter");
        string name = n.GetString()!;
        return ToolCallFormats.IsValidFunctionName(name) ? name
            : throw ApiError.BadField(field, $"{field} '{name}' must be 1 to 64 letters, digits, underscores or dashes");
    }
}
