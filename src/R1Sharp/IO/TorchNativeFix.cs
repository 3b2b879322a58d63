// TorchSharp on Debian 12 for apps that reference src/R1Sharp as a project (DESIGN.md "Platform facts"): NuGet gives
// package consumers build/TorchSharpNativeFix.targets (buildTransitive/R1Sharp.targets), but a ProjectReference brings
// no build step, so the app's copy of libLibTorchSharp.so would still ask for GLIBCXX_3.4.32. When R1Sharp loads, this
// applies the same one-flag patch to the copies in the app's directory before TorchSharp loads them. Where the build
// step ran (packages, this repository's projects) it finds them weak already and writes nothing.
using System.Runtime.CompilerServices;

namespace R1Sharp.IO;

internal static class TorchNativeFix
{
    /// <summary>Where TorchSharp looks for its native library in an app built for linux-x64 (with or without a RID).</summary>
    internal static readonly string[] RelativePaths =
        [ElfGlibcxxRequirement.LibraryName, Path.Combine("runtimes", "linux-x64", "native", ElfGlibcxxRequirement.LibraryName)];

#pragma warning disable CA2255 // a library module initializer on purpose: it must run before R1Sharp's first TorchSharp call
    [ModuleInitializer]
    internal static void OnLoad() => Apply(AppContext.BaseDirectory);
#pragma warning restore CA2255

    /// <summary>Patches the copies under <paramref name="appDirectory"/> that need it; returns each path with what was
    /// done. Never throws: an unreadable or read-only copy is left to TorchSharp's own load error.</summary>
    internal static IReadOnlyList<(string Path, string Result)> Apply(string appDirectory)
    {
        var done = new List<(string, string)>();
        if (!OperatingSystem.IsLinux()) return done;
        foreach (string relative in RelativePaths)
        {
            string path = Path.Combine(appDirectory, relative);
            if (!File.Exists(path)) continue;
            try { done.Add((path, ElfGlibcxxRequirement.PatchFile(path))); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException)
            {
                done.Add((path, "failed: " + e.Message));
            }
        }
        return done;
    }
}
