// The R1-Zero training prompt (DeepSeek-R1 paper, Table 1) used for GRPO straight from a base model.
// Reference: R1-METHOD.md §3 (text verbatim, as one line).
namespace R1Sharp.Text.ChatTemplates;

/// <summary>
/// Renders one question into the paper's R1-Zero prompt:
/// <c>A conversation between User and Assistant. … User: {question}. Assistant:</c>. The model is expected to answer
/// <c>&lt;think&gt; … &lt;/think&gt; &lt;answer&gt; … &lt;/answer&gt;</c>; nothing is prefilled.
/// </summary>
/// <remarks>
/// Accepts exactly one user message, optionally followed by one assistant message (rendered right after "Assistant:",
/// verbatim, with no EOS, for scoring or SFT). The paper writes "User: prompt." literally, so a question ending in "?"
/// gives "?." — kept, since that is the prompt the recipe trains on.
/// </remarks>
public sealed class R1ZeroTemplate : IChatTemplate
{
    /// <summary>The instruction text before the question.</summary>
    public const string Preamble =
        "A conversation between User and Assistant. The user asks a question, and the Assistant solves it. " +
        "The assistant first thinks about the reasoning process in the mind and then provides the user with the answer. " +
        "The reasoning process and answer are enclosed within <think> </think> and <answer> </answer> tags, respectively, " +
        "i.e., <think> reasoning process here </think> <answer> answer here </answer>.";

    private readonly string[] _stops;

    /// <param name="eosToken">EOS text of the base model's tokenizer (e.g. "&lt;｜end▁of▁sentence｜&gt;" for DeepSeek-V3-Base,
    /// "&lt;|endoftext|&gt;" for Qwen2.5 base models).</param>
    /// <param name="bosToken">Text put first, for base models whose tokenizer does not add BOS itself; default none.</param>
    public R1ZeroTemplate(string eosToken = DeepSeekR1ChatTemplate.Eos, string bosToken = "")
    {
        EosToken = eosToken;
        BosToken = bosToken;
        _stops = [eosToken];
    }

    /// <summary>Text rendered before the preamble (empty by default).</summary>
    public string BosToken { get; }

    public string Name => "r1-zero";
    public bool PrefillsThinking => false;
    public string EosToken { get; }
    public IReadOnlyList<string> StopStrings => _stops;
    public string? Jinja => null;

    /// <summary>The prompt for one question: <c>{Preamble} User: {question}. Assistant:</c> (no BOS).</summary>
    public static string Prompt(string question) => Preamble + " User: " + question + ". Assistant:";

    public ChatPrompt RenderPrompt(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true)
    {
        ArgumentNullException.ThrowIfNull(messages);
        bool shapeOk = messages.Count is 1 or 2 && messages[0].Role == ChatRole.User &&
                       (messages.Count == 1 || messages[1].Role == ChatRole.Assistant);
        if (!shapeOk)
            throw new R1SharpException("messages: the R1-Zero template takes one user message (optionally followed by " +
                $"one assistant message), got {messages.Count} message(s) starting with {(messages.Count > 0 ? ChatMessage.RoleName(messages[0].Role) : "none")}.");
        var p = new PromptBuilder().Template(BosToken + Preamble + " User: ").Content(messages[0].Content).Template(".");
        if (messages.Count == 2) p.Template(" Assistant:").Content(messages[1].Content);
        else if (addGenerationPrompt) p.Template(" Assistant:");
        return p.Build();
    }
}
