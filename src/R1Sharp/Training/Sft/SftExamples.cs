// Turns dataset rows into SFT examples (prompt text + completion text) the way TRL's SFTTrainer prepares them:
// conversational prompts through the chat template with its generation prompt, completions verbatim + EOS.
using R1Sharp.Text.ChatTemplates;
using R1Sharp.Data;

namespace R1Sharp.Training.Sft;

/// <summary>One training example: the prompt (no loss with completion_only_loss) and the completion to learn.</summary>
/// <param name="Prompt">Text before the completion (may be empty, e.g. a pretraining document).</param>
/// <param name="Completion">Text to learn, ending with the EOS text where the model should stop.</param>
public sealed record SftExample(string Prompt, string Completion);

/// <summary>Training and (optional) held-out examples given in memory to <see cref="SftTrainer.Run"/>.</summary>
public sealed record SftData(IReadOnlyList<SftExample> Train, IReadOnlyList<SftExample>? Eval = null);

/// <summary>Row → example conversions.</summary>
public static class SftExamples
{
    /// <summary>
    /// The last assistant message is the completion; the messages before it, rendered with the generation prompt, the
    /// prompt. When the generation prompt pre-fills "&lt;think&gt;\n" (R1) and the reply starts with it, it is not repeated.
    /// </summary>
    public static SftExample FromConversation(IReadOnlyList<ChatTurn> messages, IChatTemplate template, string where = "messages")
    {
        int last = -1;
        for (int i = messages.Count - 1; i >= 0; i--)
            if (messages[i].Role == TurnRole.Assistant) { last = i; break; }
        if (last < 0) throw new R1SharpException($"{where}: no assistant message to learn; SFT needs a conversation ending with the assistant's reply");
        if (last == 0) throw new R1SharpException($"{where}: the assistant message has no prompt before it");
        string prompt = template.Render(messages.Take(last).ToArray(), addGenerationPrompt: true);
        return new SftExample(prompt, Reply(prompt, messages[last].Content, template.EosToken));
    }

    /// <summary>A TRL prompt/completion pair: strings as they are (EOS appended), message lists through the template.</summary>
    public static SftExample FromPromptCompletion(PromptCompletion pair, IChatTemplate? template, string eosToken)
    {
        string prompt = pair.Prompt.Text ?? (template ?? throw new R1SharpException("prompt_completion: conversational prompts need a chat template"))
            .Render(pair.Prompt.Messages!, addGenerationPrompt: true);
        string completion = pair.Completion.Text ?? string.Concat(pair.Completion.Messages!.Select(m => m.Content));
        return new SftExample(prompt, Reply(prompt, completion, template?.EosToken ?? eosToken));
    }

    /// <summary>A problem: the question as one user turn, the worked solution (else the answer) as the completion.</summary>
    public static SftExample FromProblem(Problem problem, IChatTemplate template)
    {
        string prompt = template.Render([ChatTurn.User(problem.Question)], addGenerationPrompt: true);
        return new SftExample(prompt, Reply(prompt, problem.Solution ?? problem.Answer, template.EosToken));
    }

    /// <summary>A pretraining document: no prompt, the text + EOS as the completion.</summary>
    public static SftExample FromText(string text, string eosToken) => new("", text + eosToken);

    private static string Reply(string prompt, string content, string eos)
    {
        if (prompt.EndsWith("<think>\n", StringComparison.Ordinal) && content.StartsWith("<think>", StringComparison.Ordinal))
            content = content["<think>".Length..].TrimStart('\n');
        return content.EndsWith(eos, StringComparison.Ordinal) ? content : content + eos;
    }
}
