// Resident memory of this process, now and at its peak, with the peak resettable so that each phase of a training step
// (rollout, update) gets its own high-water mark: the CPU half of HF Trainer's memory metrics, per phase. Linux reads
// /proc/self/status (VmRSS, VmHWM) and resets the mark by writing "5" to /proc/self/clear_refs (Linux ≥ 4.0); other
// systems report the working set and its peak since start, and cannot reset it.
using System.Diagnostics;

namespace R1Sharp.Diagnostics;

/// <summary>Resident set size of the current process.</summary>
public static class ProcessMemory
{
    private const string StatusPath = "/proc/self/status";
    private const string ClearRefsPath = "/proc/self/clear_refs";

    /// <summary>Bytes resident now (VmRSS).</summary>
    public static long Resident => Read("VmRSS") ?? CurrentProcess(p => p.WorkingSet64);

    /// <summary>Bytes resident at the peak since start or since the last successful <see cref="ResetPeak"/> (VmHWM).</summary>
    public static long Peak => Read("VmHWM") ?? CurrentProcess(p => p.PeakWorkingSet64);

    /// <summary>Sets the peak to the current resident size, so <see cref="Peak"/> measures what follows; false where the
    /// system cannot (not Linux, or /proc/self/clear_refs not writable), and then <see cref="Peak"/> stays the peak since start.</summary>
    public static bool ResetPeak()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            File.WriteAllText(ClearRefsPath, "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    private static long CurrentProcess(Func<Process, long> read)
    {
        using var p = Process.GetCurrentProcess();
        return read(p);
    }

    // A "Name:   1234 kB" line of /proc/self/status in bytes, or null off Linux.
    private static long? Read(string field)
    {
        if (!OperatingSystem.IsLinux() || !File.Exists(StatusPath)) return null;
        foreach (var line in File.ReadLines(StatusPath))
        {
            if (!line.StartsWith(field, StringComparison.Ordinal) || line.Length <= field.Length || line[field.Length] != ':') continue;
            var value = line.AsSpan(field.Length + 1).Trim();
            if (value.EndsWith("kB", StringComparison.Ordinal)) value = value[..^2].TrimEnd();
            return long.TryParse(value, out long kb) ? kb * 1024 : null;
        }
        return null;
    }
}
