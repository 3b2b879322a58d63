// Names of the temporary files and folders written beside their targets (".NAME.PID-GUID.tmp") and the clean-up of
// the ones a crashed or killed process left behind: the writer's process id in the name tells a leftover from a write
// still in progress in another process.
using System.Diagnostics;
using System.Text.RegularExpressions;

namespace R1Sharp.IO;

/// <summary>Temporary names that carry the writing process, and removal of stale ones.</summary>
internal static partial class TempNames
{
    /// <summary>A hidden sibling name for <paramref name="name"/>: <c>.NAME.PID-GUID.SUFFIX</c>.</summary>
    public static string For(string name, string suffix = "tmp") =>
        $".{name}.{Environment.ProcessId}-{Guid.NewGuid():N}.{suffix}";

    /// <summary>
    /// True when <paramref name="fileName"/> is a temporary name (<see cref="For"/>, or the older <c>.NAME.GUID.tmp</c> /
    /// <c>NAME.GUID.old</c> without a process id) whose writer is no longer running.
    /// </summary>
    public static bool IsLeftover(string fileName)
    {
        var m = Pattern().Match(fileName);
        if (!m.Success) return false;
        return !m.Groups["pid"].Success || !int.TryParse(m.Groups["pid"].ValueSpan, out int pid) || !IsRunning(pid);
    }

    /// <summary>
    /// Deletes the leftovers (<see cref="IsLeftover"/>) directly in <paramref name="directory"/> whose names pass
    /// <paramref name="select"/>, files and folders alike, best-effort; returns the paths removed.
    /// </summary>
    public static IReadOnlyList<string> RemoveLeftovers(string directory, Func<string, bool> select)
    {
        if (!Directory.Exists(directory)) return [];
        var removed = new List<string>();
        foreach (string path in Directory.EnumerateFileSystemEntries(directory))
        {
            string name = Path.GetFileName(path);
            if (!select(name) || !IsLeftover(name)) continue;
            try
            {
                if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
                else File.Delete(path);
                removed.Add(path);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return removed;
    }

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    [GeneratedRegex(@"^\.?.+\.(?:(?<pid>\d+)-)?[0-9a-f]{32}\.(?:tmp|old)$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
