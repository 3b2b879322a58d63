// The built-in reasoning task of `r1 pretrain` / `r1 zero`: sums of a chain of one-digit numbers.
// Designed so that thinking pays (R1-METHOD.md §4: R1-Zero learns to reason because reasoning earns reward):
// a tiny model can add a one-digit number to a running total in one step, but cannot add five numbers at
// once, so step-by-step solutions are right far more often than direct answers on the longer chains.
using System.Globalization;
using System.Text;
using R1Sharp.Generation;

namespace R1Sharp.Training.Tasks;

/// <summary>A problem of a built-in task: the question, its gold answer and its difficulty (number of terms).</summary>
public sealed record TaskProblem(string Question, string Answer, int Terms);

/// <summary>How the pretraining corpus of <see cref="ChainSumTask"/> is mixed.</summary>
public sealed record ChainSumCorpusOptions
{
    /// <summary>Share of documents with a worked, step-by-step solution; the rest answer directly.</summary>
    public double WorkedFraction { get; init; } = 0.35;
    /// <summary>Share of worked solutions with one wrong step (the final answer follows the mistake).</summary>
    public double MistakeRate { get; init; } = 0.1;
}

/// <summary>
/// "Compute 7 + 5 + 9 + 3" with 2 to <see cref="MaxTerms"/> terms from 1 to 9. Worked solutions think
/// <c>&lt;think&gt; 7 + 5 = 12 , 12 + 9 = 21 , 21 + 3 = 24 &lt;/think&gt; &lt;answer&gt; 24 &lt;/answer&gt;</c>;
/// direct ones leave the thinking empty: <c>&lt;think&gt; &lt;/think&gt; &lt;answer&gt; 24 &lt;/answer&gt;</c>.
/// Completions are in the R1-Zero format (R1-METHOD.md §3) and follow the prompt's "Assistant:".
/// </summary>
public static class ChainSumTask
{
    public const string Name = "chain-sum";
    public const int MinTerms = 2;
    public const int MaxTerms = 6;

    /// <summary><paramref name="count"/> problems drawn with <paramref name="seed"/>, terms uniform in [MinTerms, MaxTerms].</summary>
    public static IReadOnlyList<TaskProblem> Problems(int count, ulong seed, IReadOnlySet<string>? exclude = null)
    {
        var rng = new Xoshiro256(seed);
        var problems = new List<TaskProblem>(count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (problems.Count < count)
        {
            int terms = MinTerms + (int)(rng.NextUInt64() % (MaxTerms - MinTerms + 1));
            var values = new int[terms];
            for (int i = 0; i < terms; i++) values[i] = 1 + (int)(rng.NextUInt64() % 9);
            var problem = Make(values);
            if (exclude?.Contains(problem.Question) == true || !seen.Add(problem.Question)) continue;
            problems.Add(problem);
        }
        return problems;
    }

    /// <summary>The problem for the given terms.</summary>
    public static TaskProblem Make(IReadOnlyList<int> values) =>
        new("Compute " + string.Join(" + ", values), values.Sum().ToString(CultureInfo.InvariantCulture), values.Count);

    /// <summary>The terms of a question made by <see cref="Make"/>.</summary>
    public static int[] Terms(TaskProblem p) =>
        p.Question["Compute ".Length..].Split(" + ").Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();

    /// <summary>A direct answer: empty thinking, then the answer.</summary>
    public static string DirectCompletion(TaskProblem p) => $" <think> </think> <answer> {p.Answer} </answer>";

    /// <summary>
    /// A step-by-step solution. With <paramref name="mistakeAt"/> ≥ 0, that step's sum is off by ±1..2 and the
    /// chain (and the answer) continues from the wrong total, as a careless solver's would.
    /// </summary>
    public static string WorkedCompletion(TaskProblem p, int mistakeAt = -1, int error = 1)
    {
        var terms = Terms(p);
        var sb = new StringBuilder(" <think>");
        int total = terms[0];
        for (int i = 1; i < terms.Length; i++)
        {
            int next = total + terms[i] + (i - 1 == mistakeAt ? error : 0);
            sb.Append(CultureInfo.InvariantCulture, $" {total} + {terms[i]} = {next}");
            if (i < terms.Length - 1) sb.Append(" ,");
            total = next;
        }
        sb.Append(CultureInfo.InvariantCulture, $" </think> <answer> {total} </answer>");
        return sb.ToString();
    }

    /// <summary>
    /// Pretraining documents: R1-Zero prompt + completion, mixing worked and direct solutions per
    /// <paramref name="options"/>. Problems in <paramref name="exclude"/> (the held-out set) never appear.
    /// </summary>
    public static IEnumerable<(TaskProblem Problem, string Completion)> Corpus(int count, ulong seed,
        ChainSumCorpusOptions options, IReadOnlySet<string>? exclude = null)
    {
        var rng = new Xoshiro256(seed ^ 0x9E3779B97F4A7C15UL);
        // Problems may repeat in the corpus (the space is small); only held-out ones are kept out.
        var problemRng = new Xoshiro256(seed);
        for (int produced = 0; produced < count;)
        {
            int terms = MinTerms + (int)(problemRng.NextUInt64() % (MaxTerms - MinTerms + 1));
            var values = new int[terms];
            for (int i = 0; i < terms; i++) values[i] = 1 + (int)(problemRng.NextUInt64() % 9);
            var p = Make(values);
            if (exclude?.Contains(p.Question) == true) continue;
            produced++;
            if (rng.NextDouble() >= options.WorkedFraction) { yield return (p, DirectCompletion(p)); continue; }
            bool mistake = rng.NextDouble() < options.MistakeRate;
            int at = mistake ? (int)(rng.NextUInt64() % (ulong)(terms - 1)) : -1;
            int error = (rng.NextUInt64() % 2 == 0 ? 1 : -1) * (1 + (int)(rng.NextUInt64() % 2));
            yield return (p, WorkedCompletion(p, at, error));
        }
    }
}
