// An opt-in per-phase timer for decode steps (llama.cpp's GGML_PERF / per-op timings in spirit): model code marks its
// phases (matvecs, attention, norms + RoPE, lm_head, sampler); nested phases pause the outer one, so every phase gets
// its exclusive wall time and "other" is the step's remainder. Off unless activated on the thread: then a phase
// mark costs one thread-static read. CPU libtorch runs synchronously, so wall time per call is the op's time; on an
// asynchronous device the split would need a synchronize per mark.
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace R1Sharp.Diagnostics;

/// <summary>The parts one decode step is split into.</summary>
public enum DecodePhase
{
    /// <summary>Matrix-vector products of the layers (q/k/v, o, gate/up, down projections).</summary>
    Matvec,
    /// <summary>Attention proper: cache write, scaled dot-product attention, head folding.</summary>
    Attention,
    /// <summary>RMSNorms, RoPE tables and rotation.</summary>
    NormRope,
    /// <summary>The output projection to the vocabulary.</summary>
    LmHead,
    /// <summary>The sampler chain (penalties, temperature, truncation, the draw).</summary>
    Sampler,
    /// <summary>Everything else in the step: embedding, masks, host/device copies, detokenizing, bookkeeping.</summary>
    Other,
}

/// <summary>
/// Accumulates exclusive time per <see cref="DecodePhase"/> over the steps run while it is <see cref="Activate"/>d on a
/// thread. Turn on for <c>r1 run</c> with the environment variable <c>R1_PROFILE=1</c> (the split goes to stderr).
/// Not thread-safe: one thread.
/// </summary>
public sealed class PhaseProfiler
{
    /// <summary>The environment variable that turns profiling on for <c>r1 run</c> ("1").</summary>
    public const string EnvironmentVariable = "R1_PROFILE";

    [ThreadStatic] private static PhaseProfiler? t_current;

    private static readonly int PhaseCount = Enum.GetValues<DecodePhase>().Length;
    private readonly long[] _ticks = new long[PhaseCount];
    private readonly Stack<DecodePhase> _open = new();
    private long _mark, _stepStart, _stepTicks;
    private bool _inStep;

    /// <summary>A profiler when <c>R1_PROFILE=1</c>, else null.</summary>
    public static PhaseProfiler? FromEnvironment() =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) == "1" ? new PhaseProfiler() : null;

    /// <summary>The profiler active on this thread, or null.</summary>
    public static PhaseProfiler? Current => t_current;

    /// <summary>Decode steps measured.</summary>
    public int Steps { get; private set; }

    /// <summary>Makes this the thread's profiler until the returned scope is disposed (then the previous one is back).</summary>
    public IDisposable Activate()
    {
        var previous = t_current;
        t_current = this;
        return new Restore(previous);
    }

    /// <summary>Marks a phase on the thread's profiler, if any, until the scope is disposed: <c>using var _ = PhaseProfiler.Enter(...)</c>.</summary>
    public static PhaseScope Enter(DecodePhase phase) => t_current is { _inStep: true } p ? p.Push(phase) : default;

    /// <summary>Starts timing one decode step (phases outside a step are not counted).</summary>
    public void BeginStep()
    {
        _stepStart = _mark = Stopwatch.GetTimestamp();
        _open.Clear();
        _inStep = true;
    }

    /// <summary>Ends the step: the time not inside any phase counts as <see cref="DecodePhase.Other"/>.</summary>
    public void EndStep()
    {
        if (!_inStep) return;
        long now = Stopwatch.GetTimestamp();
        while (_open.Count > 0) Pop(now);
        _stepTicks += now - _stepStart;
        Steps++;
        _inStep = false;
    }

    /// <summary>Total exclusive time of <paramref name="phase"/> over all steps (Other = step time minus the named phases).</summary>
    public TimeSpan Total(DecodePhase phase)
    {
        long ticks = phase == DecodePhase.Other ? _stepTicks - _ticks.Sum() + _ticks[(int)DecodePhase.Other] : _ticks[(int)phase];
        return Stopwatch.GetElapsedTime(0, Math.Max(ticks, 0));
    }

    /// <summary>Total time of all measured steps.</summary>
    public TimeSpan StepTotal => Stopwatch.GetElapsedTime(0, _stepTicks);

    /// <summary>
    /// One line per phase: mean milliseconds per step and share of the step, e.g.
    /// <c>matvec       1.234 ms/step  61.0 %</c>, then the step total.
    /// </summary>
    public string Report()
    {
        var text = new StringBuilder();
        int steps = Math.Max(Steps, 1);
        double total = StepTotal.TotalMilliseconds;
        text.Append(CultureInfo.InvariantCulture, $"decode step split over {Steps} steps:\n");
        foreach (var phase in Enum.GetValues<DecodePhase>())
        {
            double ms = Total(phase).TotalMilliseconds;
            text.Append(CultureInfo.InvariantCulture, $"  {Name(phase),-10} {ms / steps,9:0.000} ms/step {(total > 0 ? 100 * ms / total : 0),6:0.0} %\n");
        }
        text.Append(CultureInfo.InvariantCulture, $"  {"step",-10} {total / steps,9:0.000} ms/step  100.0 %");
        return text.ToString();
    }

    /// <summary>The report's name of a phase: matvec, attention, norm+rope, lm_head, sampler, other.</summary>
    public static string Name(DecodePhase phase) => phase switch
    {
        DecodePhase.Matvec => "matvec",
        DecodePhase.Attention => "attention",
        DecodePhase.NormRope => "norm+rope",
        DecodePhase.LmHead => "lm_head",
        DecodePhase.Sampler => "sampler",
        _ => "other",
    };

    private PhaseScope Push(DecodePhase phase)
    {
        long now = Stopwatch.GetTimestamp();
        if (_open.Count > 0) _ticks[(int)_open.Peek()] += now - _mark;
        _open.Push(phase);
        _mark = now;
        return new PhaseScope(this, _open.Count);
    }

    internal void Exit(int depth)
    {
        if (!_inStep) return;
        long now = Stopwatch.GetTimestamp();
        while (_open.Count >= depth) Pop(now);
    }

    private void Pop(long now)
    {
        _ticks[(int)_open.Pop()] += now - _mark;
        _mark = now;
    }

    private sealed class Restore(PhaseProfiler? previous) : IDisposable
    {
        public void Dispose() => t_current = previous;
    }
}

/// <summary>An open phase of a <see cref="PhaseProfiler"/>; disposing closes it (the default value does nothing).</summary>
public readonly struct PhaseScope : IDisposable
{
    private readonly PhaseProfiler? _profiler;
    private readonly int _depth;

    internal PhaseScope(PhaseProfiler profiler, int depth) => (_profiler, _depth) = (profiler, depth);

    /// <summary>Closes the phase (and any phase opened inside it and left open).</summary>
    public void Dispose() => _profiler?.Exit(_depth);
}
