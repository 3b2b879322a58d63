// Dataset<T>.Split and Shuffle: deterministic for a seed, disjoint and complete, sizes rounded as documented.
using R1Sharp.Data;

namespace R1Sharp.Tests.Data;

public class DatasetSplitTests
{
    private static Dataset<int> Numbers(int n) => new(Enumerable.Range(0, n));

    [Fact]
    public void Split_is_deterministic_for_a_seed_and_differs_across_seeds()
    {
        var a = Numbers(100).Split(0.2, seed: 7);
        var b = Numbers(100).Split(0.2, seed: 7);
        var c = Numbers(100).Split(0.2, seed: 8);
        Assert.Equal(a.Eval, b.Eval);
        Assert.Equal(a.Train, b.Train);
        Assert.NotEqual(a.Eval, c.Eval);
    }

    [Theory]
    [InlineData(100, 0.2, 20)]
    [InlineData(10, 0.05, 1)]   // 0.5 rounds away from zero
    [InlineData(10, 0.0, 0)]
    [InlineData(10, 1.0, 10)]
    [InlineData(0, 0.5, 0)]
    public void Split_is_disjoint_complete_and_ordered(int n, double fraction, int evalCount)
    {
        var s = Numbers(n).Split(fraction, seed: 3);
        Assert.Equal(evalCount, s.Eval.Count);
        Assert.Empty(s.Train.Intersect(s.Eval));
        Assert.Equal(Enumerable.Range(0, n), s.Train.Concat(s.Eval).Order());
        Assert.Equal(s.Train.Order(), s.Train); // original order kept
        Assert.Equal(s.Eval.Order(), s.Eval);
    }

    [Fact]
    public void Split_rejects_fractions_outside_0_1()
    {
        var e = Assert.Throws<R1SharpException>(() => Numbers(5).Split(1.5, 0));
        Assert.Equal("eval fraction 1.5 is outside [0, 1]; pass e.g. 0.05 for 5% eval rows", e.Message);
        Assert.Throws<R1SharpException>(() => Numbers(5).Split(double.NaN, 0));
    }

    [Fact]
    public void Shuffle_is_a_seeded_permutation()
    {
        var a = Numbers(50).Shuffle(42);
        Assert.Equal(a, Numbers(50).Shuffle(42));
        Assert.NotEqual(Enumerable.Range(0, 50), a);
        Assert.Equal(Enumerable.Range(0, 50), a.Order());
        Assert.NotEqual(a, Numbers(50).Shuffle(43));
    }

    [Fact]
    public void Shuffle_of_a_small_set_hits_every_order_about_equally()
    {
        // 3 items have 6 orders; over 6000 seeds each should appear ~1000 times (unbiased Fisher-Yates).
        var counts = new Dictionary<string, int>();
        for (int seed = 0; seed < 6000; seed++)
        {
            string key = string.Join(",", Numbers(3).Shuffle(seed));
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        Assert.Equal(6, counts.Count);
        Assert.All(counts.Values, c => Assert.InRange(c, 850, 1150));
    }

    [Fact]
    public void Split_of_a_loaded_dataset_keeps_its_report()
    {
        var ds = DatasetLoader.LoadProblems(ProblemLoadingTests.F("gsm8k.jsonl"));
        var s = ds.Split(1.0 / 3, seed: 1);
        Assert.Equal((2, 1), (s.Train.Count, s.Eval.Count));
        Assert.Same(ds.Report, s.Eval.Report);
    }
}
