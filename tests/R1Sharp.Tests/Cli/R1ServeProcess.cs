// A real `r1 serve` child process for process-level tests: waits for its "serving ... on URL" line, can send it
// POSIX signals with kill(1), and keeps its stdout/stderr for assertions.
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace R1Sharp.Tests.Cli;

public sealed class R1ServeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new(), _stderr = new();

    private R1ServeProcess(Process process) => _process = process;

    /// <summary>The bound address, from the "serving MODEL on URL (...)" line.</summary>
    public Uri Address { get; private set; } = null!;
    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

    /// <summary>Starts `r1 serve --model models/tiny-qwen2 --port 0 ARGS` and waits until it serves.</summary>
    public static R1ServeProcess Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, StandardOutputEncoding = Encoding.UTF8, StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "r1.dll"), "serve", "--model", Path.Combine(RepoPaths.Root, "models", "tiny-qwen2"), "--port", "0" }.Concat(args))
            info.ArgumentList.Add(a);
        var serve = new R1ServeProcess(Process.Start(info)!);
        var ready = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        serve._process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) { ready.TrySetException(new InvalidOperationException("r1 serve ended before serving")); return; }
            lock (serve._stdout) serve._stdout.AppendLine(e.Data);
            if (e.Data.StartsWith("serving ", StringComparison.Ordinal)) ready.TrySetResult(new Uri(e.Data.Split(' ')[3]));
        };
        serve._process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (serve._stderr) serve._stderr.AppendLine(e.Data); };
        serve._process.BeginOutputReadLine();
        serve._process.BeginErrorReadLine();
        try
        {
            if (!ready.Task.Wait(TimeSpan.FromMinutes(2))) throw new TimeoutException("r1 serve did not start");
        }
        catch (Exception e)
        {
            serve.Dispose();
            throw new InvalidOperationException($"r1 serve did not start: {e.Message}\n{serve.Stdout}\n{serve.Stderr}");
        }
        serve.Address = ready.Task.Result;
        return serve;
    }

    /// <summary>Sends a signal ("TERM", "INT", ...) with kill(1).</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", ["-s", name, _process.Id.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>The exit code, or throws when the process runs past <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { throw new TimeoutException($"r1 serve still runs after {timeout}:\n{Stdout}\n{Stderr}"); }
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited) { _process.Kill(entireProcessTree: true); _process.WaitForExit(10_000); }
        _process.Dispose();
    }
}
