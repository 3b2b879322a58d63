// The Qwen2.5-Instruct ChatML template (no tools list), rendered as its Hugging Face Jinja template does.
// Reference: Qwen/Qwen2.5-7B-Instruct tokenizer_config.json chat_template (llama.cpp models/templates/Qwen-Qwen2.5-7B-Instruct.jinja).
using System.Text;

namespace R1Sharp.Text.ChatTemplates;

/// <summary>
/// ChatML as Qwen2.5 renders it: <c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n</c> per message, a default system
/// prompt when the first message is not a system message, generation prompt <c>&lt;|im_start|&gt;assistant\n</c>.
/// Content is not trimmed and assistant thinking is not stripped (Qwen2.5 has no thinking).
/// </summary>
/// <remarks>
/// Tool calls render as the template's <c>&lt;tool_call&gt;</c> JSON; <see cref="ChatToolCall.Arguments"/> is inserted
/// verbatim where the template writes <c>arguments | tojson</c>, which matches when the caller's JSON is formatted the way
/// Python's json.dumps writes it. Consecutive tool outputs share one <c>user</c> turn, as in the template.
/// </remarks>
public sealed class Qwen25ChatTemplate : IChatTemplate
{
    public const string ImStart = "<|im_start|>";
    public const string ImEnd = "<|im_end|>";
    public const string EndOfText = "<|endoftext|>";
    /// <summary>The system prompt the Qwen2.5 template inserts when the conversation has none.</summary>
    public const string QwenDefaultSystemPrompt = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";

    private static readonly string[] Stops = [ImEnd, EndOfText];

    /// <param name="defaultSystemPrompt">Rendered when the first message is not a system message; null renders none
    /// (plain ChatML).</param>
    /// <param name="jinja">The source this template was recognised from, if any.</param>
    public Qwen25ChatTemplate(string? defaultSystemPrompt = QwenDefaultSystemPrompt, string? jinja = null)
    {
        DefaultSystemPrompt = defaultSystemPrompt;
        Jinja = jinja;
    }

    /// <summary>The system prompt used when none is given, or null.</summary>
    public string? DefaultSystemPrompt { get; }

    public string Name => "qwen2.5";
    public bool PrefillsThinking => false;
    public string EosToken => ImEnd;
    public IReadOnlyList<string> StopStrings => Stops;
    public string? Jinja { get; }

    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var sb = new StringBuilder(256);
        bool firstIsSystem = messages.Count > 0 && messages[0].Role == ChatRole.System;
        if (firstIsSystem) AppendTurn(sb, "system", messages[0].Content);
        else if (DefaultSystemPrompt is not null) AppendTurn(sb, "system", DefaultSystemPrompt);

        for (int i = firstIsSystem ? 1 : 0; i < messages.Count; i++)
        {
            var m = messages[i];
            if (m.Role == ChatRole.Tool)
            {
                if (i == 0 || messages[i - 1].Role != ChatRole.Tool) sb.Append(ImStart).Append("user");
                sb.Append("\n<tool_response>\n").Append(m.Content).Append("\n</tool_response>");
                if (i == messages.Count - 1 || messages[i + 1].Role != ChatRole.Tool) sb.Append(ImEnd).Append('\n');
            }
            else if (m.HasToolCalls) AppendToolCalls(sb, m);
            else AppendTurn(sb, ChatMessage.RoleName(m.Role), m.Content);
        }
        if (addGenerationPrompt) sb.Append(ImStart).Append("assistant\n");
        return sb.ToString();
    }

    private static void AppendTurn(StringBuilder sb, string role, string content) =>
        sb.Append(ImStart).Append(role).Append('\n').Append(content).Append(ImEnd).Append('\n');

    private static void AppendToolCalls(StringBuilder sb, ChatMessage m)
    {
        sb.Append(ImStart).Append("assistant");
        if (m.Content.Length > 0) sb.Append('\n').Append(m.Content);
        foreach (var call in m.ToolCalls!)
            sb.Append("\n<tool_call>\n{\"name\": \"").Append(call.Name).Append("\", \"arguments\": ")
              .Append(call.Arguments).Append("}\n</tool_call>");
        sb.Append(ImEnd).Append('\n');
    }
}
