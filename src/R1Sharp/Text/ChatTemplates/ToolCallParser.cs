// Splits a model's answer (the text after </think>; reasoning never holds tool calls) into content and tool calls,
// whole or streamed piece by piece, as vLLM's and llama.cpp's tool parsers do per family (hermes, llama3_json,
// deepseek_r1). A call is emitted once its closing marker is seen; a call that does not parse stays in the content.
using System.Text;
using System.Text.Json;

namespace R1Sharp.Text.ChatTemplates;

/// <summary>A tool call found in the answer.</summary>
/// <param name="Index">0-based position among the answer's calls (OpenAI <c>tool_calls[].index</c>).</param>
/// <param name="Name">Function name.</param>
/// <param name="Arguments">Arguments as JSON text, as the model wrote them.</param>
public sealed record ParsedToolCall(int Index, string Name, string Arguments);

/// <summary>New answer text and newly completed tool calls.</summary>
public readonly record struct ToolCallDelta(string Content, IReadOnlyList<ParsedToolCall> Calls)
{
    /// <summary>Nothing new.</summary>
    public static ToolCallDelta Empty { get; } = new("", []);
    /// <summary>True when there is neither content nor a call.</summary>
    public bool IsEmpty => Content.Length == 0 && Calls.Count == 0;
}

/// <summary>
/// Streaming tool-call parser for one answer. <see cref="Feed"/> the answer text as it comes (any split), then
/// <see cref="Finish"/>. Text that may still become a call marker is held back until it is decided. Example (Hermes):
/// <c>Let me check.&lt;tool_call&gt;\n{"name": "f", "arguments": {"x": 1}}\n&lt;/tool_call&gt;</c> gives content
/// "Let me check." and the call f with <c>{"x": 1}</c>.
/// </summary>
public sealed partial class ToolCallParser
{
    private readonly ToolCallFormat _format;
    private readonly int _maxCalls;
    private string _pending = "";
    private bool _inCalls;
    private int _calls;

    /// <param name="format">The model family's syntax.</param>
    /// <param name="maxCalls">Calls kept (OpenAI <c>parallel_tool_calls: false</c> keeps 1); later ones are dropped.</param>
    public ToolCallParser(ToolCallFormat format, int maxCalls = int.MaxValue)
    {
        _format = format;
        _maxCalls = maxCalls;
    }

    /// <summary>Calls found so far (including dropped ones beyond the limit).</summary>
    public int CallCount => _calls;

    /// <summary>Parses a whole answer.</summary>
    public static (string Content, IReadOnlyList<ParsedToolCall> Calls) Parse(ToolCallFormat format, string answer, int maxCalls = int.MaxValue)
    {
        var parser = new ToolCallParser(format, maxCalls);
        var a = parser.Feed(answer);
        var b = parser.Finish();
        return (a.Content + b.Content, [.. a.Calls, .. b.Calls]);
    }

    /// <summary>Consumes the next piece of answer text.</summary>
    public ToolCallDelta Feed(string text) => Step(text, final: false);

    /// <summary>Ends the answer: held text is decided (an unclosed call becomes content).</summary>
    public ToolCallDelta Finish() => Step("", final: true);

    private ToolCallDelta Step(string text, bool final)
    {
        var content = new StringBuilder();
        var calls = new List<ParsedToolCall>();
        string s = _pending + text;
        _pending = _format == ToolCallFormat.Llama3Json ? StepJson(s, final, content, calls) : StepMarkers(s, final, content, calls);
        return content.Length == 0 && calls.Count == 0 ? ToolCallDelta.Empty : new ToolCallDelta(content.ToString(), calls);
    }

    private void AddCall(string name, string arguments, List<ParsedToolCall> calls)
    {
        if (_calls < _maxCalls) calls.Add(new ParsedToolCall(_calls, name, arguments));
        _calls++;
    }

    // Arguments must be a JSON object (a JSON string holding one is accepted, as some models write it); its text is kept.
    private static string? ArgumentsText(JsonElement args)
    {
        if (args.ValueKind == JsonValueKind.Object) return args.GetRawText();
        if (args.ValueKind != JsonValueKind.String) return null;
        string inner = args.GetString()!;
        return IsJsonObject(inner) ? inner : null;
    }

    private static bool IsJsonObject(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException) { return false; }
    }

    // {"name": NAME, "arguments"|"parameters": ARGS} → (name, args text), or null.
    private static (string Name, string Arguments)? NamedCall(JsonElement call)
    {
        if (call.ValueKind != JsonValueKind.Object || !call.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
            || name.GetString() is not { Length: > 0 } n)
            return null;
        if (!call.TryGetProperty("arguments", out var args) && !call.TryGetProperty("parameters", out args)) return null;
        return ArgumentsText(args) is { } a ? (n, a) : null;
    }
}
