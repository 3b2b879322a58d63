// The statistics of `r1 zero --seeds`: mean and sample standard deviation (n − 1), computed by hand, the printed form
// of a figure, and the --seeds list parser.
using R1Sharp.Recipes.Zero;

namespace R1Sharp.Tests.Recipes.Zero;

public class ZeroSeedsTests
{
    [Fact]
    public void A_figure_is_the_mean_and_the_sample_std_of_its_seeds()
    {
        // 0.4, 0.5, 0.6: mean 0.5; squared deviations 0.01 + 0 + 0.01 = 0.02, / (3 − 1) = 0.01, std 0.1.
        var s = SeedStat.Of([0.4, 0.5, 0.6]);
        Assert.Equal(0.5, s.Mean, 12);
        Assert.Equal(0.1, s.Std, 12);
        Assert.Equal([0.4, 0.5, 0.6], s.Values);
        Assert.Equal("50.0 ± 10.0 %", ZeroSeeds.Format(s, percent: true));
        Assert.Equal("0.5 ± 0.1", ZeroSeeds.Format(s, percent: false));
    }

    [Fact]
    public void One_seed_has_std_0_and_NaN_values_are_left_out()
    {
        Assert.Equal(0, SeedStat.Of([0.3]).Std);
        var s = SeedStat.Of([double.NaN, 20, 30]);   // mean 25, std √((25 + 25) / 1) = 7.07…
        Assert.Equal(25, s.Mean, 12);
        Assert.Equal(Math.Sqrt(50), s.Std, 12);
        Assert.Equal("NaN", ZeroSeeds.Format(SeedStat.Of([double.NaN]), percent: true));
    }

    [Fact]
    public void The_seed_list_parses_or_names_the_bad_entry()
    {
        Assert.Equal([1, 2, 3], ZeroSeeds.Parse("1, 2,3"));
        Assert.Equal("--seeds: 'x' is not a non-negative integer; e.g. --seeds 1,2,3",
            Assert.Throws<R1SharpException>(() => ZeroSeeds.Parse("1,x")).Message);
        Assert.Contains("no seed given", Assert.Throws<R1SharpException>(() => ZeroSeeds.Run(
            new ZeroOptions { OutDirectory = "unused" }, [], _ => { })).Message);
        Assert.Contains("a seed is repeated", Assert.Throws<R1SharpException>(() => ZeroSeeds.Run(
            new ZeroOptions { OutDirectory = "unused" }, [1, 1], _ => { })).Message);
    }
}
