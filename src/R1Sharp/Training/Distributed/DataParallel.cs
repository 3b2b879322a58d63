// Data-parallel training over MPI (the shape of PyTorch DDP): every rank holds the same parameters, runs forward and
// backward on its share of the step's batch, and the gradients are summed across ranks in fp32 buckets before clipping
// and the optimizer step, so every rank takes the same step. Parameters are compared by checksum every few steps.
using System.Globalization;
using System.Runtime.InteropServices;
using R1Sharp.Tensors;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace R1Sharp.Training.Distributed;

/// <summary>
/// The ranks of this job. <see cref="Current"/> is one process (rank 0 of 1) unless this process was started by
/// Open MPI's mpirun with more than one process, then MPI_COMM_WORLD. Every member is collective when Size &gt; 1.
/// </summary>
public sealed class DataParallel
{
    /// <summary>Default fp32 all-reduce bucket: 25 MB, as PyTorch DDP's bucket_cap_mb.</summary>
    public const int DefaultBucketFloats = 25 * 1024 * 1024 / sizeof(float);
    /// <summary>Environment variable: compare parameter checksums every this many optimizer steps (default 10; 0 = only at
    /// the start and at checkpoints); rank 0's value holds for every rank.</summary>
    public const string CheckStepsVariable = "R1SHARP_DP_CHECK_STEPS";

    private static readonly Lock Gate = new();
    private static DataParallel? _current;
    private readonly Mpi? _mpi;

    private DataParallel(Mpi? mpi, int checkEvery)
    {
        _mpi = mpi;
        Rank = mpi?.Rank ?? 0;
        Size = mpi?.Size ?? 1;
        CheckEvery = checkEvery;
    }

    /// <summary>One process, no MPI.</summary>
    public static DataParallel Single { get; } = new(null, 0);

    /// <summary>This process's job: MPI when started by mpirun with -np &gt; 1 (MPI_Init on first use), else <see cref="Single"/>.</summary>
    public static DataParallel Current
    {
        get
        {
            lock (Gate) return _current ??= Detect();
        }
    }

    /// <summary>The job this process joined through <see cref="Current"/>, or null when nothing asked yet (no MPI_Init done).</summary>
    public static DataParallel? Joined
    {
        get
        {
            lock (Gate) return _current;
        }
    }

    /// <summary>This process's rank (0 … Size − 1); rank 0 writes checkpoints, metrics and logs.</summary>
    public int Rank { get; }
    /// <summary>Processes in the job.</summary>
    public int Size { get; }
    /// <summary>True on rank 0 (and in a one-process run).</summary>
    public bool IsMain => Rank == 0;
    /// <summary>True with more than one rank.</summary>
    public bool IsDistributed => Size > 1;
    /// <summary>Optimizer steps between parameter checksums (0: only when asked).</summary>
    public int CheckEvery { get; }

    private static DataParallel Detect()
    {
        // Open MPI's launcher sets OMPI_COMM_WORLD_SIZE in every rank; without it there is no job to join.
        string? size = Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE");
        if (size is null || !int.TryParse(size, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n <= 1) return Single;
        string? every = Environment.GetEnvironmentVariable(CheckStepsVariable);
        int check = 10;
        if (every is not null && (!int.TryParse(every, NumberStyles.Integer, CultureInfo.InvariantCulture, out check) || check < 0))
            throw new R1SharpException($"{CheckStepsVariable}={every}: give a whole number of steps ≥ 0");
        // Rank 0's interval holds for all: the check is collective, so ranks that disagreed on it would deadlock.
        var mpi = Mpi.Open();
        Span<int> shared = [check];
        mpi.Broadcast(MemoryMarshal.AsBytes(shared));
        return new DataParallel(mpi, shared[0]);
    }

    /// <summary>Sums <paramref name="values"/> over every rank, in place.</summary>
    public void SumInPlace(Span<double> values) => _mpi?.AllReduce(values);

    /// <summary>Waits for every rank.</summary>
    public void Barrier() => _mpi?.Barrier();

    /// <summary>Ends the whole job (MPI_Abort) after this rank failed, so the others do not wait for it forever.</summary>
    public void Abort(int code) => _mpi?.Abort(code);

    /// <summary>
    /// Sums the gradients of <paramref name="parameters"/> over the ranks, in fp32 buckets of at most
    /// <paramref name="bucketFloats"/> values. A parameter that got no gradient on this rank but did on another
    /// (an expert no local token was routed to) gets a zero gradient first; one with no gradient anywhere keeps none,
    /// so the optimizer skips it as in a one-process run.
    /// </summary>
    public void AllReduceGradients(IReadOnlyList<Parameter> parameters, int bucketFloats = DefaultBucketFloats)
    {
        if (_mpi is null) return;
        var trainable = parameters.Where(p => p.requires_grad).ToArray();
        var has = new double[trainable.Length];
        for (int i = 0; i < trainable.Length; i++)
        {
            using var g = trainable[i].grad;
            has[i] = g is null ? 0 : 1;
        }
        _mpi.AllReduce(has.AsSpan(), MpiOp.Max);
        var grads = new List<Tensor>();
        for (int i = 0; i < trainable.Length; i++)
        {
            if (has[i] == 0) continue;
            if (trainable[i].grad is null) ZeroGradient(trainable[i]);
            grads.Add(trainable[i].grad!);
        }
        try
        {
            foreach (var bucket in GradientBuckets.Plan(grads.Select(g => g.numel()).ToArray(), bucketFloats))
                ReduceBucket(grads.GetRange(bucket.Start, bucket.Count));
        }
        finally { foreach (var g in grads) g.Dispose(); }
    }

    private static void ZeroGradient(Parameter p)
    {
        using var scope = NewDisposeScope();
        p.sum().Times(0.0).backward();   // creates p.grad = 0 (autograd accumulates into a fresh zero tensor)
    }

    private void ReduceBucket(List<Tensor> grads)
    {
        using var scope = NewDisposeScope();
        var flat = cat(grads.Select(g => g.detach().to_type(ScalarType.Float32).flatten()).ToArray());
        var buffer = flat.data<float>().ToArray();
        _mpi!.AllReduce(buffer.AsSpan());
        var reduced = tensor(buffer);
        long offset = 0;
        using var noGrad = no_grad();
        foreach (var g in grads)
        {
            g.copy_(reduced.narrow(0, offset, g.numel()).view(g.shape));
            offset += g.numel();
        }
    }

    /// <summary>Copies rank 0's values of <paramref name="parameters"/> to every rank (at the start of a run).</summary>
    public void BroadcastParameters(IReadOnlyList<Parameter> parameters)
    {
        if (_mpi is null) return;
        using var noGrad = no_grad();
        foreach (var p in parameters)
        {
            using var scope = NewDisposeScope();
            var values = p.detach().contiguous().to_type(ScalarType.Float32).flatten().data<float>().ToArray();
            _mpi.Broadcast(MemoryMarshal.AsBytes(values.AsSpan()));
            p.copy_(tensor(values).view(p.shape).to_type(p.dtype));
        }
    }

    /// <summary>
    /// Compares the parameters bit for bit across ranks (a 64-bit FNV-1a checksum each, rank 0's broadcast); a rank
    /// that differs ends the run on every rank with an error naming the ranks, the first differing parameter and the step.
    /// </summary>
    public void CheckParameters(IReadOnlyList<(string Name, Parameter Parameter)> parameters, int step)
    {
        if (_mpi is null) return;
        var sums = parameters.Select(p => ParameterChecksum.Of(p.Parameter)).ToArray();
        var root = (ulong[])sums.Clone();
        _mpi.Broadcast(MemoryMarshal.AsBytes(root.AsSpan()));
        int first = Enumerable.Range(0, sums.Length).FirstOrDefault(i => sums[i] != root[i], -1);
        var differs = new double[Size];
        differs[Rank] = first < 0 ? 0 : first + 1;
        _mpi.AllReduce(differs.AsSpan());
        var bad = Enumerable.Range(0, Size).Where(r => differs[r] > 0).ToArray();
        if (bad.Length == 0) return;
        string name = parameters[(int)differs[bad[0]] - 1].Name;
        throw new R1SharpException($"data parallel: after step {step} the parameters of rank {string.Join(", ", bad)} differ from rank 0's " +
            $"(first: {name}); the ranks ran different code or data — run every rank with the same r1 build, arguments and files");
    }
}
