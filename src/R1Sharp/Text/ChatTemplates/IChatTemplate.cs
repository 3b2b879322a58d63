// The contract every chat template implements: messages -> prompt text (or segments: template text vs content),
// plus the stop strings it implies.
// Reference: Hugging Face tokenizer.apply_chat_template(messages, add_generation_prompt, tokenize=False).
namespace R1Sharp.Text.ChatTemplates;

/// <summary>
/// Renders a conversation into the exact prompt text a model family was trained on, as its Hugging Face Jinja
/// chat template would with <c>tokenize=False</c> (and a tools list, see <see cref="RenderPrompt(IReadOnlyList{ChatTurn}, IReadOnlyList{ChatTool}?, bool)"/>).
/// </summary>
public interface IChatTemplate
{
    /// <summary>Short family name, e.g. "deepseek-r1", "qwen2.5", "llama-3", "r1-zero".</summary>
    string Name { get; }

    /// <summary>True when the generation prompt ends inside a thinking block (R1's <c>&lt;think&gt;\n</c> prefill);
    /// start a <see cref="Reasoning.ReasoningParser"/> with <c>startsInThinking</c> set to
    /// <see cref="ChatTemplate.EndsInThinking"/> of the rendered prompt.</summary>
    bool PrefillsThinking { get; }

    /// <summary>Text of the token that ends an assistant turn (what generation stops on).</summary>
    string EosToken { get; }

    /// <summary>Strings that end generation (the EOS text first, then other end-of-turn tokens).</summary>
    IReadOnlyList<string> StopStrings { get; }

    /// <summary>The raw Jinja source this template was recognised from (for GGUF export), or null when built in code.</summary>
    string? Jinja { get; }

    /// <summary>
    /// Renders the prompt text (<see cref="ChatTemplateExtensions.Render"/>), split into template text and message content, so that content is
    /// tokenized as plain text (<see cref="ChatPrompt.Encode"/>): a user who types <c>&lt;｜Assistant｜&gt;</c> cannot forge a turn.
    /// </summary>
    /// <exception cref="R1SharpException">A message this template cannot render (role, order or tool use).</exception>
    ChatPrompt RenderPrompt(IReadOnlyList<ChatTurn> messages, bool addGenerationPrompt = true);

    /// <summary>How this family writes tool calls in its answers (what <see cref="ToolCallParser"/> reads), or null when it
    /// has no tool-call format.</summary>
    ToolCallFormat? ToolFormat => null;

    /// <summary>
    /// Renders with a tools list, as the Jinja template does with <c>apply_chat_template(messages, tools=tools)</c>; null or
    /// empty renders as <see cref="RenderPrompt(IReadOnlyList{ChatTurn}, bool)"/>. Templates without a tool format refuse tools.
    /// </summary>
    /// <exception cref="R1SharpException">Tools this template cannot render, or a message it cannot render.</exception>
    ChatPrompt RenderPrompt(IReadOnlyList<ChatTurn> messages, IReadOnlyList<ChatTool>? tools, bool addGenerationPrompt = true) =>
        tools is null or { Count: 0 } ? RenderPrompt(messages, addGenerationPrompt)
        : throw new R1SharpException($"tools: the {Name} chat template has no tool-call format; send the request without tools.");
}

/// <summary>What every <see cref="IChatTemplate"/> does the same way, written once.</summary>
public static class ChatTemplateExtensions
{
    /// <summary>Renders the messages; with <paramref name="addGenerationPrompt"/> the text ends where the model's reply begins.</summary>
    /// <exception cref="R1SharpException">A message this template cannot render (role, order or tool use).</exception>
    public static string Render(this IChatTemplate template, IReadOnlyList<ChatTurn> messages, bool addGenerationPrompt = true)
    {
        ArgumentNullException.ThrowIfNull(template);
        return template.RenderPrompt(messages, addGenerationPrompt).Text;
    }
}
