// The Qwen2.5-Instruct ChatML template (with its <tools> system block), rendered as its Hugging Face Jinja template does.
// Reference: Qwen/Qwen2.5-7B-Instruct tokenizer_config.json chat_template (llama.cpp models/templates/Qwen-Qwen2.5-7B-Instruct.jinja).
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

    public ToolCallFormat? ToolFormat => ToolCallFormat.Hermes;

    public ChatPrompt RenderPrompt(IReadOnlyList<ChatTurn> messages, bool addGenerationPrompt = true) =>
        RenderPrompt(messages, null, addGenerationPrompt);

    /// <summary>With tools, the system turn gets the template's "# Tools" block: each tool's JSON (<c>tojson</c>) on its own
    /// line inside <c>&lt;tools&gt;&lt;/tools&gt;</c>, then the <c>&lt;tool_call&gt;</c> instructions.</summary>
    public ChatPrompt RenderPrompt(IReadOnlyList<ChatTurn> messages, IReadOnlyList<ChatTool>? tools, bool addGenerationPrompt = true)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var p = new PromptBuilder();
        bool firstIsSystem = messages.Count > 0 && messages[0].Role == TurnRole.System;
        if (tools is { Count: > 0 }) AppendToolsSystem(p, firstIsSystem ? messages[0].Content : null, tools);
        else if (firstIsSystem) AppendTurn(p, "system", messages[0].Content);
        else if (DefaultSystemPrompt is not null) p.Template(ImStart).Template("system\n").Template(DefaultSystemPrompt).Template(ImEnd).Template('\n');

        for (int i = firstIsSystem ? 1 : 0; i < messages.Count; i++)
        {
            var m = messages[i];
            if (m.Role == TurnRole.Tool)
            {
                if (i == 0 || messages[i - 1].Role != TurnRole.Tool) p.Template(ImStart).Template("user");
                p.Template("\n<tool_response>\n").Content(m.Content).Template("\n</tool_response>");
                if (i == messages.Count - 1 || messages[i + 1].Role != TurnRole.Tool) p.Template(ImEnd).Template('\n');
            }
            else if (m.HasToolCalls) AppendToolCalls(p, m);
            else AppendTurn(p, ChatTurn.RoleName(m.Role), m.Content);
        }
        if (addGenerationPrompt) p.Template(ImStart).Template("assistant\n");
        return p.Build();
    }

    private void AppendToolsSystem(PromptBuilder p, string? system, IReadOnlyList<ChatTool> tools)
    {
        p.Template(ImStart).Template("system\n");
        if (system is not null) p.Content(system); else p.Template(DefaultSystemPrompt ?? "");
        p.Template("\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n" +
            "You are provided with function signatures within <tools></tools> XML tags:\n<tools>");
        foreach (var tool in tools) p.Template('\n').Content(PythonJson.Dumps(tool.Json));
        p.Template("\n</tools>\n\nFor each function call, return a json object with function name and arguments within " +
            "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call>")
         .Template(ImEnd).Template('\n');
    }

    private static void AppendTurn(PromptBuilder p, string role, string content) =>
        p.Template(ImStart).Template(role).Template('\n').Content(content).Template(ImEnd).Template('\n');

    private static void AppendToolCalls(PromptBuilder p, ChatTurn m)
    {
        p.Template(ImStart).Template("assistant");
        if (m.Content.Length > 0) p.Template('\n').Content(m.Content);
        foreach (var call in m.ToolCalls!)
            p.Template("\n<tool_call>\n{\"name\": \"").Content(call.Name).Template("\", \"arguments\": ")
             .Content(call.Arguments).Template("}\n</tool_call>");
        p.Template(ImEnd).Template('\n');
    }
}
