// Parses README.md's fenced blocks into shell commands and the output shown after each (README as test, after
// nietras/Sep). The marking scheme is documented at the top of ReadmeTests.cs.
using System.Text.RegularExpressions;

namespace R1Sharp.Tests.Docs;

/// <summary>One `$ ` line of a block and the lines shown after it (up to the next `$ ` line or the fence).</summary>
public sealed record ReadmeCommand(string Text, IReadOnlyList<string> Shown)
{
    /// <summary>A command ending in `&amp;` starts a background process (a server) that the block's later commands use.</summary>
    public bool Background => Text.TrimEnd().EndsWith('&') && !Text.TrimEnd().EndsWith("&&", StringComparison.Ordinal);

    /// <summary>The `error: ...` line the README shows for this command, or null: its presence means exit code 2.</summary>
    public string? ErrorLine => Shown.FirstOrDefault(l => l.StartsWith("error: ", StringComparison.Ordinal));
}

/// <summary>How the test treats a block, from the `&lt;!-- readme-test: ... --&gt;` comment right before its fence.</summary>
public enum ReadmeCheck
{
    /// <summary>No mark: run every command; exit 0, or 2 with the shown `error:` line.</summary>
    Run,
    /// <summary>`output`: as Run, and the output must equal the shown output (after <see cref="ReadmeOutput.Normalise"/>).</summary>
    Output,
    /// <summary>`skip (reason)`: not run; the reason is reported.</summary>
    Skip,
}

/// <summary>A fenced block of README.md that holds at least one `$ ` command.</summary>
public sealed record ReadmeBlock(int Line, ReadmeCheck Check, string? SkipReason, IReadOnlyList<ReadmeCommand> Commands)
{
    public override string ToString() => $"README.md:{Line}";
}

public static partial class ReadmeBlocks
{
    const string Prompt = "$ ";

    [GeneratedRegex(@"^<!--\s*readme-test:\s*(?<what>run|output|skip)\s*(\((?<why>.*)\))?\s*-->$")]
    private static partial Regex Mark();

    /// <summary>
    /// The command blocks of <paramref name="markdown"/> in order. A fence is a line starting with ``` (its info string
    /// ignored); a line before it of the form <c>&lt;!-- readme-test: output --&gt;</c> or
    /// <c>&lt;!-- readme-test: skip (why) --&gt;</c> sets the check. Blocks without a `$ ` line (output only) are left out.
    /// </summary>
    /// <example>"```\n$ echo hi\nhi\n```" gives one block at line 1 with the command "echo hi" showing ["hi"].</example>
    public static IReadOnlyList<ReadmeBlock> Parse(string markdown)
    {
        string[] lines = markdown.Replace("\r\n", "\n").Split('\n');
        var blocks = new List<ReadmeBlock>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("```", StringComparison.Ordinal)) continue;
            int start = i;
            int end = start + 1;
            while (end < lines.Length && !lines[end].StartsWith("```", StringComparison.Ordinal)) end++;
            if (end == lines.Length) throw new FormatException($"README.md:{start + 1}: fence never closed");
            var (check, why) = MarkBefore(lines, start);
            var commands = Commands(lines[(start + 1)..end]);
            if (commands.Count > 0) blocks.Add(new ReadmeBlock(start + 1, check, why, commands));
            else if (check != ReadmeCheck.Run || why is not null)
                throw new FormatException($"README.md:{start + 1}: a readme-test mark on a block without `$ ` commands");
            i = end;
        }
        return blocks;
    }

    /// <summary>Lines of fenced blocks that look like commands but lack the `$ ` prompt (so the test would not run them).</summary>
    public static IReadOnlyList<int> UnpromptedCommandLines(string markdown)
    {
        string[] lines = markdown.Replace("\r\n", "\n").Split('\n');
        var found = new List<int>();
        bool inside = false;
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith("```", StringComparison.Ordinal)) { inside = !inside; continue; }
            if (inside && (lines[i].StartsWith("r1 ", StringComparison.Ordinal) || lines[i].StartsWith("dotnet ", StringComparison.Ordinal)))
                found.Add(i + 1);
        }
        return found;
    }

    static (ReadmeCheck, string?) MarkBefore(string[] lines, int fence)
    {
        if (fence == 0) return (ReadmeCheck.Run, null);
        string before = lines[fence - 1].Trim();
        if (!before.StartsWith("<!--", StringComparison.Ordinal) || !before.Contains("readme-test", StringComparison.Ordinal))
            return (ReadmeCheck.Run, null);
        var m = Mark().Match(before);
        if (!m.Success)
            throw new FormatException($"README.md:{fence}: bad mark '{before}'; write <!-- readme-test: output --> or <!-- readme-test: skip (why) -->");
        string? why = m.Groups["why"].Success ? m.Groups["why"].Value.Trim() : null;
        var check = m.Groups["what"].Value switch { "output" => ReadmeCheck.Output, "skip" => ReadmeCheck.Skip, _ => ReadmeCheck.Run };
        if (check == ReadmeCheck.Skip && string.IsNullOrEmpty(why))
            throw new FormatException($"README.md:{fence}: a skip needs its reason: <!-- readme-test: skip (why) -->");
        return (check, why);
    }

    static List<ReadmeCommand> Commands(string[] body)
    {
        var commands = new List<ReadmeCommand>();
        string? text = null;
        var shown = new List<string>();
        foreach (string line in body)
        {
            if (line.StartsWith(Prompt, StringComparison.Ordinal))
            {
                if (text is not null) commands.Add(new ReadmeCommand(text, shown));
                text = line[Prompt.Length..];
                shown = [];
            }
            else if (text is not null) shown.Add(line);
        }
        if (text is not null) commands.Add(new ReadmeCommand(text, shown));
        return commands;
    }
}
