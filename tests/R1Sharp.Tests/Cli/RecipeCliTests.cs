// `r1 recipe r1` through the real r1.dll: bad options fail with one line and exit 2 before any stage runs.
namespace R1Sharp.Tests.Cli;

public class RecipeCliTests
{
    [Theory]
    [InlineData("--lang|fr", "--lang: unknown 'fr'; use en or zh")]
    [InlineData("--generations|1", "--generations must be >= 2, got 1")]
    [InlineData("--base|/nonexistent/base", "--base /nonexistent/base: no config.json")]
    public void Bad_options_fail_with_one_line_and_exit_2(string args, string message)
    {
        string dir = Path.Combine(Path.GetTempPath(), "r1-recipe-" + Guid.NewGuid().ToString("N"));
        var r = R1Process.Run(["recipe", "r1", .. args.Split('|'), "--out", dir]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Stderr);
        Assert.Single(r.Stderr.Trim().Split('\n'));
        Assert.False(Directory.Exists(dir));
    }
}
