// Continuous batching (vLLM's scheduler, llama.cpp server -cb): one thread owns the model; between decode steps it
// admits queued requests (prefilled together, their cache rows appended to the running batch) and drops finished
// or cancelled sequences. This file: options, submission and lifecycle; the loop is in BatchScheduler.Loop.cs, the
// graceful stop (vLLM / uvicorn style: refuse new work, drain running work within a grace period) in BatchScheduler.Shutdown.cs.
using R1Sharp.Models;

namespace R1Sharp.Generation;

/// <summary>Limits of a <see cref="BatchScheduler"/> (runtime options, like llama.cpp's -np / vLLM's max_num_seqs).</summary>
public sealed record BatchSchedulerOptions
{
    /// <summary>Sequences decoded together at most (a request with n samples takes n). Default 8.</summary>
    public int MaxBatchRows { get; init; } = 8;
    /// <summary>Requests waiting for a slot at most; <see cref="BatchScheduler.TrySubmit"/> refuses more. Default 64.</summary>
    public int MaxQueuedJobs { get; init; } = 64;
    /// <summary>Context length (prompt + output) of every sequence; null = the model's max_position_embeddings.</summary>
    public int? ContextLength { get; init; }
    /// <summary>Most tokens one prefill forward processes. Default 4096.</summary>
    public int PrefillChunkTokens { get; init; } = 4096;
    /// <summary>A pause before every decode step (demos and UI tests that need slow output). Default none.</summary>
    public TimeSpan StepDelay { get; init; }

    /// <summary>Throws a one-line <see cref="R1SharpException"/> naming the first bad option.</summary>
    public BatchSchedulerOptions Validate()
    {
        if (MaxBatchRows < 1) throw new R1SharpException($"max-batch must be >= 1, got {MaxBatchRows}");
        if (MaxQueuedJobs < 0) throw new R1SharpException($"max-queue must be >= 0, got {MaxQueuedJobs}");
        if (ContextLength < 2) throw new R1SharpException($"ctx must be >= 2 tokens, got {ContextLength}");
        if (PrefillChunkTokens < 1) throw new R1SharpException($"prefill chunk must be >= 1 token, got {PrefillChunkTokens}");
        if (StepDelay < TimeSpan.Zero) throw new R1SharpException("step delay must not be negative");
        return this;
    }
}

/// <summary>
/// Serves many concurrent generation requests with one model: requests join and leave a running decode batch
/// (continuous batching). Thread-safe: submit from any thread; a dedicated thread runs the model.
/// <see cref="ShutdownAsync"/> stops it gracefully; <see cref="Dispose"/> stops it at once (running and queued jobs end as
/// cancelled). Either joins the thread, so the model can be disposed afterwards.
/// </summary>
public sealed partial class BatchScheduler : IDisposable
{
    private readonly object _gate = new();
    private readonly Queue<GenerationJob> _queue = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _running;
    private int _reserved;                    // queue places held by QueueReservations not yet submitted (under _gate)
    private long _generatedTokens, _steps;
    private bool _disposed;
    private volatile bool _stopping;          // set under _gate by ShutdownAsync: no more submissions or admissions
    private volatile Exception? _abortError;  // set before _stop is cancelled when running jobs must fail, not cancel

    /// <summary>Starts the scheduler thread over <paramref name="generator"/> (which it then owns exclusively; do not call it elsewhere).</summary>
    public BatchScheduler(TextGenerator generator, BatchSchedulerOptions? options = null)
    {
        TextGenerator = generator;
        Options = (options ?? new BatchSchedulerOptions()).Validate();
        ContextLength = Options.ContextLength ?? generator.ModelContextLength;
        if (ContextLength > generator.ModelContextLength)
            throw new R1SharpException($"ctx {ContextLength} exceeds the model's max_position_embeddings {generator.ModelContextLength} (config.json); use --ctx {generator.ModelContextLength} or less");
        _workspace = new SamplerWorkspace(generator.Model.Config.VocabSize);
        _thread = new Thread(Loop) { IsBackground = true, Name = "r1-batch-scheduler" };
        _thread.Start();
    }

    /// <summary>The generator (model, tokenizer, defaults).</summary>
    public TextGenerator TextGenerator { get; }
    /// <summary>The model's tokenizer, to build requests (e.g. <see cref="GenerationRequest.ForChat"/>).</summary>
    public Text.HfTokenizer Tokenizer => TextGenerator.Tokenizer;
    /// <summary>The model's default options (generation_config.json), the base of each request's options.</summary>
    public GenerationOptions DefaultOptions() => TextGenerator.DefaultOptions();
    /// <summary>The limits.</summary>
    public BatchSchedulerOptions Options { get; }
    /// <summary>Context length of every sequence.</summary>
    public int ContextLength { get; }
    /// <summary>Requests waiting for a slot.</summary>
    public int QueuedJobs { get { lock (_gate) return _queue.Count; } }
    /// <summary>Sequences in the running batch.</summary>
    public int RunningSequences => Volatile.Read(ref _running);
    /// <summary>Tokens generated so far (all sequences, prefill-sampled first tokens included).</summary>
    public long GeneratedTokens => Interlocked.Read(ref _generatedTokens);
    /// <summary>Decode steps run so far.</summary>
    public long DecodeSteps => Interlocked.Read(ref _steps);

    /// <summary>
    /// Queues one prompt × n samples. Returns null when the queue is full (answer 429 and retry later).
    /// Cancel <paramref name="cancellationToken"/> (e.g. the client disconnected) to free its rows within one step.
    /// </summary>
    /// <exception cref="R1SharpException">Bad options, n above the batch size, or a prompt that does not fit the context.</exception>
    /// <exception cref="SchedulerStoppingException"><see cref="ShutdownAsync"/> has begun.</exception>
    public GenerationJob? TrySubmit(GenerationRequest request, GenerationOptions options, CancellationToken cancellationToken = default)
    {
        using var reservation = TryReserve();
        return reservation is null ? null : Submit(reservation, request, options, cancellationToken);
    }

    /// <summary>
    /// Takes a place in the queue before the request is prepared, so that a full queue is refused before costly work
    /// (tokenizing). Null when the queue is full. Dispose the reservation unless <see cref="Submit"/> used it.
    /// </summary>
    /// <exception cref="SchedulerStoppingException"><see cref="ShutdownAsync"/> has begun.</exception>
    public QueueReservation? TryReserve()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        lock (_gate)
        {
            if (_stopping) throw Stopping();
            // Jobs that free batch rows will take at the next step are not waiting; only the rest count against the queue.
            int freeRows = Math.Max(0, Options.MaxBatchRows - _running);
            if (_queue.Count + _reserved >= Options.MaxQueuedJobs + freeRows) return null;
            _reserved++;
        }
        return new QueueReservation(this, () => { lock (_gate) _reserved--; });
    }

    /// <summary>Queues one prompt × n samples in the place <paramref name="reservation"/> holds (see <see cref="TrySubmit"/>).</summary>
    /// <exception cref="R1SharpException">Bad options, n above the batch size, or a prompt that does not fit the context
    /// (the reservation is then still held: dispose it).</exception>
    /// <exception cref="SchedulerStoppingException"><see cref="ShutdownAsync"/> has begun.</exception>
    public GenerationJob Submit(QueueReservation reservation, GenerationRequest request, GenerationOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        if (reservation.Owner != this) throw new ArgumentException("the reservation belongs to another scheduler", nameof(reservation));
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (options.ContextLength > ContextLength)
            throw new R1SharpException($"ctx {options.ContextLength} exceeds the server's context {ContextLength}");
        options = (options with { ContextLength = options.ContextLength ?? ContextLength }).Validate();
        if (options.SamplesPerPrompt > Options.MaxBatchRows)
            throw new R1SharpException($"n = {options.SamplesPerPrompt} exceeds the batch size {Options.MaxBatchRows}; ask for fewer samples or raise --max-batch");
        int context = TextGenerator.CheckRequests([request], options);
        var job = new GenerationJob(request, options, context, cancellationToken);
        lock (_gate)
        {
            if (_stopping) throw Stopping();
            if (!reservation.TryConsume()) throw new InvalidOperationException("the reservation was already used or disposed");
            _reserved--;
            _queue.Enqueue(job);
        }
        _signal.Release();
        return job;
    }

    /// <summary>Submits and streams the deltas; throws <see cref="R1SharpException"/> when the queue is full.</summary>
    public async IAsyncEnumerable<GenerationDelta> StreamAsync(GenerationRequest request, GenerationOptions options,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var job = TrySubmit(request, options, cancellationToken)
            ?? throw new R1SharpException($"the generation queue is full ({Options.MaxQueuedJobs} waiting); retry later");
        await foreach (var delta in job.Deltas.ReadAllAsync(CancellationToken.None)) yield return delta;
    }

    /// <summary>Stops the thread; queued and running jobs end as cancelled.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        lock (_gate) _stopping = true;
        _stop.Cancel();
        _thread.Join();
        lock (_gate)
            while (_queue.Count > 0) _queue.Dequeue().CancelUnstarted();
        _stop.Dispose();
        _signal.Dispose();
    }
}
