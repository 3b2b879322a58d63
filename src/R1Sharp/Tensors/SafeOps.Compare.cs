// SafeOps: comparisons of a tensor with a number (bool results), each Scalar a `using` local alive through the call.
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Tensors;

public static partial class SafeOps
{
    // ---- comparisons (bool results) --------------------------------------------------------------------------------

    /// <summary><c>a &gt; value</c> per element. Example: [0.5, 1.5] &gt; 1.0 = [F, T].</summary>
    public static Tensor Gt(this Tensor a, double value) { using var s = value.ToScalar(); return a.gt(s); }
    /// <summary><c>a &gt; value</c> with an integer value (exact on int64 tensors).</summary>
    public static Tensor Gt(this Tensor a, long value) { using var s = value.ToScalar(); return a.gt(s); }
    /// <summary><c>a ≥ value</c> per element.</summary>
    public static Tensor Ge(this Tensor a, double value) { using var s = value.ToScalar(); return a.ge(s); }
    /// <summary><c>a ≥ value</c> with an integer value.</summary>
    public static Tensor Ge(this Tensor a, long value) { using var s = value.ToScalar(); return a.ge(s); }
    /// <summary><c>a &lt; value</c> per element. Example: [0.5, 1.5] &lt; 1.0 = [T, F].</summary>
    public static Tensor Lt(this Tensor a, double value) { using var s = value.ToScalar(); return a.lt(s); }
    /// <summary><c>a &lt; value</c> with an integer value.</summary>
    public static Tensor Lt(this Tensor a, long value) { using var s = value.ToScalar(); return a.lt(s); }
    /// <summary><c>a ≤ value</c> per element.</summary>
    public static Tensor Le(this Tensor a, double value) { using var s = value.ToScalar(); return a.le(s); }
    /// <summary><c>a ≤ value</c> with an integer value.</summary>
    public static Tensor Le(this Tensor a, long value) { using var s = value.ToScalar(); return a.le(s); }
    /// <summary><c>a = value</c> per element.</summary>
    public static Tensor Eq(this Tensor a, double value) { using var s = value.ToScalar(); return a.eq(s); }
    /// <summary><c>a = value</c> with an integer value. Example: positions [0, 1, 0] = 0 gives [T, F, T].</summary>
    public static Tensor Eq(this Tensor a, long value) { using var s = value.ToScalar(); return a.eq(s); }
    /// <summary><c>a ≠ value</c> per element.</summary>
    public static Tensor Ne(this Tensor a, double value) { using var s = value.ToScalar(); return a.ne(s); }
    /// <summary><c>a ≠ value</c> with an integer value. Example: labels [5, −100] ≠ −100 gives [T, F].</summary>
    public static Tensor Ne(this Tensor a, long value) { using var s = value.ToScalar(); return a.ne(s); }
}
