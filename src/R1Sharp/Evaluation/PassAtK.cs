// Evaluation metrics of the R1 protocol (R1-METHOD.md §5): pass@k by the unbiased estimator of Chen et al. 2021
// ("Evaluating Large Language Models Trained on Code", eq. 1), pass@1 as mean correctness, cons@k by majority vote.
using R1Sharp.Rewards;

namespace R1Sharp.Evaluation;

/// <summary>Pure functions over per-sample correctness and answers; no model involved.</summary>
public static class PassAtK
{
    /// <summary>
    /// Unbiased pass@k from n samples of which c are correct: 1 − C(n−c, k)/C(n, k), computed as the product
    /// 1 − Π_{i=n−c+1..n} (1 − k/i) so that large n never overflows. Example: n = 4, c = 2, k = 2 gives
    /// 1 − C(2,2)/C(4,2) = 1 − 1/6 = 5/6.
    /// </summary>
    public static double Estimate(int n, int c, int k)
    {
        if (n < 1 || c < 0 || c > n || k < 1 || k > n)
            throw new ArgumentOutOfRangeException(nameof(k), $"pass@k needs 1 <= k <= n and 0 <= c <= n, got n={n} c={c} k={k}");
        if (n - c < k) return 1.0; // every k-subset holds a correct sample
        double allWrong = 1.0;
        for (int i = n - c + 1; i <= n; i++) allWrong *= 1.0 - (double)k / i;
        return 1.0 - allWrong;
    }

    /// <summary>pass@1 of one problem: the fraction of its samples that are correct (0 when there are none).</summary>
    public static double PassAt1(ReadOnlySpan<bool> correct)
    {
        if (correct.IsEmpty) return 0;
        int c = 0;
        foreach (bool ok in correct) if (ok) c++;
        return (double)c / correct.Length;
    }

    /// <summary>
    /// The majority answer of a problem's samples (cons@k). Answers are compared by their normal form
    /// (<see cref="MathAnswer.TryParse"/>: numbers as exact rationals, so "24" and "24.0" vote together); samples
    /// with no answer do not vote. Ties go to the answer that reached the winning count first in sample order,
    /// so the result is deterministic and does not depend on the gold. Returns the index of the sample at which the
    /// winner reached its final count (a sample holding it), or −1 when no sample gave an answer.
    /// </summary>
    public static int MajorityIndex(IReadOnlyList<string?> answers)
    {
        ArgumentNullException.ThrowIfNull(answers);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        int best = -1, bestCount = 0;
        for (int i = 0; i < answers.Count; i++)
        {
            if (VoteKey(answers[i]) is not { } key) continue;
            int count = counts.TryGetValue(key, out int seen) ? seen + 1 : 1;
            counts[key] = count;
            if (count > bestCount) { bestCount = count; best = i; }
        }
        return best;
    }

    /// <summary>cons@k of one problem: whether the majority answer (<see cref="MajorityIndex"/>) is correct.</summary>
    public static bool Consensus(IReadOnlyList<string?> answers, IReadOnlyList<bool> correct)
    {
        int winner = MajorityIndex(answers);
        return winner >= 0 && correct[winner];
    }

    /// <summary>Mean of <paramref name="values"/>; 0 for none.</summary>
    public static double Mean(IEnumerable<double> values)
    {
        double sum = 0;
        int n = 0;
        foreach (double v in values) { sum += v; n++; }
        return n == 0 ? 0 : sum / n;
    }

    // The vote key: exact rational for numbers, else the normalised text; null when nothing is left.
    private static string? VoteKey(string? answer) => MathAnswer.TryParse(answer) is { } v
        ? (v.Number is { } r ? "n:" + r.ToString() : "t:" + v.Text)
        : null;
}
