// The tool half of the chat → generation mapping (server and LocalChatClient alike): which tools the template renders,
// the opening forced for tool_choice required / a named function, and the parser of the answer's calls.
using R1Sharp.Generation;
using R1Sharp.Text;
using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Serving;

/// <summary>Tool calling over <see cref="ChatSettings.Tools"/> and <see cref="ChatSettings.ToolChoice"/>.</summary>
public static class ChatTools
{
    /// <summary>The tools the prompt renders: none when there are none or tool_choice is "none".</summary>
    /// <exception cref="ChatRequestException">Tools for a template without a tool-call format, or a tool_choice that does not
    /// fit the tools.</exception>
    public static IReadOnlyList<ChatTool>? Rendered(IChatTemplate template, ChatSettings settings)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(settings);
        var choice = settings.ToolChoice;
        bool hasTools = settings.Tools is { Count: > 0 };
        if (choice is { Forces: true } && !hasTools)
            throw new ChatRequestException("tool_choice", $"tool_choice '{choice.Mode}' needs tools; give tools or drop tool_choice");
        if (choice is { Mode: "function" } && !settings.Tools!.Any(t => t.Name == choice.FunctionName))
            throw new ChatRequestException("tool_choice", $"tool_choice names function '{choice.FunctionName}', which is not among the tools");
        if (!hasTools || choice?.Mode == "none") return null;
        if (template.ToolFormat is null)
            throw new ChatRequestException("tools", $"tools: the {template.Name} chat template has no tool-call format; send the request without tools");
        return settings.Tools;
    }

    /// <summary>The parser of the answer's calls, or null when the request offers no tools (or tool_choice is "none").</summary>
    public static ToolCallParser? Parser(IChatTemplate template, ChatSettings settings) =>
        Rendered(template, settings) is null ? null
        : new ToolCallParser(template.ToolFormat!.Value, settings.ParallelToolCalls == false ? 1 : int.MaxValue);

    /// <summary><paramref name="request"/> with the forced call opening of tool_choice required / a named function.</summary>
    public static GenerationRequest WithForcedCall(GenerationRequest request, HfTokenizer tokenizer, IChatTemplate template, ChatSettings settings)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (settings.ToolChoice is not { Forces: true } choice || Rendered(template, settings) is null) return request;
        string opening = template.ToolFormat!.Value.ForcedOpening(choice.FunctionName);
        return request with { AnswerPrefix = tokenizer.Encode(opening, addSpecialTokens: false) };
    }

    /// <summary>A new OpenAI-style call id, <c>call_</c> and 24 hex digits.</summary>
    public static string NewCallId() => "call_" + Guid.NewGuid().ToString("N")[..24];
}
