// How every stage of the R1 recipe measures its model, the same way each time: the held-out reasoning problems (pass@1,
// cons@k, mean length, language consistency, readability-filter pass rate) and held-out non-reasoning prompts (share
// of unsafe prompts refused without a leak; their answers are kept for the reward model's helpfulness score).
using System.Text.Json;
using R1Sharp.Data;
using R1Sharp.Evaluation;
using R1Sharp.Generation;
using R1Sharp.Recipes.Distillation;
using R1Sharp.Recipes.Zero;
using R1Sharp.Rewards;
using R1Sharp.Tasks;

namespace R1Sharp.Recipes.R1;

/// <summary>One non-reasoning answer of an evaluation: its kind, prompt (templated) and completion.</summary>
public sealed record NonReasoningAnswer(string Kind, string Prompt, string Completion);

/// <summary>A stage model's evaluation (see file header).</summary>
public sealed record StageEvaluation(EvalResult Reasoning, double ReadablePass, IReadOnlyList<NonReasoningAnswer> NonReasoning, double HarmlessRate)
{
    /// <summary>The metrics a stage reports: pass1, cons, language_consistency, mean_length, readable, harmless.</summary>
    public Dictionary<string, double?> Metrics(string prefix = "") => new()
    {
        [prefix + "pass1"] = Reasoning.Summary.PassAt1, [prefix + "cons"] = Reasoning.Summary.ConsAtK,
        [prefix + "language_consistency"] = Reasoning.Summary.LanguageConsistency, [prefix + "mean_length"] = Reasoning.Summary.MeanLength,
        [prefix + "readable"] = ReadablePass, [prefix + "harmless"] = HarmlessRate,
    };
}

/// <summary>Evaluates a model for the recipe and writes eval_NAME.jsonl and eval_NAME_nonreasoning.jsonl.</summary>
public static class R1StageEval
{
    /// <summary>File of the non-reasoning answers of evaluation <paramref name="name"/> in a stage directory.</summary>
    public static string NonReasoningFile(string directory, string name) => Path.Combine(directory, $"eval_{name}_nonreasoning.jsonl");

    /// <summary>
    /// The readability filters of the recipe in the question's language: R1-Zero form, an answer, a single-language
    /// chain of thought (every word in the question's language), no long paragraph, code block or heavy repetition.
    /// </summary>
    public static TraceFilterOptions Filters(string question) => new()
    {
        Template = CompletionTemplate.R1Zero, MinLanguageShare = 1.0,
        Language = BilingualChainSum.LanguageOf(question) == TaskLanguage.Chinese ? ReasoningLanguage.Chinese : ReasoningLanguage.English,
    };

    /// <summary>The verdicts of one completion against the recipe's filters (<see cref="Filters"/>).</summary>
    public static IReadOnlyList<TraceVerdict> Judge(string question, string completion, string gold) =>
        TraceFilters.Judge(completion, MathAnswer.AfterThinking(completion), gold, Filters(question));

    /// <summary>True when every filter but correctness passes: the trace is readable, right or wrong.
    /// Example: " &lt;think&gt; a7 + b5 = 2 , 二 加 丙 九 得 一 &lt;/think&gt; &lt;answer&gt; 1 &lt;/answer&gt;" to an English question is not.</summary>
    public static bool Readable(string question, string completion, string gold) =>
        Judge(question, completion, gold).All(v => v.Passed || v.Check == TraceFilters.Correct);

    /// <summary>
    /// Evaluates with <paramref name="generator"/>: the held-out problems (k samples each) and the held-out non-reasoning
    /// prompts (one sample each); writes both files as <paramref name="name"/> into <paramref name="directory"/>.
    /// </summary>
    public static StageEvaluation Run(TextGenerator generator, R1RecipeOptions options, string directory, string name, CancellationToken ct)
    {
        var sampling = new EvalOptions { K = options.EvalK, MaxNewTokens = options.MaxCompletionTokens, Seed = (ulong)options.Seed };
        var reasoning = Evaluator.Run(generator, R1Recipe.EvalProblems(options), ZeroTask.Template, sampling, ct);
        ct.ThrowIfCancellationRequested();
        var prompts = R1Recipe.NonReasoningPrompts(options.EvalNonReasoning, R1Recipe.NonReasoningEvalSeed, options.Language);
        var asked = prompts.Select((p, i) => new Problem($"nonreasoning-{i}", p.Question, "0", null, ChainSumTask.Name)).ToList();
        var answered = Evaluator.Run(generator, asked, ZeroTask.Template, sampling with { K = 1 }, ct);
        ct.ThrowIfCancellationRequested();
        var answers = prompts.Select((p, i) => new NonReasoningAnswer(p.Kind.ToString(), R1Recipe.PromptOf(p.Question), answered.Records[i].Completions[0])).ToList();
        var result = Summarize(reasoning, answers);
        File.WriteAllLines(Path.Combine(directory, $"eval_{name}.jsonl"), reasoning.Records.Select(r => ZeroText.ToJsonLine(r)));
        File.WriteAllLines(NonReasoningFile(directory, name), answers.Select(a => ZeroText.ToJsonLine(a)));
        return result;
    }

    /// <summary>The evaluation's rates: readable share of all reasoning samples, refused share of the unsafe answers
    /// (NaN when there are none).</summary>
    public static StageEvaluation Summarize(EvalResult reasoning, IReadOnlyList<NonReasoningAnswer> answers)
    {
        int samples = 0, readable = 0;
        foreach (var r in reasoning.Records)
            foreach (var c in r.Completions)
            {
                samples++;
                if (Readable(r.Question, c, r.Gold)) readable++;
            }
        var unsafeScores = answers.Where(a => a.Kind == nameof(PromptKind.Unsafe))
            .Select(a => RewardFunctions.Harmlessness(a.Prompt, a.Completion) ?? 0).ToArray();
        return new StageEvaluation(reasoning, samples == 0 ? double.NaN : readable / (double)samples, answers,
            unsafeScores.Length == 0 ? double.NaN : unsafeScores.Count(s => s >= 1) / (double)unsafeScores.Length);
    }

    /// <summary>The non-reasoning answers an evaluation wrote (empty when the file is missing).</summary>
    public static IReadOnlyList<NonReasoningAnswer> ReadNonReasoning(string directory, string name)
    {
        string path = NonReasoningFile(directory, name);
        if (!File.Exists(path)) return [];
        return [.. File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<NonReasoningAnswer>(l, ZeroText.Json)!)];
    }
}
