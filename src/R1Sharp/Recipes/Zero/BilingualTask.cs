// The bilingual chain-sum task's split and corpus for `r1 pretrain --task chain-sum-bilingual` and the R1 recipe
// (issue 15): the held-out problems of ZeroTask posed in both languages, and the pretraining documents of either task.
using System.Globalization;
using R1Sharp.Data;
using R1Sharp.Tasks;
using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Recipes.Zero;

/// <summary>Problem sets and documents of the bilingual task; its held-out problems are <see cref="ZeroTask.HeldOut"/>.</summary>
public static class BilingualTask
{
    /// <summary>Directory name of the committed bilingual base (models/chain-sum-bilingual-base, shipped beside r1).</summary>
    public const string BaseName = "chain-sum-bilingual-base";

    /// <summary>
    /// The first <paramref name="count"/> held-out problems, posed in <paramref name="language"/> (null: alternating,
    /// even indexes English, odd Chinese). Ids say the language: heldout-3-zh.
    /// </summary>
    public static IReadOnlyList<Problem> EvalProblems(int count, TaskLanguage? language = null) =>
        [.. ZeroTask.HeldOut.Take(count).Select((p, i) =>
        {
            var l = language ?? (i % 2 == 0 ? TaskLanguage.English : TaskLanguage.Chinese);
            return ZeroTask.ToProblem(BilingualChainSum.Pose(p, l), string.Create(CultureInfo.InvariantCulture, $"heldout-{i}-{Code(l)}"));
        })];

    /// <summary><paramref name="count"/> training problems (none held out), alternating English and Chinese.</summary>
    public static IReadOnlyList<Problem> TrainProblems(int count, ulong seed) =>
        [.. ChainSumTask.Problems(count, seed, ZeroTask.HeldOutQuestions).Select((p, i) =>
        {
            var l = i % 2 == 0 ? TaskLanguage.English : TaskLanguage.Chinese;
            return ZeroTask.ToProblem(BilingualChainSum.Pose(p, l), string.Create(CultureInfo.InvariantCulture, $"train-{i}-{Code(l)}"));
        })];

    /// <summary>
    /// Non-reasoning SFT examples (R1-Zero prompt, target) of <see cref="ChainSumPrompts.Mix"/>: explain the rule,
    /// restate the problem, and refusals of the unsafe class, in both languages; never about a held-out problem.
    /// </summary>
    public static List<(string Prompt, string Completion)> NonReasoningExamples(int count, ulong seed) =>
        [.. ChainSumPrompts.Mix(count, seed, ZeroTask.HeldOutQuestions).Select(p => (R1ZeroTemplate.Prompt(p.Question), p.Target))];

    /// <summary>Preference pairs (prompt, chosen, rejected) of the same prompts: the target over the worse response
    /// (a bare digit instead of the explanation or restatement; a leaked key instead of the refusal).</summary>
    public static List<(string Prompt, string Chosen, string Rejected)> PreferenceTriples(int count, ulong seed) =>
        [.. ChainSumPrompts.Mix(count, seed, ZeroTask.HeldOutQuestions).Select(p => (R1ZeroTemplate.Prompt(p.Question), p.Target, p.Worse))];

    /// <summary>"en" or "zh".</summary>
    public static string Code(TaskLanguage language) => language == TaskLanguage.English ? "en" : "zh";

    /// <summary>The pretraining documents (R1-Zero prompt, completion) of <paramref name="o"/>'s task; held-out problems never appear.</summary>
    public static List<(string Prompt, string Completion)> PretrainDocuments(PretrainOptions o) => o.Task == BilingualChainSum.Name
        ? [.. BilingualChainSum.Corpus(o.CorpusSize, o.Seed,
                o.Bilingual with { WorkedFraction = o.Corpus.WorkedFraction, MistakeRate = o.Corpus.MistakeRate }, ZeroTask.HeldOutQuestions)
            .Select(d => (R1ZeroTemplate.Prompt(d.Problem.Question), d.Completion))]
        : [.. ChainSumTask.Corpus(o.CorpusSize, o.Seed, o.Corpus, ZeroTask.HeldOutQuestions)
            .Select(d => (R1ZeroTemplate.Prompt(d.Problem.Question), d.Completion))];

    /// <summary>What the finished base is evaluated on: English held-out problems, or both languages for the bilingual task.</summary>
    public static IReadOnlyList<Problem> PretrainEvalProblems(PretrainOptions o) =>
        o.Task == BilingualChainSum.Name ? EvalProblems(o.EvalProblems) : ZeroTask.EvalProblems(o.EvalProblems);

    /// <summary>The README sentence describing the bilingual mix (empty for the English task).</summary>
    public static string ReadmeNote(PretrainOptions o) => o.Task != BilingualChainSum.Name ? "" :
        string.Create(CultureInfo.InvariantCulture, $"Bilingual (`{BilingualChainSum.Name}`): {o.Bilingual.ChineseFraction:P0} of the problems are posed in Chinese number words (求 甲 七 加 乙 五 的个位数), and {o.Bilingual.SwitchRate:P0} of the worked solutions switch language {(o.Bilingual.SwitchAfter > 0 ? $"after step {o.Bilingual.SwitchAfter}" : "at a random step")}; held-out problems alternate English and Chinese.\n");
}
