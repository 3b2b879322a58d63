// The prompts GRPO samples from: questions rendered by the R1-Zero template (R1 paper Table 1) or the model's chat
// template, tokenized and left-truncated to max_prompt_length (TRL's old truncation side), with their gold answers.
using R1Sharp.Text;
using R1Sharp.Text.ChatTemplates;
using R1Sharp.Data;
using R1Sharp.Rewards;
using R1Sharp.Tasks;

namespace R1Sharp.Training.Grpo;

/// <summary>One prompt ready for rollouts.</summary>
/// <param name="Text">The rendered prompt (given to reward functions and written to completions.jsonl).</param>
/// <param name="Ids">Its token ids, at most max_prompt_length (the end is kept).</param>
/// <param name="Gold">The reference answer, or null.</param>
/// <param name="StartsInThinking">True when the prompt ends inside &lt;think&gt; (R1 chat prefill).</param>
public sealed record GrpoPrompt(string Text, IReadOnlyList<int> Ids, string? Gold, bool StartsInThinking = false);

/// <summary>Builds <see cref="GrpoPrompt"/>s from questions, datasets and built-in tasks.</summary>
public static class GrpoPrompts
{
    /// <summary>The reward functions' view of a chat_template name: r1-zero, or a chat template (R1 chat completions).</summary>
    public static CompletionTemplate CompletionTemplateOf(string template) =>
        template == "r1-zero" ? CompletionTemplate.R1Zero : CompletionTemplate.R1Chat;

    /// <summary>
    /// Renders each (question, gold) with <paramref name="template"/> and tokenizes it (the tokenizer adds BOS when its
    /// config says so; the template then must not render it). Keeps the last <paramref name="maxPromptLength"/> ids.
    /// </summary>
    public static IReadOnlyList<GrpoPrompt> Render(IEnumerable<(string Question, string? Gold)> problems, IChatTemplate template,
        HfTokenizer tokenizer, int maxPromptLength)
    {
        var result = new List<GrpoPrompt>();
        foreach (var (question, gold) in problems)
        {
            string text = template.Render([new ChatTurn(TurnRole.User, question)], addGenerationPrompt: true);
            int[] ids = tokenizer.Encode(text);
            if (ids.Length > maxPromptLength) ids = ids[^maxPromptLength..];
            result.Add(new GrpoPrompt(text, ids, gold, template.PrefillsThinking));
        }
        return result;
    }

    /// <summary>
    /// The prompts a config names: <c>dataset_path</c> (question/answer columns) or <c>task</c> (chain-sum, task_size
    /// problems seeded with seed), rendered with <c>chat_template</c> (r1-zero, or auto = the model directory's template, or a named one).
    /// </summary>
    public static IReadOnlyList<GrpoPrompt> FromConfig(GrpoConfig config, HfTokenizer tokenizer, string? modelDirectory)
    {
        IEnumerable<(string, string?)> problems;
        if (config.DatasetPath is { } path)
            problems = DatasetLoader.LoadProblems(path).Select(p => (p.Question, (string?)p.Answer));
        else if (config.Task == ChainSumTask.Name)
            problems = ChainSumTask.Problems(config.TaskSize, (ulong)config.Seed).Select(p => (p.Question, (string?)p.Answer));
        else
            throw new R1SharpException("GRPO config: no prompts; set dataset_path to a problem file or task to chain-sum");
        var template = TemplateFor(config.Template, tokenizer, modelDirectory);
        var prompts = Render(problems, template, tokenizer, config.MaxPromptLength);
        if (prompts.Count == 0)
            throw new R1SharpException($"{config.DatasetPath ?? config.Task}: no problems to train on; check the dataset");
        return prompts;
    }

    /// <summary>The template a config's <c>chat_template</c> key names.</summary>
    public static IChatTemplate TemplateFor(string name, HfTokenizer tokenizer, string? modelDirectory)
    {
        string eos = tokenizer.EosId is int e ? tokenizer.Decode([e]) : DeepSeekR1ChatTemplate.Eos;
        return name switch
        {
            "r1-zero" => new R1ZeroTemplate(eos),
            "auto" => modelDirectory is not null
                ? ChatTemplate.FromModelDirectory(modelDirectory, runtimeAddsBos: true)
                : new DeepSeekR1ChatTemplate(new DeepSeekR1TemplateOptions { AddBos = false }),
            _ when modelDirectory is not null && ChatTemplate.Names.Contains(name) => ChatTemplate.ForModel(modelDirectory, name, runtimeAddsBos: true),
            _ => throw new R1SharpException($"GRPO config: chat_template '{name}' is unknown; use r1-zero or auto"),
        };
    }
}
