// The fixed split of the built-in chain-sum task shared by `r1 pretrain` and `r1 zero`: held-out evaluation problems
// (never in the pretraining corpus) and the GRPO training problems.
using R1Sharp.Text.ChatTemplates;
using R1Sharp.Data;
using R1Sharp.Tasks;

namespace R1Sharp.Recipes.Zero;

/// <summary>Problem sets of the R1-Zero demo; both commands must agree on them, so they live here.</summary>
public static class ZeroTask
{
    /// <summary>EOS (and pad) token of the tokenizers `r1 pretrain` trains.</summary>
    public const string Eos = "<|endoftext|>";

    /// <summary>Completion budget (tokens) of rollouts and evaluation: an 8-term worked solution takes ~75.</summary>
    public const int MaxCompletionTokens = 96;

    /// <summary>Seed of the held-out problems (fixed: changing it would leak evaluation problems into old corpora).</summary>
    public const ulong HeldOutSeed = 0x5EED_E7A1UL;

    /// <summary>How many held-out problems exist (evaluation uses a prefix of them).</summary>
    public const int HeldOutCount = 300;

    /// <summary>The held-out problems, in a fixed order.</summary>
    public static IReadOnlyList<TaskProblem> HeldOut { get; } = ChainSumTask.Problems(HeldOutCount, HeldOutSeed);

    /// <summary>The held-out questions, for <see cref="ChainSumTask.Corpus"/>'s and <see cref="ChainSumTask.Problems"/>' exclude.</summary>
    public static IReadOnlySet<string> HeldOutQuestions { get; } = HeldOut.Select(p => p.Question).ToHashSet(StringComparer.Ordinal);

    /// <summary>The R1-Zero template with this task's EOS.</summary>
    public static R1ZeroTemplate Template { get; } = new(Eos);

    /// <summary>The first <paramref name="count"/> held-out problems as evaluation problems.</summary>
    public static IReadOnlyList<Problem> EvalProblems(int count) =>
        [.. HeldOut.Take(count).Select((p, i) => ToProblem(p, $"heldout-{i}"))];

    /// <summary><paramref name="count"/> training problems (disjoint from the held-out set) drawn with <paramref name="seed"/>.</summary>
    public static IReadOnlyList<Problem> TrainProblems(int count, ulong seed) =>
        [.. ChainSumTask.Problems(count, seed, HeldOutQuestions).Select((p, i) => ToProblem(p, $"train-{i}"))];

    /// <summary>A task problem as a dataset <see cref="Problem"/>.</summary>
    public static Problem ToProblem(TaskProblem p, string id) => new(id, p.Question, p.Answer, null, ChainSumTask.Name);
}
