// Table-driven tests of top-k, top-p and min-p over the 4-token distribution [0.1, 0.4, 0.2, 0.3]
// (hand-computed renormalised probabilities), plus cross-checks of the fast paths on large rows.
using R1Sharp.Generation;
using static R1Sharp.Tests.Generation.SamplerTestKit;

namespace R1Sharp.Tests.Generation;

public class TruncationSamplerTests
{
    private static readonly float[] Dist = LogitsOf(0.1, 0.4, 0.2, 0.3);

    // Same distribution plus a zero-probability 5th token, so TopK(4) sorts and TopP takes its sorted path.
    private static readonly float[] Dist5 = LogitsOf(0.1, 0.4, 0.2, 0.3, 0);

    [Theory]
    [InlineData(1, new[] { 1 }, new[] { 1.0 })]
    [InlineData(2, new[] { 1, 3 }, new[] { 0.4 / 0.7, 0.3 / 0.7 })]
    [InlineData(3, new[] { 1, 2, 3 }, new[] { 0.4 / 0.9, 0.2 / 0.9, 0.3 / 0.9 })]
    [InlineData(4, new[] { 0, 1, 2, 3 }, new[] { 0.1, 0.4, 0.2, 0.3 })]
    [InlineData(0, new[] { 0, 1, 2, 3 }, new[] { 0.1, 0.4, 0.2, 0.3 })]
    [InlineData(9, new[] { 0, 1, 2, 3 }, new[] { 0.1, 0.4, 0.2, 0.3 })]
    public void TopK_keeps_the_k_most_likely(int k, int[] ids, double[] probs)
    {
        var (gotIds, gotProbs) = Run(Dist, new TopKSampler(k));
        Assert.Equal(ids, gotIds);
        AssertClose(probs, gotProbs);
    }

    [Fact]
    public void TopK_leaves_candidates_sorted_descending_with_ties_by_lower_id()
    {
        var ws = new SamplerWorkspace(6);
        var c = ws.Load([1f, 3f, 2f, 3f, 0f, 2f]);
        new TopKSampler(4).Apply(ref c);
        Assert.True(c.Sorted);
        Assert.Equal([1, 3, 2, 5], c.Ids.ToArray());
        Assert.Equal([3f, 3f, 2f, 2f], c.Logits.ToArray());
    }

    // Cumulative (descending) mass: 0.4 (id 1), 0.7 (+id 3), 0.9 (+id 2), 1.0 (+id 0).
    // Landing exactly on p keeps that prefix (HF drops tokens whose ascending cumsum ≤ 1 − p);
    // otherwise the token that crosses p is kept.
    [Theory]
    [InlineData(0.3, new[] { 1 }, new[] { 1.0 })]
    [InlineData(0.4, new[] { 1 }, new[] { 1.0 })]
    [InlineData(0.41, new[] { 1, 3 }, new[] { 0.4 / 0.7, 0.3 / 0.7 })]
    [InlineData(0.7, new[] { 1, 3 }, new[] { 0.4 / 0.7, 0.3 / 0.7 })]
    [InlineData(0.71, new[] { 1, 2, 3 }, new[] { 0.4 / 0.9, 0.2 / 0.9, 0.3 / 0.9 })]
    [InlineData(0.9, new[] { 1, 2, 3 }, new[] { 0.4 / 0.9, 0.2 / 0.9, 0.3 / 0.9 })]
    [InlineData(0.95, new[] { 0, 1, 2, 3 }, new[] { 0.1, 0.4, 0.2, 0.3 })]
    [InlineData(1.0, new[] { 0, 1, 2, 3 }, new[] { 0.1, 0.4, 0.2, 0.3 })]
    public void TopP_keeps_the_smallest_prefix_reaching_p(double p, int[] ids, double[] probs)
    {
        var (gotIds, gotProbs) = Run(Dist, new TopPSampler((float)p));
        Assert.Equal(ids, gotIds);
        AssertClose(probs, gotProbs);

        // Same answer when the input arrives sorted (after top-k) — the other code path.
        var (sortedIds, sortedProbs) = Run(Dist5, new TopKSampler(4), new TopPSampler((float)p));
        Assert.Equal(ids, sortedIds);
        AssertClose(probs, sortedProbs);
    }

    [Theory]
    [InlineData(0.2, new[] { 0, 1, 2, 3 })] // floor 0.08
    [InlineData(0.3, new[] { 1, 2, 3 })]    // floor 0.12
    [InlineData(0.55, new[] { 1, 3 })]      // floor 0.22
    [InlineData(0.8, new[] { 1 })]          // floor 0.32
    [InlineData(1.0, new[] { 1 })]          // only the top token
    [InlineData(0.0, new[] { 0, 1, 2, 3 })] // off
    public void MinP_keeps_tokens_at_least_min_p_times_the_top_probability(double minP, int[] ids)
    {
        var (gotIds, gotProbs) = Run(Dist, new MinPSampler((float)minP));
        Assert.Equal(ids, gotIds);
        var all = new[] { 0.1, 0.4, 0.2, 0.3 };
        double kept = ids.Sum(i => all[i]);
        AssertClose([.. ids.Select(i => all[i] / kept)], gotProbs);
    }

    [Fact]
    public void MinP_keeps_a_token_exactly_at_the_floor()
    {
        float minP = 0.25f;
        float[] logits = [2f, 2f + MathF.Log(minP), 2f + MathF.Log(minP) - 1e-3f, 0f];
        var (ids, _) = Run(logits, new MinPSampler(minP));
        Assert.Equal([0, 1], ids);
    }

    [Fact]
    public void Truncation_never_empties_the_set()
    {
        Assert.Single(Run(Dist, new TopPSampler(1e-9f)).Ids);
        Assert.Single(Run(Dist, new MinPSampler(1f)).Ids);
    }

    [Theory]
    [InlineData(0.5, 0.1)]
    [InlineData(0.5, 0.95)]
    [InlineData(1.0, 0.5)]
    [InlineData(1.0, 0.95)]
    [InlineData(3.0, 0.9)]
    [InlineData(3.0, 0.999)]
    [InlineData(12.0, 0.95)]
    public void TopP_on_a_large_unsorted_row_matches_a_full_sort(double scale, double p)
    {
        for (ulong seed = 1; seed <= 3; seed++)
        {
            var row = RandomRow(20_000, scale, seed);
            var (ids, _) = Run(row, new TopPSampler((float)p));
            Assert.Equal(NaiveTopP(row, (float)p), ids);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(40)]
    [InlineData(256)]
    [InlineData(257)]
    [InlineData(5_000)]
    public void TopK_heap_and_quickselect_paths_match_a_full_sort(int k)
    {
        var row = RandomRow(20_000, 2.0, 7);
        for (int i = 0; i < row.Length; i += 3) row[i] = MathF.Round(row[i], 1); // plenty of ties
        var ws = new SamplerWorkspace(row.Length);
        var c = ws.Load(row);
        new TopKSampler(k).Apply(ref c);
        Assert.Equal(Ranked(row).Take(k).ToArray(), c.Ids.ToArray());
    }
}
