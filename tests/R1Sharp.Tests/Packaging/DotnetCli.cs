// Runs the real `dotnet` CLI (pack, new, add package, run, tool install) as a child process for the packaging tests,
// with the environment a user's shell would have: none of the MSBuild variables the test host inherits from
// `dotnet test`, and no build servers left running afterwards.
using System.Diagnostics;
using System.Text;

namespace R1Sharp.Tests.Packaging;

internal static class DotnetCli
{
    /// <summary>Runs <paramref name="fileName"/> (default dotnet) in <paramref name="workingDirectory"/>; returns
    /// stdout and stderr together, and fails with them when the exit code is not 0 or the time runs out.</summary>
    public static string Run(string workingDirectory, TimeSpan timeout, string[] args, string fileName = "dotnet")
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true, RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8, StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var name in info.Environment.Keys.ToList())
            if (name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || name.StartsWith("VSTEST", StringComparison.Ordinal))
                info.Environment.Remove(name);
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        info.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        info.Environment["UseSharedCompilation"] = "false"; // no VBCSCompiler server outliving the test

        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        var watch = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        string command = $"{fileName} {string.Join(' ', args)}";
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"`{command}` did not finish in {timeout}:\n{output}");
        }
        process.WaitForExit(); // drains the output events
        string text;
        lock (output) text = output.ToString();
        Assert.True(process.ExitCode == 0, $"`{command}` (in {workingDirectory}) exited {process.ExitCode} after {watch.Elapsed.TotalSeconds:0}s:\n{text}");
        return text;
    }
}
