// R1Sharp lowers GOMP_SPINCOUNT in the native environment when it loads (src/R1Sharp/IO/OpenMpSpin.cs), for libtorch's
// libgomp. llama.cpp's CPU backend links the system libgomp, a second copy that reads the environment when it loads, so
// in one process with R1Sharp it would inherit the lowered spin count and run below its own default. The benchmarks
// therefore load R1Sharp and libtorch first, then restore the user's environment before llama.cpp loads.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;

namespace R1Sharp.Bench;

internal static partial class OpenMpIsolation
{
    /// <summary>Runs R1Sharp's module initializers and loads libtorch (with its libgomp), then takes GOMP_SPINCOUNT out
    /// of the native environment again unless the user had set it.</summary>
    public static void LoadTorchThenRestore()
    {
        bool userSet = getenv("GOMP_SPINCOUNT") != 0;
        RuntimeHelpers.RunModuleConstructor(typeof(R1Sharp.Models.DecoderModel).Module.ModuleHandle);
        _ = torch.get_num_threads(); // loads libtorch_cpu and its own libgomp, which read GOMP_SPINCOUNT now
        if (!userSet) unsetenv("GOMP_SPINCOUNT");
    }

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint getenv(string name);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int unsetenv(string name);
}
