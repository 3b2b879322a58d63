// Hand-computed tables for pass@k (Chen et al. 2021 unbiased estimator), pass@1 and cons@k majority voting.
using R1Sharp.Evaluation;

namespace R1Sharp.Tests.Evaluation;

public class PassAtKTests
{
    [Theory]
    [InlineData(4, 2, 2, 5.0 / 6)]      // 1 − C(2,2)/C(4,2) = 1 − 1/6
    [InlineData(10, 3, 5, 11.0 / 12)]   // 1 − C(7,5)/C(10,5) = 1 − 21/252
    [InlineData(3, 1, 2, 2.0 / 3)]      // 1 − C(2,2)/C(3,2) = 1 − 1/3
    [InlineData(5, 1, 1, 0.2)]          // pass@1 is c/n
    [InlineData(8, 3, 1, 0.375)]
    [InlineData(5, 0, 3, 0.0)]          // nothing correct
    [InlineData(5, 5, 1, 1.0)]          // everything correct
    [InlineData(8, 6, 3, 1.0)]          // n − c < k: every 3-subset holds a correct sample
    [InlineData(100, 1, 10, 0.1)]       // 1 − C(99,10)/C(100,10) = 1 − 90/100
    public void Estimate_matches_hand_computed_binomials(int n, int c, int k, double expected) =>
        Assert.Equal(expected, PassAtK.Estimate(n, c, k), 12);

    [Theory]
    [InlineData(4, 5, 2)]
    [InlineData(4, 2, 5)]
    [InlineData(4, 2, 0)]
    [InlineData(0, 0, 1)]
    public void Estimate_rejects_impossible_counts(int n, int c, int k) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PassAtK.Estimate(n, c, k));

    [Fact]
    public void PassAt1_is_the_fraction_correct_and_zero_for_no_samples()
    {
        Assert.Equal(0.375, PassAtK.PassAt1([true, false, true, false, false, true, false, false]));
        Assert.Equal(0.0, PassAtK.PassAt1([]));
        Assert.Equal(PassAtK.Estimate(8, 3, 1), PassAtK.PassAt1([true, false, true, false, false, true, false, false]), 12);
    }

    [Theory]
    [InlineData(new[] { "24", "24", "23" }, 1)]
    [InlineData(new[] { "23", "24", "24", "23" }, 2)]       // tie 2–2: "24" reached two votes first (sample 2)
    [InlineData(new[] { "7", "24.0", "24", "7", "9" }, 2)]   // "24.0" and "24" vote together; 2–2 with "7", 24 got there first
    [InlineData(new[] { "a", "b", "b" }, 2)]
    [InlineData(new[] { "5" }, 0)]
    public void MajorityIndex_returns_where_the_winner_reached_its_count_first(string[] answers, int expected) =>
        Assert.Equal(expected, PassAtK.MajorityIndex(answers));

    [Fact]
    public void MajorityIndex_ignores_missing_answers()
    {
        Assert.Equal(-1, PassAtK.MajorityIndex([null, null]));
        Assert.Equal(-1, PassAtK.MajorityIndex([]));
        Assert.Equal(2, PassAtK.MajorityIndex([null, "", "12", null]));
    }

    [Fact]
    public void Consensus_is_the_correctness_of_the_majority_answer()
    {
        Assert.False(PassAtK.Consensus(["5", "7", "7"], [true, false, false]));
        Assert.True(PassAtK.Consensus(["7", "5", "5", "5"], [false, true, true, true]));
        Assert.True(PassAtK.Consensus([null, "5", null], [false, true, false]));
        Assert.False(PassAtK.Consensus([null, null], [false, false]));
    }

    [Fact]
    public void Mean_of_nothing_is_zero() => Assert.Equal(0.0, PassAtK.Mean([]));
}
