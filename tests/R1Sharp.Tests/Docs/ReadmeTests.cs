// README as test (after nietras/Sep): every command of README.md runs, and what the README shows is what it prints.
//
// How README.md is read (ReadmeBlocks):
// - A fenced block (```) with lines starting with "$ " is a command block: each "$ " line is a bash command, the lines
//   after it (to the next "$ " line or the fence) the output shown for it. Blocks without "$ " lines are output only.
//   Commands in fenced blocks must carry the "$ " prompt (a line starting "r1 " or "dotnet " without it fails a test).
// - The line right before the fence may mark the block:
//     (no mark)                              run: each command exits 0, or 2 when its output shows an "error: " line,
//                                            which it must then print;
//     <!-- readme-test: output -->           also compare the output with the shown one (ReadmeOutput): a "..." line
//                                            stands for any lines, a "…" in a line for any text, and measured figures
//                                            are ignored (a number before s, ms, tokens/s, tok/s, GFLOP/s;
//                                            tokens_per_second, mfu; JSON "timings" objects);
//     <!-- readme-test: skip (why) -->       not run (minutes of training, benchmarks, 7B shapes, the test suite
//                                            itself); the reason is listed by Readme_skips_are_few_and_say_why.
// How a block runs (ReadmeRunner): in bash with pipefail, in a fresh temporary directory that links models/, tests/,
// tools/, examples/ and docs/ of the repository; `r1` runs the built r1.dll; "/tmp/" in commands points into that
// directory (and the directory reads as /tmp in the output). Commands of one block share the directory; blocks do not.
// A command ending in "&" runs in the background (a server: the block goes on once it printed "http://") and is
// stopped when the block ends; its output is not compared.
using System.Text;
using Xunit.Abstractions;

namespace R1Sharp.Tests.Docs;

public sealed class ReadmeTests(ITestOutputHelper output)
{
    static readonly string ReadmePath = Path.Combine(RepoPaths.Root, "README.md");

    static IReadOnlyList<ReadmeBlock> Blocks() => ReadmeBlocks.Parse(File.ReadAllText(ReadmePath));

    /// <summary>The line numbers of the blocks that run (xunit shows each as its own case).</summary>
    public static TheoryData<int> RunBlocks()
    {
        var data = new TheoryData<int>();
        foreach (var b in Blocks().Where(b => b.Check != ReadmeCheck.Skip)) data.Add(b.Line);
        return data;
    }

    [Theory]
    [MemberData(nameof(RunBlocks))]
    public void Readme_block_runs_as_shown(int line)
    {
        var block = Blocks().Single(b => b.Line == line);
        var runs = ReadmeRunner.Run(block);
        var problems = new StringBuilder();
        foreach (var run in runs)
        {
            output.WriteLine($"$ {run.Command.Text}   (exit {run.ExitCode})");
            foreach (string l in run.Output) output.WriteLine(l);
            string? problem = Check(block, run);
            if (problem is not null)
                problems.Append($"{block}: $ {run.Command.Text}\n  {problem}\n  real output (exit {run.ExitCode}):\n    " +
                    string.Join("\n    ", run.Output) + "\n");
        }
        Assert.True(problems.Length == 0, problems.ToString());
    }

    static string? Check(ReadmeBlock block, ReadmeRun run)
    {
        if (run.Command.Background)
            return run.Output.Any(l => l.Contains("http://", StringComparison.Ordinal)) ? null : "the background command never printed its address";
        if (run.Command.ErrorLine is { } error)
        {
            if (run.ExitCode != 2) return $"exit code {run.ExitCode}, but the README shows '{error}' (exit 2)";
            if (!run.Output.Any(l => ReadmeOutput.Matches([error], [l]))) return $"the README shows '{error}', not printed";
        }
        else if (run.ExitCode != 0) return $"exit code {run.ExitCode}, expected 0";
        if (block.Check == ReadmeCheck.Output && !ReadmeOutput.Matches(run.Command.Shown, run.Output))
            return "the output differs from the README's (normalised as ReadmeOutput says)";
        return null;
    }

    [Fact]
    public void Readme_skips_are_few_and_say_why()
    {
        var blocks = Blocks();
        var skipped = blocks.Where(b => b.Check == ReadmeCheck.Skip).ToArray();
        output.WriteLine($"{blocks.Count} command blocks in README.md: {blocks.Count - skipped.Length} run " +
            $"({blocks.Count(b => b.Check == ReadmeCheck.Output)} with their output compared), {skipped.Length} skipped:");
        foreach (var b in skipped) output.WriteLine($"  {b}: {b.SkipReason}  ({b.Commands[0].Text})");
        Assert.All(skipped, b => Assert.False(string.IsNullOrWhiteSpace(b.SkipReason)));
        Assert.True(skipped.Length * 3 <= blocks.Count, $"{skipped.Length} of {blocks.Count} blocks skipped: keep skips few");
    }

    [Fact]
    public void Readme_commands_in_fenced_blocks_carry_the_prompt()
    {
        var lines = ReadmeBlocks.UnpromptedCommandLines(File.ReadAllText(ReadmePath));
        Assert.True(lines.Count == 0, "README.md lines " + string.Join(", ", lines) +
            ": a command in a fenced block needs the '$ ' prompt (and a skip mark if it cannot run in the test)");
    }
}
