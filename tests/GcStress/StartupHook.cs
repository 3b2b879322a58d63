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
//   GCSTRESS_REPORT=FILE      at exit, write "finalized_scalars N" and "collections N" lines to FILE
using System.Diagnostics.Tracing;
using System.Globalization;
using System.Reflection;

/// <summary>The startup hook (the runtime calls <see cref="Initialize"/> before Main).</summary>
internal static class StartupHook
{
    private static long _collections;
    private static ScalarFinalizations? _listener;

    /// <summary>Starts the collector thread and the Scalar-finalization counter.</summary>
    public static void Initialize()
    {
        _listener = new ScalarFinalizations();
        if (Environment.GetEnvironmentVariable("GCSTRESS_COLLECT") != "0")
        {
            int pause = int.TryParse(Environment.GetEnvironmentVariable("GCSTRESS_PAUSE_MS"), CultureInfo.InvariantCulture, out int p) ? p : 0;
            var thread = new Thread(() => Collect(pause)) { IsBackground = true, Name = "GcStress" };
            thread.Start();
        }
        if (Environment.GetEnvironmentVariable("GCSTRESS_REPORT") is { Length: > 0 } report)
            AppDomain.CurrentDomain.ProcessExit += (_, _) => WriteReport(report);
    }

    private static void Collect(int pauseMs)
    {
        while (true)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Interlocked.Increment(ref _collections);
            if (pauseMs > 0) Thread.Sleep(pauseMs);
        }
    }

    private static void WriteReport(string path)
    {
        // Finalizers queued by the last collections run first, so their Scalars are counted too.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Thread.Sleep(200); // the listener receives runtime events asynchronously
        File.WriteAllText(path, string.Create(CultureInfo.InvariantCulture,
            $"finalized_scalars {_listener?.Count ?? -1}\ncollections {Interlocked.Read(ref _collections)}\n"));
    }
}

/// <summary>
/// Counts the runtime's FinalizeObject events (GC keyword, verbose) whose object type is TorchSharp.Scalar, identified
/// by its method table pointer once TorchSharp is loaded.
/// </summary>
internal sealed class ScalarFinalizations : EventListener
{
    private const string RuntimeProvider = "Microsoft-Windows-DotNETRuntime";
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private long _count;
    private long _scalarType;

    public ScalarFinalizations()
    {
        AppDomain.CurrentDomain.AssemblyLoad += (_, e) => Remember(e.LoadedAssembly);
        foreach (var a in AppDomain.CurrentDomain.GetAssemblies()) Remember(a);
    }

    /// <summary>Scalars finalized so far.</summary>
    public long Count => Interlocked.Read(ref _count);

    private void Remember(Assembly assembly)
    {
        if (assembly.GetName().Name != "TorchSharp") return;
        if (assembly.GetType("TorchSharp.Scalar") is { } scalar)
            Interlocked.Exchange(ref _scalarType, scalar.TypeHandle.Value.ToInt64());
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
        if (type != 0 && type == Interlocked.Read(ref _scalarType)) Interlocked.Increment(ref _count);
    }
}
