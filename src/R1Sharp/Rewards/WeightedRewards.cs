// Weighted sum of several reward functions, keeping each function's value for per-function logging
// (TRL's reward_weights; R1 adds language consistency to accuracy directly) (R1-METHOD.md §1, §2).
namespace R1Sharp.Rewards;

/// <summary>One named, weighted reward function.</summary>
public sealed record WeightedReward(string Name, RewardFunction Function, double Weight = 1.0);

/// <summary>The scores of one completion: each function's value (null = no score) and the weighted total.</summary>
public sealed record RewardScores(IReadOnlyList<double?> Values, double Total);

/// <summary>The scores of a batch: <c>PerFunction[f][i]</c> is function f on completion i.</summary>
public sealed record RewardBatchScores(IReadOnlyList<double?[]> PerFunction, double[] Totals);

/// <summary>
/// Combines reward functions into <c>Σ w_f · r_f</c>. A null from a function adds 0 to the total but is reported as
/// null, so per-function means can skip it.
/// </summary>
public sealed class WeightedRewards
{
    private readonly WeightedReward[] _rewards;

    /// <summary>Throws <see cref="R1SharpException"/> on duplicate names, non-finite weights, or an empty list.</summary>
    public WeightedRewards(IEnumerable<WeightedReward> rewards)
    {
        ArgumentNullException.ThrowIfNull(rewards);
        _rewards = [.. rewards];
        if (_rewards.Length == 0) throw new R1SharpException("rewards: no reward function given; add at least one (e.g. accuracy).");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in _rewards)
        {
            if (!seen.Add(r.Name)) throw new R1SharpException($"rewards: '{r.Name}' is listed twice; give each function once.");
            if (!double.IsFinite(r.Weight)) throw new R1SharpException($"rewards: weight of '{r.Name}' must be a finite number, got {r.Weight}.");
        }
    }

    /// <summary>The functions in order.</summary>
    public IReadOnlyList<WeightedReward> Rewards => _rewards;

    /// <summary>The function names in order (for log keys such as <c>rewards/accuracy/mean</c>).</summary>
    public IReadOnlyList<string> Names => [.. _rewards.Select(r => r.Name)];

    /// <summary>Scores one completion.</summary>
    public RewardScores Score(RewardInput input)
    {
        var values = new double?[_rewards.Length];
        return new RewardScores(values, ScoreInto(input, values));
    }

    /// <summary>Scores a batch (for example one GRPO group or a whole generation batch).</summary>
    public RewardBatchScores ScoreBatch(IReadOnlyList<RewardInput> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var perFunction = new double?[_rewards.Length][];
        for (int f = 0; f < perFunction.Length; f++) perFunction[f] = new double?[inputs.Count];
        var totals = new double[inputs.Count];
        var row = new double?[_rewards.Length];
        for (int i = 0; i < inputs.Count; i++)
        {
            totals[i] = ScoreInto(inputs[i], row);
            for (int f = 0; f < row.Length; f++) perFunction[f][i] = row[f];
        }
        return new RewardBatchScores(perFunction, totals);
    }

    private double ScoreInto(RewardInput input, double?[] values)
    {
        ArgumentNullException.ThrowIfNull(input);
        double total = 0;
        for (int f = 0; f < _rewards.Length; f++)
        {
            var value = _rewards[f].Function(input);
            values[f] = value;
            if (value is { } v) total += _rewards[f].Weight * v;
        }
        return total;
    }
}
