// A .NET startup hook that makes TorchSharp's temporary-Scalar hazard show up at once: a background thread runs
// GC.Collect + WaitForPendingFinalizers in a loop, so a Scalar that no live reference keeps alive across its native
// call is finalized (and its native memory freed) while libtorch still reads it. It also counts the Scalars the
// finalizer thread disposes — every one of them was left to the GC instead of being disposed or held in a static —
// which catches an unsafe site deterministically, even when the race is not lost during a run.
//
// Use: DOTNET_STARTUP_HOOKS=/path/GcStress.dll dotnet r1.dll zero ...
// Environment:
//   GCSTRESS_COLLECT=0        count only, no forced collections (the unstressed baseline)
//   GCSTRESS_PAUSE_MS=N       sleep N ms between collections (default 0: back to back)
//   GCSTRESS_GENERATION=G     collect generations 0..G (default 2: full collections, GC.Collect()); 0 is far cheaper
//                             on a big heap and still finalizes a just-created temporary (it lives in generation 0)
//   GCSTRESS_REPORT=FILE      write "finalized_scalars N", "finalized_tensors N" and "collections N" lines to FILE at
//                             exit and, while collecting, every half second (a killed process, e.g. a server, leaves a
//                             recent report). Tensors left to the finalizer are counted for information: outside a
//                             dispose scope they hold native memory until a GC, but are no bug by themselves.
using System.Diagnostics.Tracing;
using System.Globalization;
using System.Reflection;

/// <summary>The startup hook (the runtime calls <see cref="Initialize"/> before Main).</summary>
internal static class StartupHook
{
    private static long _collections;
    private static ScalarFinalizations? _listener;
    private static readonly object ReportLock = new();

    /// <summary>Starts the collector thread and the Scalar-finalization counter.</summary>
    public static void Initialize()
    {
        _listener = new ScalarFinalizations();
        string? report = Environment.GetEnvironmentVariable("GCSTRESS_REPORT") is { Length: > 0 } r ? r : null;
        if (report is not null) AppDomain.CurrentDomain.ProcessExit += (_, _) => WriteFinalReport(report);
        if (Environment.GetEnvironmentVariable("GCSTRESS_COLLECT") != "0")
        {
            int pause = int.TryParse(Environment.GetEnvironmentVariable("GCSTRESS_PAUSE_MS"), CultureInfo.InvariantCulture, out int p) ? p : 0;
            int generation = int.TryParse(Environment.GetEnvironmentVariable("GCSTRESS_GENERATION"), CultureInfo.InvariantCulture, out int g)
                ? Math.Clamp(g, 0, GC.MaxGeneration) : GC.MaxGeneration;
            var thread = new Thread(() => Collect(generation, pause, report)) { IsBackground = true, Name = "GcStress" };
            thread.Start();
        }
    }

    private static void Collect(int generation, int pauseMs, string? report)
    {
        var sinceReport = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            GC.Collect(generation);
            GC.WaitForPendingFinalizers();
            Interlocked.Increment(ref _collections);
            if (report is not null && sinceReport.ElapsedMilliseconds >= 500)
            {
                Write(report);
                sinceReport.Restart();
            }
            if (pauseMs > 0) Thread.Sleep(pauseMs);
        }
    }

    private static void WriteFinalReport(string path)
    {
        // Finalizers queued by the last collections run first, so their Scalars are counted too.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Thread.Sleep(200); // the listener receives runtime events asynchronously
        Write(path);
    }

    private static void Write(string path)
    {
        // Written aside and renamed, so a reader never sees half a report; one writer at a time (collector, exit).
        lock (ReportLock)
        {
            string temp = path + ".tmp";
            File.WriteAllText(temp, string.Create(CultureInfo.InvariantCulture,
                $"finalized_scalars {_listener?.Scalars ?? -1}\nfinalized_tensors {_listener?.Tensors ?? -1}\ncollections {Interlocked.Read(ref _collections)}\n"));
            File.Move(temp, path, overwrite: true);
        }
    }
}

/// <summary>
/// Counts the runtime's FinalizeObject events (GC keyword, verbose) whose object type is TorchSharp.Scalar or
/// TorchSharp's Tensor, identified by their method table pointers once TorchSharp is loaded.
/// </summary>
internal sealed class ScalarFinalizations : EventListener
{
    private const string RuntimeProvider = "Microsoft-Windows-DotNETRuntime";
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private long _scalars, _tensors;
    private long _scalarType, _tensorType;

    public ScalarFinalizations()
    {
        AppDomain.CurrentDomain.AssemblyLoad += (_, e) => Remember(e.LoadedAssembly);
        foreach (var a in AppDomain.CurrentDomain.GetAssemblies()) Remember(a);
    }

    /// <summary>Scalars finalized so far.</summary>
    public long Scalars => Interlocked.Read(ref _scalars);

    /// <summary>Tensors finalized so far (not disposed, not in a dispose scope).</summary>
    public long Tensors => Interlocked.Read(ref _tensors);

    private void Remember(Assembly assembly)
    {
        if (assembly.GetName().Name != "TorchSharp") return;
        if (assembly.GetType("TorchSharp.Scalar") is { } scalar)
            Interlocked.Exchange(ref _scalarType, scalar.TypeHandle.Value.ToInt64());
        if (assembly.GetType("TorchSharp.torch+Tensor") is { } tensor)
            Interlocked.Exchange(ref _tensorType, tensor.TypeHandle.Value.ToInt64());
    }

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == RuntimeProvider) EnableEvents(source, EventLevel.Verbose, GcKeyword);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (e.EventName != "FinalizeObject" || e.Payload is null || e.PayloadNames is null) return;
        int i = e.PayloadNames.IndexOf("TypeID");
        if (i < 0) return;
        long type = e.Payload[i] switch { IntPtr p => p.ToInt64(), ulong u => unchecked((long)u), long l => l, _ => 0 };
        if (type == 0) return;
        if (type == Interlocked.Read(ref _scalarType)) Interlocked.Increment(ref _scalars);
        else if (type == Interlocked.Read(ref _tensorType)) Interlocked.Increment(ref _tensors);
    }
}
