// SafeOps: comparisons of a tensor with a number (bool results); an integer value compares exactly on int64 tensors.
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Tensors;

public static partial class SafeOps
{
    // ---- comparisons (bool results) --------------------------------------------------------------------------------

    /// <summary><c>a &gt; value</c> per element. Example: [0.5, 1.5] &gt; 1.0 = [F, T].</summary>
    public static Tensor Gt(this Tensor a, Number value) => WithScalar(a, value, static (t, s) => t.gt(s));
    /// <summary><c>a ≥ value</c> per element.</summary>
    public static Tensor Ge(this Tensor a, Number value) => WithScalar(a, value, static (t, s) => t.ge(s));
    /// <summary><c>a &lt; value</c> per element. Example: [0.5, 1.5] &lt; 1.0 = [T, F].</summary>
    public static Tensor Lt(this Tensor a, Number value) => WithScalar(a, value, static (t, s) => t.lt(s));
    /// <summary><c>a ≤ value</c> per element.</summary>
    public static Tensor Le(this Tensor a, Number value) => WithScalar(a, value, static (t, s) => t.le(s));
    /// <summary><c>a = value</c> per element. Example: positions [0, 1, 0] = 0 gives [T, F, T].</summary>
    public static Tensor Eq(this Tensor a, Number value) => WithScalar(a, value, static (t, s) => t.eq(s));
    /// <summary><c>a ≠ value</c> per element. Example: labels [5, −100] ≠ −100 gives [T, F].</summary>
    public static Tensor Ne(this Tensor a, Number value) => WithScalar(a, value, static (t, s) => t.ne(s));
}
