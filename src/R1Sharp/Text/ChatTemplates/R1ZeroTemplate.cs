// The R1-Zero training prompt (DeepSeek-R1 paper, Table 1) used for GRPO straight from a base model.
// Reference: R1-METHOD.md §3 (text verbatim, as one line).
namespace R1Sharp.Text.ChatTemplates;

/// <summary>
/// Renders one question into the paper's R1-Zero prompt:
/// <c>A conversation between User and Assistant. … User: {question}. Assistant:</c>. The model is expected to answer
/// <c>&lt;think&gt; … &lt;/think&gt; &lt;answer&gt; … &lt;/answer&gt;</c>; nothing is prefilled.
/// </summary>
/// <remarks>
/// <para>One question: one user message, optionally followed by one assistant message (rendered right after "Assistant:",
/// verbatim, with no EOS, for scoring or SFT). The paper writes "User: prompt." literally, so a question ending in "?"
/// gives "?." — kept, since that is the prompt the recipe trains on.</para>
/// <para>A conversation (user, assistant, user, …) folds its earlier turns into the same one-line prompt, each answered
/// turn as <c>User: {question}. Assistant: {answer}</c> with the answer's thinking dropped (as R1's own template drops
/// earlier thinking): <c>{Preamble} User: q1. Assistant: &lt;answer&gt; 5 &lt;/answer&gt; User: q2. Assistant:</c>.
/// The recipe never trains on this shape, so later answers rest on the model's reading of a longer prompt; it lets
/// `r1 chat` and the chat page hold a conversation with an R1-Zero checkpoint. There is no system message.</para>
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

    public ChatPrompt RenderPrompt(IReadOnlyList<ChatTurn> messages, bool addGenerationPrompt = true)
    {
        ArgumentNullException.ThrowIfNull(messages);
        for (int i = 0; i < messages.Count; i++)
            if (messages[i].Role != (i % 2 == 0 ? TurnRole.User : TurnRole.Assistant))
                throw new R1SharpException("messages: the R1-Zero template takes user and assistant messages in turn, starting with a user " +
                    $"message (it has no system message); message {i} is {ChatTurn.RoleName(messages[i].Role)}.");
        if (messages.Count == 0) throw new R1SharpException("messages: the R1-Zero template needs a user message, got none.");
        var p = new PromptBuilder().Template(BosToken + Preamble);
        for (int i = 0; i < messages.Count; i += 2)
        {
            p.Template(" User: ").Content(messages[i].Content).Template(".");
            if (i + 1 == messages.Count - 1) p.Template(" Assistant:").Content(messages[i + 1].Content); // the completion, verbatim
            else if (i + 1 < messages.Count) p.Template(" Assistant: ").Content(Answer(messages[i + 1].Content)); // an earlier turn, folded
        }
        if (messages.Count % 2 == 1 && addGenerationPrompt) p.Template(" Assistant:");
        return p.Build();
    }

    /// <summary>An earlier assistant turn as folded into the prompt: the text after its thinking, trimmed.</summary>
    internal static string Answer(string content)
    {
        int end = content.LastIndexOf("</think>", StringComparison.Ordinal);
        return (end < 0 ? content : content[(end + "</think>".Length)..]).Trim();
    }
}
