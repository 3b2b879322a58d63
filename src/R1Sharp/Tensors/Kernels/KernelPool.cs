// A fixed pool of worker threads for the managed decode kernels (llama.cpp's ggml threadpool): the caller and
// ProcessorCount−1 workers each run one part of a kernel. Workers spin briefly between calls (a decode step makes
// ~100 calls a few microseconds apart) and then sleep, so an idle pool costs nothing.
using System.Diagnostics;

namespace R1Sharp.Tensors.Kernels;

/// <summary>
/// Runs <c>body(part, parts)</c> for every part on its own thread and returns when all are done. One caller at a
/// time: a second caller that finds the pool busy runs its body alone (<c>parts</c> = 1) instead of waiting.
/// </summary>
public sealed class KernelPool
{
    /// <summary>The process-wide pool, one thread per processor.</summary>
    public static KernelPool Shared { get; } = new(Environment.ProcessorCount);

    private static readonly long SpinTicks = Stopwatch.Frequency / 2000; // workers spin 0.5 ms before sleeping

    private readonly SemaphoreSlim[] _wake;
    private readonly int[] _sleeping;
    private readonly Lock _gate = new();
    private Action<int, int>? _body;
    private Exception? _error;
    private long _generation;
    private long _parked = -1;
    private int _remaining;

    /// <summary>Parts each <see cref="Run"/> splits into (the caller's thread included).</summary>
    public int Threads { get; }

    /// <summary>Starts <paramref name="threads"/>−1 background workers.</summary>
    public KernelPool(int threads)
    {
        Threads = Math.Max(1, threads);
        _wake = new SemaphoreSlim[Threads - 1];
        _sleeping = new int[Threads - 1];
        for (int i = 0; i < Threads - 1; i++)
        {
            _wake[i] = new SemaphoreSlim(0);
            int index = i;
            new Thread(() => Work(index)) { IsBackground = true, Name = $"r1-kernel-{i + 1}" }.Start();
        }
    }

    /// <summary>Work (multiply-adds) below which a kernel runs on the calling thread alone: waking a worker costs
    /// more than it saves (the tiny models' steps measured 5× slower split).</summary>
    public const long MinParallelWork = 1 << 17;

    /// <summary>Runs <paramref name="body"/>(part, parts) for part 0..parts−1, part 0 on the calling thread; with less
    /// than <see cref="MinParallelWork"/> of <paramref name="work"/>, runs body(0, 1) alone.</summary>
    public void Run(Action<int, int> body, long work = long.MaxValue)
    {
        if (Threads == 1 || work < MinParallelWork || !_gate.TryEnter())
        {
            body(0, 1);
            return;
        }
        try
        {
            _body = body;
            _error = null;
            Volatile.Write(ref _remaining, Threads - 1);
            Interlocked.Increment(ref _generation);
            for (int i = 0; i < _sleeping.Length; i++)
                if (Interlocked.Exchange(ref _sleeping[i], 0) == 1) _wake[i].Release();
            Exception? own = null;
            try { body(0, Threads); }
            catch (Exception e) { own = e; }
            var spin = new SpinWait();
            while (Volatile.Read(ref _remaining) != 0) spin.SpinOnce(sleep1Threshold: -1);
            _body = null;
            if ((own ?? _error) is { } error) throw new AggregateException("a kernel part failed", error);
        }
        finally { _gate.Exit(); }
    }

    /// <summary>Sends the idle workers to sleep now instead of after their spin: called before work of other threads
    /// (libtorch's OpenMP GEMMs in a prefill) that a spinning worker would take a core from: a 512-token int4 prefill of
    /// the 0.5B shape, dequantizing on the pool between GEMMs, took 0.89–0.96 × the time (medians of 6 paired runs).</summary>
    public void Park() => Volatile.Write(ref _parked, Volatile.Read(ref _generation));

    private void Work(int index)
    {
        long seen = 0;
        while (true)
        {
            long generation;
            long idleSince = Stopwatch.GetTimestamp();
            while ((generation = Volatile.Read(ref _generation)) == seen)
            {
                if (Volatile.Read(ref _parked) != seen && Stopwatch.GetTimestamp() - idleSince < SpinTicks) { Thread.SpinWait(20); continue; }
                // Announce sleep, then re-check: Run increments the generation before it reads the flag, so either
                // Run sees the flag and releases the semaphore, or this thread sees the new generation.
                Interlocked.Exchange(ref _sleeping[index], 1);
                if (Volatile.Read(ref _generation) == seen) _wake[index].Wait();
                else if (Interlocked.Exchange(ref _sleeping[index], 0) == 0) _wake[index].Wait(); // Run took the flag: consume its release
                idleSince = Stopwatch.GetTimestamp();
            }
            seen = generation;
            try { _body!(index + 1, Threads); }
            catch (Exception e) { _error = e; }
            Interlocked.Decrement(ref _remaining);
        }
    }

    /// <summary>The half-open range of <paramref name="count"/> items that part <paramref name="part"/> of
    /// <paramref name="parts"/> handles, boundaries rounded to multiples of <paramref name="align"/>.</summary>
    public static (int Start, int End) Split(int count, int part, int parts, int align = 1)
    {
        int Bound(int p) => p == parts ? count : (int)((long)count * p / parts / align * align);
        return (Bound(part), Bound(part + 1));
    }
}
