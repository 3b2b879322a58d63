// The DeepSeek-R1 / R1-Distill chat template, rendered exactly as the Hugging Face Jinja template in tokenizer_config.json.
// Reference: SERVING.md §2; deepseek-ai/DeepSeek-R1 tokenizer_config.json; llama.cpp models/templates/deepseek-ai-DeepSeek-R1-Distill-Qwen-32B.jinja.
namespace R1Sharp.Text.ChatTemplates;

/// <summary>Which revision of the DeepSeek template to follow; they differ in small, observable ways.</summary>
public enum DeepSeekR1TemplateVariant
{
    /// <summary>deepseek-ai/DeepSeek-R1: several system messages joined with "\n\n"; tool outputs follow each other
    /// directly; assistant tool calls supported.</summary>
    R1,
    /// <summary>R1-Distill-Qwen/Llama: only the LAST system message is kept; tool outputs after the first are
    /// preceded by "\n". Its tool-call branch never closes a single call, so tool calls are refused.</summary>
    Distill,
}

/// <summary>Options of <see cref="DeepSeekR1ChatTemplate"/>.</summary>
public sealed record DeepSeekR1TemplateOptions
{
    /// <summary>Text of the BOS token (<c>bos_token</c> in tokenizer_config.json).</summary>
    public string BosToken { get; init; } = DeepSeekR1ChatTemplate.Bos;

    /// <summary>Render BOS first, as the template does. Set false when the runtime adds BOS itself
    /// (GGUF runtimes, or tokenizing with add_special_tokens), so the prompt does not carry two.</summary>
    public bool AddBos { get; init; } = true;

    /// <summary>Template revision; default <see cref="DeepSeekR1TemplateVariant.R1"/>.</summary>
    public DeepSeekR1TemplateVariant Variant { get; init; } = DeepSeekR1TemplateVariant.R1;

    /// <summary>End the generation prompt with <c>&lt;think&gt;\n</c> (the templates since 2025-02). False renders the
    /// older <c>&lt;｜Assistant｜&gt;</c>-only prompt.</summary>
    public bool PrefillThinking { get; init; } = true;
}

/// <summary>
/// DeepSeek-R1 chat format: <c>{bos}{system}&lt;｜User｜&gt;q&lt;｜Assistant｜&gt;a&lt;｜end▁of▁sentence｜&gt;…&lt;｜Assistant｜&gt;&lt;think&gt;\n</c>.
/// Content is never trimmed. Earlier assistant turns keep only the text after their last <c>&lt;/think&gt;</c>.
/// <see cref="RenderPrompt(IReadOnlyList{ChatTurn}, bool)"/> marks system, user, assistant and tool content, tool names and arguments as content.
/// </summary>
/// <remarks>
/// Faithful to the template's quirks, on purpose: a user turn right after tool outputs does not close them; the
/// "first tool call" flag is never reset, so a second tool-calling assistant turn renders without
/// <c>&lt;｜Assistant｜&gt;&lt;｜tool▁calls▁begin｜&gt;</c>; tool outputs are never wrapped again after the first group;
/// the assistant turn after tool outputs is not think-stripped; no generation prompt follows trailing tool outputs.
/// </remarks>
public sealed class DeepSeekR1ChatTemplate : IChatTemplate
{
    public const string Bos = "<｜begin▁of▁sentence｜>";
    public const string Eos = "<｜end▁of▁sentence｜>";
    public const string UserTag = "<｜User｜>";
    public const string AssistantTag = "<｜Assistant｜>";
    public const string ToolCallsBegin = "<｜tool▁calls▁begin｜>";
    public const string ToolCallBegin = "<｜tool▁call▁begin｜>";
    public const string ToolSep = "<｜tool▁sep｜>";
    public const string ToolCallEnd = "<｜tool▁call▁end｜>";
    public const string ToolCallsEnd = "<｜tool▁calls▁end｜>";
    public const string ToolOutputsBegin = "<｜tool▁outputs▁begin｜>";
    public const string ToolOutputBegin = "<｜tool▁output▁begin｜>";
    public const string ToolOutputEnd = "<｜tool▁output▁end｜>";
    public const string ToolOutputsEnd = "<｜tool▁outputs▁end｜>";
    /// <summary>The generation prompt of the current templates.</summary>
    public const string GenerationPrompt = AssistantTag + "<think>\n";

    private static readonly string[] Stops = [Eos];

    /// <summary>Creates the template; <paramref name="jinja"/> is the source it was recognised from, if any.</summary>
    public DeepSeekR1ChatTemplate(DeepSeekR1TemplateOptions? options = null, string? jinja = null)
    {
        Options = options ?? new DeepSeekR1TemplateOptions();
        Jinja = jinja;
    }

    /// <summary>The options in effect.</summary>
    public DeepSeekR1TemplateOptions Options { get; }

    public string Name => "deepseek-r1";
    public bool PrefillsThinking => Options.PrefillThinking;
    public string EosToken => Eos;
    public IReadOnlyList<string> StopStrings => Stops;
    public string? Jinja { get; }

    public ToolCallFormat? ToolFormat => ToolCallFormat.DeepSeekR1;

    /// <summary>The DeepSeek-R1 templates never print the tools list (neither revision reads <c>tools</c>), so the prompt is
    /// the same with or without tools; calls in the answer are still parsed (<see cref="ToolFormat"/>).</summary>
    public ChatPrompt RenderPrompt(IReadOnlyList<ChatTurn> messages, IReadOnlyList<ChatTool>? tools, bool addGenerationPrompt = true) =>
        RenderPrompt(messages, addGenerationPrompt);

    public ChatPrompt RenderPrompt(IReadOnlyList<ChatTurn> messages, bool addGenerationPrompt = true)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var p = new PromptBuilder();
        if (Options.AddBos) p.Template(Options.BosToken);
        AppendSystemPrompt(p, messages);

        bool isTool = false, isFirstCall = false, isOutputFirst = true;
        string outputSeparator = Options.Variant == DeepSeekR1TemplateVariant.Distill ? "\n" : "";
        foreach (var m in messages)
        {
            switch (m.Role)
            {
                case TurnRole.User:
                    isTool = false;
                    p.Template(UserTag).Content(m.Content);
                    break;
                case TurnRole.Assistant when m.HasToolCalls:
                    if (Options.Variant == DeepSeekR1TemplateVariant.Distill)
                        throw new R1SharpException("chat_template: the R1-Distill template cannot render assistant tool calls " +
                            "(its tool-call branch never closes a single call); send the calls as plain assistant text.");
                    isTool = false;
                    AppendToolCalls(p, m, ref isFirstCall);
                    break;
                case TurnRole.Assistant when isTool:
                    p.Template(ToolOutputsEnd).Content(m.Content).Template(Eos);
                    isTool = false;
                    break;
                case TurnRole.Assistant:
                    p.Template(AssistantTag).Content(AfterLastThinkClose(m.Content)).Template(Eos);
                    break;
                case TurnRole.Tool:
                    isTool = true;
                    if (isOutputFirst) { p.Template(ToolOutputsBegin); isOutputFirst = false; }
                    else p.Template(outputSeparator);
                    p.Template(ToolOutputBegin).Content(m.Content).Template(ToolOutputEnd);
                    break;
            }
        }
        if (isTool) p.Template(ToolOutputsEnd);
        else if (addGenerationPrompt) p.Template(Options.PrefillThinking ? GenerationPrompt : AssistantTag);
        return p.Build();
    }

    private void AppendSystemPrompt(PromptBuilder p, IReadOnlyList<ChatTurn> messages)
    {
        if (Options.Variant == DeepSeekR1TemplateVariant.Distill)
        {
            for (int i = messages.Count - 1; i >= 0; i--)
                if (messages[i].Role == TurnRole.System) { p.Content(messages[i].Content); return; }
            return;
        }
        bool first = true;
        foreach (var m in messages)
        {
            if (m.Role != TurnRole.System) continue;
            if (!first) p.Template("\n\n");
            p.Content(m.Content);
            first = false;
        }
    }

    private static void AppendToolCalls(PromptBuilder p, ChatTurn m, ref bool isFirstCall)
    {
        foreach (var call in m.ToolCalls!)
        {
            if (!isFirstCall)
            {
                p.Template(AssistantTag).Content(m.Content).Template(ToolCallsBegin);
                isFirstCall = true;
            }
            else p.Template('\n');
            p.Template(ToolCallBegin).Template(call.Type).Template(ToolSep).Content(call.Name)
             .Template("\n```json\n").Content(call.Arguments).Template("\n```").Template(ToolCallEnd);
        }
        p.Template(ToolCallsEnd).Template(Eos);
    }

    /// <summary>Jinja's <c>content.split('&lt;/think&gt;')[-1]</c>: the text after the last closing tag, or all of it.</summary>
    public static string AfterLastThinkClose(string content)
    {
        int k = content.LastIndexOf("</think>", StringComparison.Ordinal);
        return k < 0 ? content : content[(k + "</think>".Length)..];
    }
}
