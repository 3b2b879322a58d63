// `r1 recipe distill` through the real r1.dll: bad options fail with one line naming the option and exit 2 before any
// stage runs (the toy end-to-end run is DistillRecipeTests, through the library).
namespace R1Sharp.Tests.Cli;

public class RecipeDistillCliTests
{
    [Theory]
    [InlineData("--seeds|1,x", "--seeds: 'x' is not a non-negative integer")]
    [InlineData("--keep|5", "--keep (5) must be <= --samples (4)")]
    [InlineData("--student-preset|huge", "--student-preset: unknown preset 'huge'")]
    [InlineData("--generations|1", "--generations must be >= 2, got 1")]
    [InlineData("--student-init|q_proj", "--student-init 'q_proj': expected NAME=STD, e.g. q_proj=0.125")]
    [InlineData("--student-init|none|--student-init|q_proj=0.1", "--student-init: 'none' cannot be combined with NAME=STD overrides")]
    [InlineData("--teacher|/nonexistent/teacher", "--teacher /nonexistent/teacher: no config.json")]
    public void Bad_options_fail_with_one_line_and_exit_2(string args, string message)
    {
        string dir = Path.Combine(Path.GetTempPath(), "r1-recipe-distill-" + Guid.NewGuid().ToString("N"));
        var r = R1Process.Run(["recipe", "distill", .. args.Split('|'), "--out", dir]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error: " + message, r.Stderr);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void Help_lists_the_verb_and_its_options()
    {
        var r = R1Process.Run(["recipe", "distill", "--help"]);
        Assert.Equal(0, r.ExitCode);
        foreach (var option in new[] { "--seeds", "--teacher", "--student-preset", "--student-steps", "--student-worked", "--student-init", "--problems", "--samples",
                     "--keep", "--sft-epochs", "--sft-lr", "--then-rl-steps", "--eval-problems", "--eval-k" })
            Assert.Contains(option, r.Stdout);
    }
}
