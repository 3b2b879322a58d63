// Long-lived TorchSharp scalars for hot paths. TorchSharp turns numbers into temporary Scalar objects and passes
// their handles to native calls without keeping the objects alive, so a GC started by another thread (a server's
// request threads, the JIT) can finalize one mid-call. A Scalar held in a static field is never finalized.
using TorchSharp;

namespace R1Sharp.Models;

internal static class Scalars
{
    /// <summary>1, the alpha of a plain add.</summary>
    public static readonly Scalar One = 1.0;
}
