// The built-in reasoning task of `r1 pretrain` / `r1 zero`: the last digit of a sum of labelled one-digit terms.
// Designed so that thinking pays (R1-METHOD.md §4: R1-Zero learns to reason because reasoning earns reward): each
// step of a worked solution is a one-digit table lookup ((total + term) mod 10) plus a copy of the next term, which
// its letter label makes an induction-head lookup; a direct answer must compose every lookup in one forward pass,
// which a small model cannot do for long chains (the sum mod 10 is as hard to learn directly as parity).
using System.Globalization;
using System.Text;
using R1Sharp.Generation;
using R1Sharp.Numerics;

namespace R1Sharp.Tasks;

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
/// "Last digit of a7 + b5 + c9 + d3" with <see cref="MinTerms"/> to <see cref="MaxTerms"/> terms from 1 to 9,
/// labelled a, b, c, … . Worked solutions keep a running last digit, restating each term with its label:
/// <c>&lt;think&gt; a7 + b5 = 2 , 2 + c9 = 1 , 1 + d3 = 4 &lt;/think&gt; &lt;answer&gt; 4 &lt;/answer&gt;</c>;
/// direct ones leave the thinking empty: <c>&lt;think&gt; &lt;/think&gt; &lt;answer&gt; 4 &lt;/answer&gt;</c>.
/// Completions are in the R1-Zero format (R1-METHOD.md §3) and follow the prompt's "Assistant:".
/// </summary>
public static class ChainSumTask
{
    public const string Name = "chain-sum";
    public const int MinTerms = 3;
    public const int MaxTerms = 8;
    private const string Prefix = "Last digit of ";

    /// <summary><paramref name="count"/> distinct problems drawn with <paramref name="seed"/>, terms uniform in [MinTerms, MaxTerms].</summary>
    public static IReadOnlyList<TaskProblem> Problems(int count, ulong seed, IReadOnlySet<string>? exclude = null)
    {
        var rng = new Xoshiro256(seed);
        var problems = new List<TaskProblem>(count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (problems.Count < count)
        {
            var problem = Draw(ref rng);
            if (exclude?.Contains(problem.Question) == true || !seen.Add(problem.Question)) continue;
            problems.Add(problem);
        }
        return problems;
    }

    private static TaskProblem Draw(ref Xoshiro256 rng)
    {
        int terms = MinTerms + (int)(rng.NextUInt64() % (MaxTerms - MinTerms + 1));
        var values = new int[terms];
        for (int i = 0; i < terms; i++) values[i] = 1 + (int)(rng.NextUInt64() % 9);
        return Make(values);
    }

    private static char Label(int i) => (char)('a' + i);

    /// <summary>The problem for the given terms (at most 26).</summary>
    public static TaskProblem Make(IReadOnlyList<int> values)
    {
        var sb = new StringBuilder(Prefix);
        for (int i = 0; i < values.Count; i++)
        {
            if (i > 0) sb.Append(" + ");
            sb.Append(Label(i)).Append((char)('0' + values[i]));
        }
        return new(sb.ToString(), (values.Sum() % 10).ToString(CultureInfo.InvariantCulture), values.Count);
    }

    /// <summary>The terms of a question made by <see cref="Make"/>.</summary>
    public static int[] Terms(TaskProblem p) =>
        p.Question[Prefix.Length..].Split(" + ").Select(s => int.Parse(s.AsSpan(1), CultureInfo.InvariantCulture)).ToArray();

    /// <summary>A direct answer: empty thinking, then the answer.</summary>
    public static string DirectCompletion(TaskProblem p) => $" <think> </think> <answer> {p.Answer} </answer>";

    /// <summary>
    /// A step-by-step solution. With <paramref name="mistakeAt"/> ≥ 0, that step's digit is off by
    /// <paramref name="error"/> (mod 10) and the chain (and the answer) continues from it, as a careless solver's would.
    /// </summary>
    public static string WorkedCompletion(TaskProblem p, int mistakeAt = -1, int error = 1)
    {
        var terms = Terms(p);
        var sb = new StringBuilder(" <think>");
        int total = terms[0];
        for (int i = 1; i < terms.Length; i++)
        {
            int next = ((total + terms[i] + (i - 1 == mistakeAt ? error : 0)) % 10 + 10) % 10;
            string left = i == 1 ? $"{Label(0)}{terms[0]}" : total.ToString(CultureInfo.InvariantCulture);
            sb.Append(CultureInfo.InvariantCulture, $" {left} + {Label(i)}{terms[i]} = {next}");
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
        // Problems may repeat in the corpus (short chains have few variants); only held-out ones are kept out.
        var problemRng = new Xoshiro256(seed);
        for (int produced = 0; produced < count;)
        {
            var p = Draw(ref problemRng);
            if (exclude?.Contains(p.Question) == true) continue;
            produced++;
            if (rng.NextDouble() >= options.WorkedFraction) { yield return (p, DirectCompletion(p)); continue; }
            bool mistake = rng.NextDouble() < options.MistakeRate;
            int at = mistake ? (int)(rng.NextUInt64() % (ulong)(p.Terms - 1)) : -1;
            int error = 1 + (int)(rng.NextUInt64() % 9);
            yield return (p, WorkedCompletion(p, at, error));
        }
    }
}
