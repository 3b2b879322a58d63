// libtorch's OpenMP (libgomp) workers spin up to 300,000 rounds (around a millisecond here) after each parallel region
// before sleeping. R1Sharp alternates libtorch ops with its own kernel threads (KernelPool) — a prefill runs libtorch's
// GEMMs between managed norms, RoPE and attention — so on a 2-core machine the spinning libgomp worker took a core from
// the kernels: a 0.5B int4 prompt prefilled at 379 tok/s, and at 501 with 10,000 rounds (bf16 521 → 600; `r1 zero` no
// slower). libgomp reads GOMP_SPINCOUNT when it is loaded, so this sets it in the native environment when R1Sharp loads,
// before its first TorchSharp call, unless the user set GOMP_SPINCOUNT or OMP_WAIT_POLICY.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace R1Sharp.IO;

internal static partial class OpenMpSpin
{
    /// <summary>The spin count R1Sharp sets.</summary>
    internal const string SpinCount = "10000";

#pragma warning disable CA2255 // a library module initializer on purpose: it must run before libtorch (and libgomp) load
    [ModuleInitializer]
    internal static void OnLoad()
    {
        if (OperatingSystem.IsLinux()) SetHere = Apply(GetNative, (name, value) => setenv(name, value, 0));
    }
#pragma warning restore CA2255

    /// <summary>Whether loading R1Sharp set GOMP_SPINCOUNT in this process (false where the user had chosen).</summary>
    internal static bool SetHere { get; private set; }

    /// <summary>Takes the GOMP_SPINCOUNT that loading R1Sharp set out of the native environment again, so that a
    /// libgomp loaded later (llama.cpp's, in the benchmarks) reads the user's environment.</summary>
    internal static void Undo()
    {
        if (!SetHere) return;
        unsetenv("GOMP_SPINCOUNT");
        SetHere = false;
    }

    /// <summary>Sets GOMP_SPINCOUNT through <paramref name="set"/> when neither it nor OMP_WAIT_POLICY is set; returns
    /// whether it did.</summary>
    internal static bool Apply(Func<string, string?> get, Action<string, string> set)
    {
        if (get("GOMP_SPINCOUNT") is not null || get("OMP_WAIT_POLICY") is not null) return false;
        set("GOMP_SPINCOUNT", SpinCount);
        return true;
    }

    /// <summary>A variable of the native (C) environment, which .NET's Environment does not write on Unix.</summary>
    internal static string? GetNative(string name) => Marshal.PtrToStringUTF8(getenv(name));

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint getenv(string name);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int unsetenv(string name);
}
