// Runs the real r1 program under the GcStress startup hook (tests/GcStress): a background thread forcing garbage
// collections, and counts of the TorchSharp Scalars and Tensors the finalizer disposed. Any Scalar that reaches the
// finalizer was left for the GC instead of being kept alive across its native call (Tensors/Scalars.cs); a Tensor that
// does was a temporary outside every dispose scope, which can die the same way. The Reliability tests require both
// counts to be 0 as well as the run to succeed.
using System.Globalization;
using R1Sharp.Tests.Cli;

namespace R1Sharp.Tests.Reliability;

/// <summary>The Reliability tests run real r1 processes that each keep a core busy: one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class GcStressCollection
{
    public const string Name = "GC stress";
}

/// <summary>What a GC-stressed r1 run left behind: its result and the hook's report (−1s when it wrote none).</summary>
public sealed record StressedResult(R1Result Result, long FinalizedScalars, long FinalizedTensors, long Collections)
{
    /// <summary>Exit code 0, no Scalar or Tensor finalized and (when stressed) collections really ran; else fails with the output.</summary>
    public void AssertSurvived(bool stressed = true) => AssertClean(Result, FinalizedScalars, FinalizedTensors, Collections, stressed);

    /// <summary>The checks of <see cref="AssertSurvived"/> on a report (<paramref name="result"/> null: a process still running).</summary>
    public static void AssertClean(R1Result? result, long scalars, long tensors, long collections, bool stressed = true)
    {
        if (result is not null) Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}\n{result.Stderr}\n{result.Stdout}");
        Assert.True(scalars == 0, $"{scalars} TorchSharp Scalars reached the finalizer (a temporary Scalar was handed to a native call)");
        Assert.True(tensors == 0, $"{tensors} TorchSharp Tensors reached the finalizer (a temporary outside every dispose scope)");
        if (stressed) Assert.True(collections > 0, "the GC-stress thread did not run");
    }
}

/// <summary>Starts r1 with DOTNET_STARTUP_HOOKS pointing at GcStress.dll (copied next to the tests).</summary>
public static class GcStressRun
{
    /// <summary>The hook assembly.</summary>
    public static string Hook => Path.Combine(AppContext.BaseDirectory, "GcStress.dll");

    /// <summary>
    /// The environment of a hooked r1 process writing its report to <paramref name="report"/>; with
    /// <paramref name="stressed"/> false the hook only counts (the unstressed baseline). Young-generation collections
    /// (0 and 1), 1 ms apart: a temporary Scalar lives in generation 0, so they finalize it as surely as full ones, while
    /// back-to-back full collections of a big heap (pretraining's corpus) take a whole core of this 2-core machine and
    /// starve libtorch's spinning worker threads (runs 10–50× slower, past the 5-minute limit on a loaded machine). They
    /// still crash main's code within a minute, and the Scalar count catches an unsafe site regardless.
    /// </summary>
    public static Dictionary<string, string> Environment(string report, bool stressed = true) => new()
    {
        ["DOTNET_STARTUP_HOOKS"] = Hook,
        ["GCSTRESS_REPORT"] = report,
        ["GCSTRESS_COLLECT"] = stressed ? "1" : "0",
        ["GCSTRESS_PAUSE_MS"] = "1",
        ["GCSTRESS_GENERATION"] = "1",
    };

    /// <summary>Runs <c>r1 args</c> under the hook and reads its report.</summary>
    public static StressedResult Run(bool stressed, params string[] args)
    {
        string report = Path.Combine(Path.GetTempPath(), "gcstress-" + Guid.NewGuid().ToString("N") + ".txt");
        try
        {
            var result = R1Process.RunWithEnvironment(Environment(report, stressed), null, args);
            var (scalars, tensors, collections) = ReadReport(report);
            return new StressedResult(result, scalars, tensors, collections);
        }
        finally { File.Delete(report); }
    }

    /// <summary>Runs <c>r1 args</c> under the hook with forced collections.</summary>
    public static StressedResult Run(params string[] args) => Run(true, args);

    /// <summary>(finalized Scalars, finalized Tensors, collections) from a report file; −1s when the process wrote none.</summary>
    public static (long Scalars, long Tensors, long Collections) ReadReport(string path)
    {
        if (!File.Exists(path)) return (-1, -1, -1);
        var values = File.ReadAllLines(path).Select(l => l.Split(' ')).ToDictionary(p => p[0], p => long.Parse(p[1], CultureInfo.InvariantCulture));
        return (values["finalized_scalars"], values["finalized_tensors"], values["collections"]);
    }
}
