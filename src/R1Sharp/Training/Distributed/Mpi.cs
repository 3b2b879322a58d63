// A small P/Invoke surface over Open MPI's libmpi (MPI 3.1 C API): init, rank/size, in-place all-reduce of float and
// double buffers, broadcast, barrier, abort. MPI.NET (NuGet 1.4.0) binds MS-MPI's msmpi.dll and its integer handles;
// Open MPI's handles are addresses of exported structs (ompi_mpi_comm_world, ompi_mpi_float, ompi_mpi_op_sum), so
// MPI.NET cannot be pointed at libmpi.so. Here every handle is looked up by its exported symbol instead.
using System.Runtime.InteropServices;

namespace R1Sharp.Training.Distributed;

/// <summary>The reduction of an all-reduce.</summary>
public enum MpiOp { Sum, Max, Min }

/// <summary>
/// MPI_COMM_WORLD of an Open MPI job. <see cref="Open"/> loads libmpi (globally, so Open MPI's plugins resolve its
/// symbols, as mpi4py does), calls MPI_Init once and MPI_Finalize at process exit. Calls are collective: every rank
/// must make the same calls in the same order. An MPI error aborts the job (MPI_ERRORS_ARE_FATAL, the default).
/// </summary>
public sealed unsafe class Mpi
{
    private static readonly string[] LibraryNames = ["libmpi.so.40", "libmpi.so"];
    private const int RtldNow = 2, RtldGlobal = 0x100;
    private static readonly IntPtr InPlace = 1;   // Open MPI: #define MPI_IN_PLACE ((void *) 1)

    private readonly IntPtr _world, _float, _double, _byte, _sum, _max, _min;
    private readonly delegate* unmanaged<IntPtr, IntPtr, int, IntPtr, IntPtr, IntPtr, int> _allreduce;
    private readonly delegate* unmanaged<IntPtr, int, IntPtr, int, IntPtr, int> _bcast;
    private readonly delegate* unmanaged<IntPtr, int> _barrier;
    private readonly delegate* unmanaged<IntPtr, int, int> _abort;
    private readonly delegate* unmanaged<int> _finalize;

    /// <summary>This process's rank in MPI_COMM_WORLD (0 … Size − 1).</summary>
    public int Rank { get; }
    /// <summary>Processes in MPI_COMM_WORLD.</summary>
    public int Size { get; }

    [DllImport("libc", EntryPoint = "dlopen")]
    private static extern IntPtr DlOpen(string file, int mode);

    private Mpi(IntPtr lib)
    {
        IntPtr Export(string name) => NativeLibrary.TryGetExport(lib, name, out var p) ? p
            : throw new R1SharpException($"libmpi has no symbol {name}; data-parallel training needs Open MPI 4 or 5 (Debian: apt-get install openmpi-bin libopenmpi-dev)");
        _world = Export("ompi_mpi_comm_world");
        _float = Export("ompi_mpi_float");
        _double = Export("ompi_mpi_double");
        _byte = Export("ompi_mpi_byte");
        _sum = Export("ompi_mpi_op_sum");
        _max = Export("ompi_mpi_op_max");
        _min = Export("ompi_mpi_op_min");
        _allreduce = (delegate* unmanaged<IntPtr, IntPtr, int, IntPtr, IntPtr, IntPtr, int>)Export("MPI_Allreduce");
        _bcast = (delegate* unmanaged<IntPtr, int, IntPtr, int, IntPtr, int>)Export("MPI_Bcast");
        _barrier = (delegate* unmanaged<IntPtr, int>)Export("MPI_Barrier");
        _abort = (delegate* unmanaged<IntPtr, int, int>)Export("MPI_Abort");
        _finalize = (delegate* unmanaged<int>)Export("MPI_Finalize");
        var init = (delegate* unmanaged<IntPtr, IntPtr, int>)Export("MPI_Init");
        var rank = (delegate* unmanaged<IntPtr, int*, int>)Export("MPI_Comm_rank");
        var size = (delegate* unmanaged<IntPtr, int*, int>)Export("MPI_Comm_size");
        Check(init(IntPtr.Zero, IntPtr.Zero), "MPI_Init");
        int r, s;
        Check(rank(_world, &r), "MPI_Comm_rank");
        Check(size(_world, &s), "MPI_Comm_size");
        Rank = r;
        Size = s;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => _finalize();
    }

    /// <summary>Loads libmpi and initialises MPI (call once per process).</summary>
    public static Mpi Open()
    {
        foreach (string name in LibraryNames)
        {
            // RTLD_GLOBAL first: Open MPI's MCA plugins (dlopened by MPI_Init) link against libmpi's symbols.
            if (DlOpen(name, RtldNow | RtldGlobal) == IntPtr.Zero) continue;
            return new Mpi(NativeLibrary.Load(name));
        }
        throw new R1SharpException("this process runs under mpirun but libmpi.so.40 could not be loaded; install Open MPI (Debian: apt-get install openmpi-bin libopenmpi-dev)");
    }

    /// <summary>In-place all-reduce of <paramref name="values"/> over every rank.</summary>
    public void AllReduce(Span<float> values, MpiOp op = MpiOp.Sum)
    {
        fixed (float* p = values) AllReduce((IntPtr)p, values.Length, _float, op);
    }

    /// <summary>In-place all-reduce of <paramref name="values"/> over every rank.</summary>
    public void AllReduce(Span<double> values, MpiOp op = MpiOp.Sum)
    {
        fixed (double* p = values) AllReduce((IntPtr)p, values.Length, _double, op);
    }

    /// <summary>In-place all-reduce of <paramref name="count"/> fp32 values at <paramref name="data"/> (e.g. a tensor's storage).</summary>
    public void AllReduceFloats(IntPtr data, int count, MpiOp op = MpiOp.Sum) => AllReduce(data, count, _float, op);

    private void AllReduce(IntPtr data, int count, IntPtr type, MpiOp op)
    {
        if (count == 0) return;
        var handle = op switch { MpiOp.Sum => _sum, MpiOp.Max => _max, _ => _min };
        Check(_allreduce(InPlace, data, count, type, handle, _world), "MPI_Allreduce");
    }

    /// <summary>Broadcasts <paramref name="count"/> bytes at <paramref name="data"/> from <paramref name="root"/> to every rank.</summary>
    public void Broadcast(IntPtr data, int count, int root = 0)
    {
        if (count > 0) Check(_bcast(data, count, _byte, root, _world), "MPI_Bcast");
    }

    /// <summary>Broadcasts <paramref name="values"/> from <paramref name="root"/>.</summary>
    public void Broadcast(Span<byte> values, int root = 0)
    {
        fixed (byte* p = values) Broadcast((IntPtr)p, values.Length, root);
    }

    /// <summary>Waits until every rank has called it.</summary>
    public void Barrier() => Check(_barrier(_world), "MPI_Barrier");

    /// <summary>Ends every rank of the job with <paramref name="code"/> (MPI_Abort); does not return.</summary>
    public void Abort(int code) => _abort(_world, code);

    private static void Check(int rc, string call)
    {
        if (rc != 0) throw new R1SharpException($"{call} failed with MPI error code {rc}");
    }
}
