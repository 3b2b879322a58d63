// Long-lived TorchSharp Scalars. TorchSharp 0.107 turns numbers (and the implicit alpha = 1 of Tensor + Tensor) into
// temporary Scalar objects and passes their handles to native calls without keeping the objects alive, so a GC started
// by another thread (a server's request threads, the JIT, the finalizer) can finalize one mid-call: libtorch then reads
// freed memory ("Expected false to be true ... toFloat at c10/core/Scalar.h"). A Scalar held in a static field is never
// finalized; a `using` local lives until it is disposed after the call. Everything else goes through SafeOps.
using TorchSharp;

namespace R1Sharp.Tensors;

/// <summary>
/// Constant Scalars held in static fields (never finalized), for native calls that take a Scalar. Integer constants are
/// int64 Scalars, as TorchSharp's implicit conversion of an <c>int</c> makes them, so they keep integer tensors integer.
/// </summary>
public static class Scalars
{
    /// <summary>0 (int64).</summary>
    public static readonly Scalar Zero = 0L.ToScalar();
    /// <summary>1 (int64): the alpha of a plain add, as TorchSharp's <c>add(Tensor)</c> passes it.</summary>
    public static readonly Scalar One = 1L.ToScalar();
    /// <summary>2 (int64): the exponent of TorchSharp's <c>square()</c> (which is <c>pow(2)</c>).</summary>
    public static readonly Scalar Two = 2L.ToScalar();
    /// <summary>−1 (int64).</summary>
    public static readonly Scalar MinusOne = (-1L).ToScalar();
    /// <summary>−∞ (float64), for masking logits and scores.</summary>
    public static readonly Scalar NegativeInfinity = double.NegativeInfinity.ToScalar();
    /// <summary>true, for filling masks.</summary>
    public static readonly Scalar True = true.ToScalar();
    /// <summary>false, for clearing masks.</summary>
    public static readonly Scalar False = false.ToScalar();
}
