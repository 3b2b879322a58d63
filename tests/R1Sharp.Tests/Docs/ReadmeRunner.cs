// Runs one README block in bash, in a fresh temporary directory that links the repository's models/, tests/, tools/
// and examples/ at the same relative paths, with `r1` on PATH running the built r1.dll. `/tmp/` in a command is
// rewritten into that directory, and the directory back into `/tmp` in the output, so the README keeps its paths.
using System.Diagnostics;
using System.Text;

namespace R1Sharp.Tests.Docs;

/// <summary>What one command of a block printed (stdout and stderr interleaved) and its exit code.</summary>
public sealed record ReadmeRun(ReadmeCommand Command, int ExitCode, IReadOnlyList<string> Output);

public static class ReadmeRunner
{
    static readonly string[] Linked = ["models", "tests", "tools", "examples", "docs"];

    /// <summary>How long a block may run in all, and how long a background command may take to print its first line.</summary>
    public static readonly TimeSpan BlockLimit = TimeSpan.FromMinutes(4), ServerStart = TimeSpan.FromSeconds(90);

    /// <summary>Runs the commands of <paramref name="block"/> in order (each after the previous one ended; background ones
    /// after their first output line, e.g. a server's "serving ... on http://..."), then stops the background ones.</summary>
    public static IReadOnlyList<ReadmeRun> Run(ReadmeBlock block)
    {
        string dir = Directory.CreateTempSubdirectory("readme-").FullName;
        try
        {
            foreach (string name in Linked)
                Directory.CreateSymbolicLink(Path.Combine(dir, name), Path.Combine(RepoPaths.Root, name));
            string bin = Directory.CreateDirectory(Path.Combine(dir, ".bin")).FullName;
            string r1 = Path.Combine(bin, "r1");
            File.WriteAllText(r1, $"#!/bin/sh\nexec dotnet '{Path.Combine(AppContext.BaseDirectory, "r1.dll")}' \"$@\"\n");
            string script = Path.Combine(dir, ".block.sh");
            File.WriteAllText(script, Script(block, dir), new UTF8Encoding(false));
            RunBash(script, dir, bin, block);
            return block.Commands.Select((c, i) => new ReadmeRun(c, ReadCode(dir, i), ReadOutput(dir, i))).ToArray();
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>The bash script of a block: each command's output to .out.N and its exit code to .rc.N.</summary>
    public static string Script(ReadmeBlock block, string dir)
    {
        var s = new StringBuilder();
        s.Append("chmod +x .bin/r1\nset -o pipefail\n");
        s.Append("trap 'kill $(jobs -p) 2>/dev/null; wait' EXIT\n");
        for (int i = 0; i < block.Commands.Count; i++)
        {
            string text = block.Commands[i].Text.Replace("/tmp/", dir + "/", StringComparison.Ordinal).TrimEnd();
            if (block.Commands[i].Background)
            {
                s.Append($"{text[..^1].TrimEnd()} > .out.{i} 2>&1 &\n");
                s.Append($"pid=$!; for _ in $(seq 1 {(int)ServerStart.TotalSeconds * 10}); do grep -q 'http://' .out.{i} && break; " +
                    "kill -0 $pid 2>/dev/null || break; sleep 0.1; done\n");
                s.Append($"echo 0 > .rc.{i}\n");
            }
            else
            {
                s.Append($"{{ {text}\n}} > .out.{i} 2>&1 < /dev/null\n");
                s.Append($"echo $? > .rc.{i}\n");
            }
        }
        return s.ToString();
    }

    static void RunBash(string script, string dir, string bin, ReadmeBlock block)
    {
        var info = new ProcessStartInfo("bash", [script]) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        info.Environment["NO_COLOR"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(BlockLimit))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"{block}: did not finish in {BlockLimit}: {stdout.Result}{stderr.Result}");
        }
        process.WaitForExit();
    }

    static int ReadCode(string dir, int i)
    {
        string path = Path.Combine(dir, $".rc.{i}");
        return File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), out int code) ? code : -1;
    }

    static IReadOnlyList<string> ReadOutput(string dir, int i)
    {
        string path = Path.Combine(dir, $".out.{i}");
        if (!File.Exists(path)) return [];
        return File.ReadAllText(path).Replace(dir, "/tmp", StringComparison.Ordinal).Replace("\r\n", "\n").Split('\n');
    }
}
