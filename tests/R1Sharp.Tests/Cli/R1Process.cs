// Runs the real `r1` program (r1.dll, copied next to the tests) as a child process: real exit codes,
// real stdin/stdout, no shared Console state between parallel tests.
using System.Diagnostics;
using System.Text;

namespace R1Sharp.Tests.Cli;

public sealed record R1Result(int ExitCode, string Stdout, string Stderr);

public static class R1Process
{
    static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "r1.dll");

    public static R1Result RunWithInput(string? stdin, params string[] args) => RunWithEnvironment(null, stdin, args);

    /// <summary>Runs r1 with extra environment variables (e.g. the GC-stress startup hook of the Reliability tests).</summary>
    public static R1Result RunWithEnvironment(IReadOnlyDictionary<string, string>? environment, string? stdin, params string[] args)
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
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null) process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"r1 {string.Join(' ', args)} did not finish in 5 minutes");
        }
        return new R1Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    public static R1Result Run(params string[] args) => RunWithInput(null, args);
}
