// R1Sharp lowers GOMP_SPINCOUNT in the native environment when it loads (src/R1Sharp/IO/OpenMpSpin.cs), for libtorch's
// libgomp. llama.cpp's CPU backend links the system libgomp, a second copy that reads the environment when it loads, so
// in one process with R1Sharp it would inherit the lowered spin count and run below its own default. The benchmarks
// therefore load R1Sharp and libtorch first, then restore the user's environment before llama.cpp loads.
using System.Runtime.CompilerServices;
using R1Sharp.IO;
using TorchSharp;

namespace R1Sharp.Bench;

internal static class OpenMpIsolation
{
    /// <summary>Runs R1Sharp's module initializers and loads libtorch (with its libgomp), then undoes R1Sharp's
    /// GOMP_SPINCOUNT.</summary>
    public static void LoadTorchThenRestore()
    {
        RuntimeHelpers.RunModuleConstructor(typeof(OpenMpSpin).Module.ModuleHandle);
        _ = torch.get_num_threads(); // loads libtorch_cpu and its own libgomp, which read GOMP_SPINCOUNT now
        OpenMpSpin.Undo();
    }
}
