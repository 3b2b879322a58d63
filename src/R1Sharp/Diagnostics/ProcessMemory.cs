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

/// <summary>
/// Resident memory around one training step, in bytes: at its start, the peak while generating rollouts (0 for a step
/// that reuses an earlier step's rollouts), the peak over the update (log-prob passes, forward/backward, optimizer
/// step), the run's peak so far, and on the first step the peak before it (loading the model; else 0). Phase peaks are
/// the phase's own where the system can reset the high-water mark (Linux), else the process's since it started.
/// </summary>
public readonly record struct StepMemory(long StartBytes, long RolloutPeakBytes, long UpdatePeakBytes, long RunPeakBytes, long LoadPeakBytes);

/// <summary>
/// Measures <see cref="StepMemory"/> step after step: <see cref="BeginRollout"/>, <see cref="BeginUpdate"/>,
/// <see cref="EndStep"/> (a step that reuses rollouts skips the first). Resets the process's high-water mark at each
/// phase, so an outside tool that reads the peak at exit sees only the last phase's; <see cref="StepMemory.RunPeakBytes"/>
/// keeps the run's. One thread.
/// </summary>
public sealed class StepMemoryTracker
{
    private long _start = ProcessMemory.Resident, _rolloutPeak, _runPeak, _loadPeak;
    private bool _first = true;

    /// <summary>Marks the start of a step's rollouts.</summary>
    public void BeginRollout()
    {
        if (_first) _runPeak = _loadPeak = ProcessMemory.Peak;
        _first = false;
        _start = ProcessMemory.Resident;
        ProcessMemory.ResetPeak();
    }

    /// <summary>Marks the end of the rollouts and the start of the update.</summary>
    public void BeginUpdate()
    {
        if (_first) { _runPeak = _loadPeak = ProcessMemory.Peak; _first = false; }
        else _rolloutPeak = ProcessMemory.Peak;
        _runPeak = Math.Max(_runPeak, _rolloutPeak);
        ProcessMemory.ResetPeak();
    }

    /// <summary>Ends the step: its figures; the next step starts now.</summary>
    public StepMemory EndStep()
    {
        long update = ProcessMemory.Peak;
        _runPeak = Math.Max(_runPeak, update);
        var step = new StepMemory(_start, _rolloutPeak, update, _runPeak, _loadPeak);
        _start = ProcessMemory.Resident;
        _rolloutPeak = _loadPeak = 0;
        ProcessMemory.ResetPeak();
        return step;
    }
}
