// Long-lived TorchSharp scalars for hot paths. TorchSharp turns numbers into temporary Scalar objects and passes
// their handles to native calls without keeping the objects alive, so a GC started by another thread (a server's
// request threads, the JIT) can finalize one mid-call. A Scalar held in a static field is never finalized.
using TorchSharp;

namespace R1Sharp.Models;

internal static class Scalars
{
    /// <summary>1, the alpha of a plain add.</summary>
    public static readonly Scalar One = 1.0;
    /// <summary>true, for filling masks.</summary>
    public static readonly Scalar True = true;
    /// <summary>false, for clearing masks.</summary>
    public static readonly Scalar False = false;

    /// <summary><c>[start, start + count)</c> as an int64 tensor, built from a managed array (TorchSharp's
    /// <c>arange</c> takes its bounds as temporary Scalars).</summary>
    public static torch.Tensor Range(long start, long count, torch.Device device)
    {
        var values = new long[count];
        for (long i = 0; i < count; i++) values[i] = start + i;
        return torch.tensor(values, device: device);
    }
}
