// GDPO's multi-reward advantages (Group reward-Decoupled normalization, arXiv 2601.05242; TRL
// multi_objective_aggregation="normalize_then_sum" in _generate_and_score_completions): normalise each reward function
// within its group before the weighted sum, so a reward with a small spread is not drowned by one with a large spread.
namespace R1Sharp.Training.Grpo;

public static partial class GrpoAdvantages
{
    /// <summary>
    /// A_i from several reward functions: for each function k and group, r̂_k = (r_k − mean_k) / (std_k + 1e-4) (nan-aware,
    /// unbiased std; a group of one has std 0); s_i = Σ_k w_k·r̂_k (a missing score adds 0; a completion no function
    /// scored is NaN); A = (s − mean(s)) / (std(s) + 1e-4) over the whole batch; NaN advantages become 0. Layout as
    /// <see cref="Compute(ReadOnlySpan{double}, int, ScaleRewards, out AdvantageStats)"/>.
    /// </summary>
    /// <param name="perFunction">perFunction[k][i]: function k on completion i, null when it could not score it.</param>
    /// <param name="weights">w_k, one per function.</param>
    /// <param name="groupSize">G.</param>
    /// <example>
    /// G = 2, one group, rewards a = [1, 0], b = [0, 10], weights 1: â = [0.7070, −0.7070], b̂ = [−0.7071, 0.7071]
    /// (std √0.5 and √50), s ≈ [−1e-4, 1e-4]: opposite objectives cancel, unlike the plain sum [1, 10].
    /// </example>
    public static double[] NormalizeThenSum(IReadOnlyList<double?[]> perFunction, IReadOnlyList<double> weights, int groupSize)
    {
        if (perFunction.Count == 0) throw new ArgumentException("no reward functions", nameof(perFunction));
        if (weights.Count != perFunction.Count)
            throw new ArgumentException($"{weights.Count} weights for {perFunction.Count} reward functions", nameof(weights));
        int n = perFunction[0].Length;
        CheckLayout(n, groupSize);
        var sums = new double[n];
        var scored = new bool[n];
        for (int k = 0; k < perFunction.Count; k++)
        {
            var values = perFunction[k].Select(v => v ?? double.NaN).ToArray();
            if (values.Length != n) throw new ArgumentException($"reward function {k} has {values.Length} values, expected {n}", nameof(perFunction));
            for (int g = 0; g < n / groupSize; g++)
            {
                var group = values.AsSpan(g * groupSize, groupSize);
                var (mean, std) = NanMeanStd(group);
                if (groupSize == 1) std = 0;
                for (int i = 0; i < groupSize; i++)
                {
                    int at = g * groupSize + i;
                    if (double.IsNaN(group[i])) continue;
                    scored[at] = true;
                    double normalized = (group[i] - mean) / (std + StdEpsilon);
                    if (!double.IsNaN(normalized)) sums[at] += weights[k] * normalized;
                }
            }
        }
        for (int i = 0; i < n; i++) if (!scored[i]) sums[i] = double.NaN;
        var (batchMean, batchStd) = NanMeanStd(sums);
        double scale = n > 1 && !double.IsNaN(batchStd) ? batchStd : 0.0;
        return sums.Select(s => double.IsNaN(s) || double.IsNaN(batchMean) ? 0.0 : (s - batchMean) / (scale + StdEpsilon)).ToArray();
    }
}
