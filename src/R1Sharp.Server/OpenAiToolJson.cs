// The tool-call parts of chat completion responses (OpenAI function calling): message.tool_calls with content null when
// the answer is only calls, delta.tool_calls (each call whole, in one delta, with its id), finish_reason "tool_calls".
using System.Text.Json;
using R1Sharp.Generation;
using R1Sharp.Serving;
using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Server;

/// <summary>A parsed call with the id the response gives it.</summary>
public readonly record struct ToolCallOut(string Id, ParsedToolCall Call);

/// <summary>One choice's answer split into content (null when it is only calls) and calls.</summary>
public sealed record ToolAnswer(string? Content, IReadOnlyList<ToolCallOut> Calls)
{
    /// <summary>Splits a whole answer with a fresh <paramref name="parser"/>.</summary>
    public static ToolAnswer Parse(ToolCallParser parser, string answer)
    {
        ArgumentNullException.ThrowIfNull(parser);
        var a = parser.Feed(answer);
        var b = parser.Finish();
        string content = a.Content + b.Content;
        var calls = WithIds([.. a.Calls, .. b.Calls]);
        return new ToolAnswer(calls.Count > 0 && string.IsNullOrWhiteSpace(content) ? null : content, calls);
    }

    /// <summary>Gives each call a new id.</summary>
    public static List<ToolCallOut> WithIds(IReadOnlyList<ParsedToolCall> calls) => [.. calls.Select(c => new ToolCallOut(ChatTools.NewCallId(), c))];
}

/// <summary>Writers for the tool-call parts.</summary>
public static class OpenAiToolJson
{
    /// <summary>"tool_calls" when a choice that ended normally made calls, else the usual finish reason.</summary>
    public static string FinishReason(FinishReason reason, bool madeCalls) =>
        madeCalls && reason == Generation.FinishReason.Stop ? "tool_calls" : OpenAiJson.FinishReasonOf(reason);

    /// <summary>The <c>tool_calls</c> property: <c>[{"index", "id", "type": "function", "function": {"name", "arguments"}}]</c>.</summary>
    public static void WriteToolCalls(Utf8JsonWriter w, IReadOnlyList<ToolCallOut> calls)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(calls);
        w.WriteStartArray("tool_calls");
        foreach (var (id, call) in calls)
        {
            w.WriteStartObject();
            w.WriteNumber("index", call.Index);
            w.WriteString("id", id);
            w.WriteString("type", "function");
            w.WriteStartObject("function");
            w.WriteString("name", call.Name);
            w.WriteString("arguments", call.Arguments);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}
