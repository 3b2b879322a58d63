// A tiny tmpfs mounted for a test, to meet a real "no space left on device" (ENOSPC). Mounting needs root (or
// CAP_SYS_ADMIN); where it is impossible Create returns null and says why, and the test returns early saying so.
using System.Diagnostics;

namespace R1Sharp.Tests;

internal sealed class SmallTmpfs : IDisposable
{
    public string Path { get; }

    private SmallTmpfs(string path) => Path = path;

    /// <summary>Mounts a tmpfs of <paramref name="kilobytes"/> KiB at a new temporary folder, or returns null with the reason.</summary>
    public static SmallTmpfs? Create(int kilobytes, out string? whyNot, bool readOnly = false)
    {
        whyNot = null;
        if (!OperatingSystem.IsLinux()) { whyNot = "tmpfs needs Linux"; return null; }
        string dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "r1-tmpfs-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var (code, err) = Run("mount", "-t", "tmpfs", "-o", $"size={kilobytes}k{(readOnly ? ",ro" : "")}", "tmpfs", dir);
        if (code == 0) return new SmallTmpfs(dir);
        Directory.Delete(dir);
        whyNot = $"cannot mount a tmpfs (exit {code}: {err.Trim()}); run the tests as root to cover a full disk";
        return null;
    }

    /// <summary>Fills the file system with a file until at most <paramref name="leaveBytes"/> are free (page-granular).</summary>
    public void Fill(long leaveBytes)
    {
        long free = new DriveInfo(Path).AvailableFreeSpace;
        using var filler = new FileStream(System.IO.Path.Combine(Path, ".filler"), FileMode.Create, FileAccess.Write);
        filler.Write(new byte[Math.Max(0, free - leaveBytes)]);
    }

    private static (int, string) Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) info.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(info)!;
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, err);
        }
        catch (System.ComponentModel.Win32Exception e) { return (-1, e.Message); }
    }

    public void Dispose()
    {
        Run("umount", Path);
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { }
    }
}
