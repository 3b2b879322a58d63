// Gives the test run its own temporary directory and removes it at exit, so the many tests that create temp dirs
// (and the r1 processes they start, which inherit TMPDIR) leave nothing behind in /tmp.
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace R1Sharp.Tests;

internal static class TestTempRoot
{
    const string Prefix = "r1sharp-tests-";

    [ModuleInitializer]
    internal static void Initialize()
    {
        string system = Path.GetTempPath();
        RemoveStale(system);
        string root = Path.Combine(system, Prefix + Environment.ProcessId);
        Directory.CreateDirectory(root);
        // Path.GetTempPath reads TMPDIR on every call on Unix; child processes inherit it.
        Environment.SetEnvironmentVariable("TMPDIR", root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(root);
    }

    // Roots of runs that were killed before their exit handler ran.
    static void RemoveStale(string system)
    {
        foreach (var dir in Directory.EnumerateDirectories(system, Prefix + "*"))
        {
            if (!int.TryParse(Path.GetFileName(dir).AsSpan(Prefix.Length), out int pid) || pid == Environment.ProcessId) continue;
            if (!Alive(pid)) TryDelete(dir);
        }
    }

    static bool Alive(int pid)
    {
        try { using var p = Process.GetProcessById(pid); return !p.HasExited; }
        catch (ArgumentException) { return false; }
    }

    static void TryDelete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
