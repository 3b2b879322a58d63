// Runs the real `r1` program (r1.dll, copied next to the tests) as a child process: real exit codes,
// real stdin/stdout, no shared Console state between parallel tests.
using System.Diagnostics;
using System.Text;

namespace R1Sharp.Tests.Cli;

public sealed record R1Result(int ExitCode, string Stdout, string Stderr);

public static class R1Process
{
    static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "r1.dll");

    public static R1Result RunWithInput(string? stdin, params string[] args) => RunWithInput(stdin, TimeSpan.FromMinutes(5), args);

    /// <summary>Runs r1 and fails (killing it) when it is still running after <paramref name="timeout"/>.</summary>
    public static R1Result RunFor(TimeSpan timeout, params string[] args) => RunWithInput(null, timeout, args);

    static R1Result RunWithInput(string? stdin, TimeSpan timeout, string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            StandardInputEncoding = new UTF8Encoding(false),
        };
        info.ArgumentList.Add(Dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"r1 {string.Join(' ', args)} did not finish in {timeout}: {stdout.Result} {stderr.Result}");
        }
        return new R1Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    public static R1Result Run(params string[] args) => RunWithInput(null, args);
}
