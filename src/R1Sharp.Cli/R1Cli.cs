// The `r1` command tree: one explicit name → command map (litgpt habit), errors as one line, exit 2.
using System.CommandLine;

namespace R1Sharp.Cli;

public static class R1Cli
{
    /// <summary>Exit code for errors caused by the user's input.</summary>
    public const int UsageError = 2;

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("R1Sharp: DeepSeek-R1 models, training and serving in .NET");
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var root = BuildRoot();
        var parse = root.Parse(args);
        return await parse.InvokeAsync();
    }
}
