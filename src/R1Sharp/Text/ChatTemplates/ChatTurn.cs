// Chat messages as the chat templates see them (the OpenAI/HF message shape: role, content, tool calls).
// Reference: Hugging Face apply_chat_template message dicts; SERVING.md §1 (reasoning_content is never sent back).
namespace R1Sharp.Text.ChatTemplates;

/// <summary>The speaker of a chat message.</summary>
public enum TurnRole
{
    /// <summary>Instructions for the assistant.</summary>
    System,
    /// <summary>The human turn.</summary>
    User,
    /// <summary>The model turn.</summary>
    Assistant,
    /// <summary>The output of a tool the assistant called.</summary>
    Tool,
}

/// <summary>A function call made by the assistant.</summary>
/// <param name="Name">Function name.</param>
/// <param name="Arguments">Arguments as JSON text, inserted into the prompt verbatim.</param>
/// <param name="Id">The call id (OpenAI <c>tool_call_id</c>); no template here renders it.</param>
public sealed record ChatToolCall(string Name, string Arguments, string? Id = null)
{
    /// <summary>The call type; always "function" (what the R1 template prints before <c>&lt;｜tool▁sep｜&gt;</c>).</summary>
    public string Type => "function";
}

/// <summary>One message of a conversation.</summary>
/// <param name="Role">Who speaks.</param>
/// <param name="Content">The text. For an R1 assistant turn this may still hold its thinking; templates strip it.</param>
/// <param name="ReasoningContent">The separated reasoning of an assistant turn. Kept for the caller; no template renders it
/// (R1 history never carries earlier thinking, and the DeepSeek API rejects it in requests).</param>
/// <param name="ToolCalls">Function calls of an assistant turn, or null.</param>
public sealed record ChatTurn(
    TurnRole Role,
    string Content,
    string? ReasoningContent = null,
    IReadOnlyList<ChatToolCall>? ToolCalls = null)
{
    /// <summary>A system message.</summary>
    public static ChatTurn System(string content) => new(TurnRole.System, content);
    /// <summary>A user message.</summary>
    public static ChatTurn User(string content) => new(TurnRole.User, content);
    /// <summary>An assistant message.</summary>
    public static ChatTurn Assistant(string content, string? reasoningContent = null) =>
        new(TurnRole.Assistant, content, reasoningContent);
    /// <summary>A tool output message.</summary>
    public static ChatTurn Tool(string content) => new(TurnRole.Tool, content);

    /// <summary>True for an assistant message with at least one tool call.</summary>
    public bool HasToolCalls => ToolCalls is { Count: > 0 };

    /// <summary>The role as the OpenAI/HF API spells it ("system", "user", "assistant", "tool").</summary>
    public static string RoleName(TurnRole role) => role switch
    {
        TurnRole.System => "system",
        TurnRole.User => "user",
        TurnRole.Assistant => "assistant",
        _ => "tool",
    };

    /// <summary>Parses an API role name; <paramref name="field"/> names where it came from for the error message.</summary>
    public static TurnRole ParseRole(string role, string field = "role") =>
        TryParseRole(role, out var parsed) ? parsed : throw new R1SharpException(
            $"{field}: unknown chat role '{role}'; use one of system, user, assistant, tool.");

    /// <summary>Parses an API role name (also OpenAI's "developer" and Llama's "ipython"/"function"); false when unknown.</summary>
    public static bool TryParseRole(string role, out TurnRole parsed)
    {
        parsed = role switch
        {
            "system" or "developer" => TurnRole.System,
            "user" => TurnRole.User,
            "assistant" => TurnRole.Assistant,
            "tool" or "ipython" or "function" => TurnRole.Tool,
            _ => (TurnRole)(-1),
        };
        return parsed >= 0;
    }
}
