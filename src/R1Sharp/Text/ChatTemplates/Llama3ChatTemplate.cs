// The Llama-3 / Llama-3.1 Instruct chat template (tools in the first user turn), rendered as the Hugging Face Jinja template does.
// Reference: meta-llama/Llama-3.1-8B-Instruct tokenizer_config.json (llama.cpp models/templates/meta-llama-Llama-3.1-8B-Instruct.jinja).
using System.Text;

namespace R1Sharp.Text.ChatTemplates;

/// <summary>Options of <see cref="Llama3ChatTemplate"/>.</summary>
public sealed record Llama3TemplateOptions
{
    /// <summary>Text of the BOS token.</summary>
    public string BosToken { get; init; } = Llama3ChatTemplate.BeginOfText;

    /// <summary>Render BOS first (false when the runtime adds it).</summary>
    public bool AddBos { get; init; } = true;

    /// <summary>Llama-3.1 style: always a system turn starting "Cutting Knowledge Date: December 2023\nToday Date: …\n\n".
    /// False renders the Llama-3.0 template (no preamble, system turn only when given).</summary>
    public bool DatePreamble { get; init; } = true;

    /// <summary>The "Today Date" text; the 3.1 template's fixed default. Templates that call strftime_now
    /// (Llama-3.2/3.3) print today's date in this "dd MMM yyyy" form.</summary>
    public string DateString { get; init; } = "26 Jul 2024";
}

/// <summary>
/// Llama-3.x format: <c>&lt;|begin_of_text|&gt;&lt;|start_header_id|&gt;role&lt;|end_header_id|&gt;\n\ncontent&lt;|eot_id|&gt;…</c>,
/// generation prompt <c>&lt;|start_header_id|&gt;assistant&lt;|end_header_id|&gt;\n\n</c>. Message content is trimmed
/// (Jinja <c>| trim</c>); tool outputs (Llama-3.1) are written as a quoted JSON string, as the template's <c>tojson</c> does.
/// </summary>
/// <remarks>
/// Simplifications: no builtin_tools (custom tools render, in the first user turn, the template's default); a tool call renders as <c>{"name": …, "parameters": ARGS}</c> with the argument JSON verbatim (the
/// template's <c>tojson</c>), and, as in the template, only one call per message. Trimming uses .NET's whitespace set,
/// which matches Python's <c>str.strip()</c> for all but a few control characters.
/// </remarks>
public sealed class Llama3ChatTemplate : IChatTemplate
{
    public const string BeginOfText = "<|begin_of_text|>";
    public const string EndOfText = "<|end_of_text|>";
    public const string EotId = "<|eot_id|>";
    public const string EomId = "<|eom_id|>";
    public const string StartHeader = "<|start_header_id|>";
    public const string EndHeader = "<|end_header_id|>";

    private static readonly string[] Stops = [EotId, EndOfText, EomId];

    /// <summary>Creates the template; <paramref name="jinja"/> is the source it was recognised from, if any.</summary>
    public Llama3ChatTemplate(Llama3TemplateOptions? options = null, string? jinja = null)
    {
        Options = options ?? new Llama3TemplateOptions();
        Jinja = jinja;
    }

    /// <summary>The options in effect.</summary>
    public Llama3TemplateOptions Options { get; }

    public string Name => "llama-3";
    public bool PrefillsThinking => false;
    public string EosToken => EotId;
    public IReadOnlyList<string> StopStrings => Stops;
    public string? Jinja { get; }

    public ToolCallFormat? ToolFormat => Options.DatePreamble ? ToolCallFormat.Llama3Json : null;

    public ChatPrompt RenderPrompt(IReadOnlyList<ChatTurn> messages, bool addGenerationPrompt = true) =>
        RenderPrompt(messages, null, addGenerationPrompt);

    /// <summary>With tools (Llama-3.1+), the system turn starts "Environment: ipython\n" and the first message (trimmed) becomes
    /// a user turn after the template's instructions and each tool as <c>tojson(indent=4)</c> followed by a blank line.</summary>
    public ChatPrompt RenderPrompt(IReadOnlyList<ChatTurn> messages, IReadOnlyList<ChatTool>? tools, bool addGenerationPrompt = true)
    {
        ArgumentNullException.ThrowIfNull(messages);
        bool hasTools = tools is { Count: > 0 };
        if (hasTools && !Options.DatePreamble)
            throw new R1SharpException("tools: the Llama-3.0 template has no tool format; send the request without tools.");
        var p = new PromptBuilder();
        // The 3.0 template prepends BOS to the first message, so an empty conversation gets none.
        if (Options.AddBos && (Options.DatePreamble || messages.Count > 0)) p.Template(Options.BosToken);
        int start = 0;
        if (Options.DatePreamble)
        {
            string system = "";
            if (messages.Count > 0 && messages[0].Role == TurnRole.System) { system = messages[0].Content.Trim(); start = 1; }
            Header(p, "system").Template(hasTools ? "Environment: ipython\n" : "").Template("Cutting Knowledge Date: December 2023\nToday Date: ")
                .Template(Options.DateString).Template("\n\n").Content(system).Template(EotId);
            if (hasTools) start = AppendToolsTurn(p, messages, start, tools!);
        }
        for (int i = start; i < messages.Count; i++)
        {
            var m = messages[i];
            if (!Options.DatePreamble)
            {
                if (m.HasToolCalls)
                    throw new R1SharpException("messages: the Llama-3.0 template has no tool-call format; send the call as assistant text.");
                Header(p, ChatTurn.RoleName(m.Role)).Content(m.Content.Trim()).Template(EotId);
            }
            // The template tests "content is iterable", which a Jinja string is, so tool output goes through tojson.
            else if (m.Role == TurnRole.Tool)
                Header(p, "ipython").Content(AppendPythonJsonString(new StringBuilder(m.Content.Length + 2), m.Content).ToString()).Template(EotId);
            else if (m.HasToolCalls) AppendToolCall(p, m);
            else Header(p, ChatTurn.RoleName(m.Role)).Content(m.Content.Trim()).Template(EotId);
        }
        if (addGenerationPrompt) Header(p, "assistant");
        return p.Build();
    }

    // The template's tools_in_user_message default: the tools go into the first remaining message, whatever its role.
    private static int AppendToolsTurn(PromptBuilder p, IReadOnlyList<ChatTurn> messages, int start, IReadOnlyList<ChatTool> tools)
    {
        if (start >= messages.Count)
            throw new R1SharpException("messages: cannot put tools in the first user message when there's no first user message (Llama-3 template).");
        Header(p, "user").Template("Given the following functions, please respond with a JSON for a function call " +
            "with its proper arguments that best answers the given prompt.\n\n" +
            "Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}.Do not use variables.\n\n");
        foreach (var tool in tools) p.Content(PythonJson.Dumps(tool.Json, indent: 4)).Template("\n\n");
        p.Content(messages[start].Content.Trim()).Template(EotId);
        return start + 1;
    }

    private static PromptBuilder Header(PromptBuilder p, string role) =>
        p.Template(StartHeader).Template(role).Template(EndHeader).Template("\n\n");

    /// <summary>Python <c>json.dumps(s, ensure_ascii=False)</c>, which is what transformers' <c>tojson</c> filter writes.
    /// Example: <c>a"b\n</c> becomes <c>"a\"b\n"</c> (quotes included).</summary>
    internal static StringBuilder AppendPythonJsonString(StringBuilder sb, string s) => PythonJson.AppendString(sb, s);

    private static void AppendToolCall(PromptBuilder p, ChatTurn m)
    {
        if (m.ToolCalls!.Count != 1)
            throw new R1SharpException($"messages: the Llama-3 template renders one tool call per assistant message, got {m.ToolCalls.Count}; split them into separate messages.");
        var call = m.ToolCalls[0];
        Header(p, "assistant").Template("{\"name\": \"").Content(call.Name).Template("\", \"parameters\": ")
            .Content(call.Arguments).Template('}').Template(EotId);
    }
}
