// Runs the real `r1` program (r1.dll, copied next to the tests) as a child process: real exit codes,
// real stdin/stdout, no shared Console state between parallel tests.
using System.Diagnostics;
using System.Text;

namespace R1Sharp.Tests.Cli;

public sealed record R1Result(int ExitCode, string Stdout, string Stderr);

public static class R1Process
{
    static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "r1.dll");

    public static R1Result RunWithInput(string? stdin, params string[] args) => RunCore(null, stdin, TimeSpan.FromMinutes(5), args);

    /// <summary>Runs r1 with <paramref name="workingDirectory"/> as its current folder (defaults that are relative paths).</summary>
    public static R1Result RunIn(string workingDirectory, params string[] args) =>
        RunCore(null, null, TimeSpan.FromMinutes(5), args, workingDirectory);

    /// <summary>Runs r1 with extra environment variables (e.g. the GC-stress startup hook of the Reliability tests).</summary>
    public static R1Result RunWithEnvironment(IReadOnlyDictionary<string, string>? environment, string? stdin, params string[] args) =>
        RunCore(environment, stdin, TimeSpan.FromMinutes(15), args);

    /// <summary>Runs r1 and fails (killing it) when it is still running after <paramref name="timeout"/>.</summary>
    public static R1Result RunFor(TimeSpan timeout, params string[] args) => RunCore(null, null, timeout, args);

    static R1Result RunCore(IReadOnlyDictionary<string, string>? environment, string? stdin, TimeSpan timeout, string[] args,
        string? workingDirectory = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory ?? "",
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
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"r1 {string.Join(' ', args)} did not finish in {timeout}: {stdout.Result} {stderr.Result}");
        }
        return new R1Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    public static R1Result Run(params string[] args) => RunWithInput(null, args);

    /// <summary>Starts `r1` without waiting, for tests that watch its output and signal it mid-run.</summary>
    public static R1Running Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8, StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(Dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        return new R1Running(Process.Start(info)!, args);
    }
}

/// <summary>A running `r1` (`dotnet r1.dll` runs in the dotnet process itself, so its pid is r1's): its output lines as
/// they come, signals by `kill`, and the result.</summary>
public sealed class R1Running : IDisposable
{
    readonly Process _process;
    readonly string[] _args;
    readonly StringBuilder _stdout = new(), _stderr = new();
    readonly TaskCompletionSource _outClosed = new(), _errClosed = new();

    internal R1Running(Process process, string[] args)
    {
        _process = process;
        _args = args;
        process.StandardInput.Close();
        process.OutputDataReceived += (_, e) => { if (e.Data is null) _outClosed.TrySetResult(); else lock (_stdout) _stdout.Append(e.Data).Append('\n'); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is null) _errClosed.TrySetResult(); else lock (_stderr) _stderr.Append(e.Data).Append('\n'); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The process's peak resident set so far (VmHWM of /proc/PID/status, Linux), or 0 when unreadable (or exited).</summary>
    public long PeakResidentKilobytes()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                    return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0]);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return 0;
    }

    /// <summary>stdout and stderr so far, interleaved per stream.</summary>
    public string Output { get { lock (_stdout) lock (_stderr) return _stdout + _stderr.ToString(); } }

    /// <summary>Waits until a line of stdout or stderr satisfies <paramref name="match"/>; throws when the process ends first or time runs out.</summary>
    public void WaitForLine(Func<string, bool> match, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (Output.Split('\n').Any(match)) return;
            if (_process.HasExited) throw new InvalidOperationException($"r1 {string.Join(' ', _args)} exited ({_process.ExitCode}) before the line came:\n{Output}");
            Thread.Sleep(20);
        }
        throw new TimeoutException($"r1 {string.Join(' ', _args)}: no such line in {timeout}:\n{Output}");
    }

    /// <summary>Sends a signal with the real `kill` (e.g. "TERM", "INT").</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", ["-" + name, Pid.ToString()])!;
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -{name} {Pid} failed ({kill.ExitCode})");
    }

    public R1Result WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"r1 {string.Join(' ', _args)} did not finish in {timeout}:\n{Output}");
        }
        Task.WaitAll([_outClosed.Task, _errClosed.Task], TimeSpan.FromSeconds(10));
        lock (_stdout) lock (_stderr) return new R1Result(_process.ExitCode, _stdout.ToString(), _stderr.ToString());
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
