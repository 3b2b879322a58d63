// Tensor arithmetic with numbers that never hands a dying Scalar to a native call (see Scalars for why): each method
// runs exactly the TorchSharp op its unsafe form runs (same native function, same Scalar type and value), with every
// Scalar either a static of Scalars or a `using` local that is disposed only after the call returned.
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Tensors;

/// <summary>
/// GC-safe replacements for TorchSharp's number arithmetic: <c>a.Plus(b)</c> for <c>a + b</c>, <c>t.Times(0.5)</c>
/// for <c>t * 0.5</c>, <c>t.ClampMin(1.0)</c> for <c>t.clamp_min(1.0)</c>, <c>mask.Eq(0)</c> for <c>mask.eq(0)</c>.
/// Where TorchSharp takes both, the value is a <see cref="Number"/>: a double gives a float64 Scalar, an int or long an
/// int64 Scalar (which keeps integer tensors integer), as TorchSharp's own overloads do. Methods that take a
/// <c>double</c> always make a float64 Scalar, integer arguments included.
/// </summary>
public static partial class SafeOps
{
    // ---- Tensor ± Tensor -------------------------------------------------------------------------------------------

    /// <summary><c>a + b</c> (TorchSharp's <c>a.add(b)</c>, alpha 1). Example: [1, 2] + [10, 20] = [11, 22].</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, Scalars.One);

    /// <summary><c>a − b</c>. Example: [11, 22] − [10, 20] = [1, 2].</summary>
    /// <remarks>TorchSharp's <c>sub(Tensor)</c> passes no Scalar (libtorch's default alpha), so it is used as is.</remarks>
    public static Tensor Minus(this Tensor a, Tensor b) => a.sub(b);

    /// <summary><c>a += b</c> in place; returns <paramref name="a"/>.</summary>
    public static Tensor PlusInPlace(this Tensor a, Tensor b) => a.add_(b, Scalars.One);

    /// <summary><c>a −= b</c> in place; returns <paramref name="a"/>.</summary>
    public static Tensor MinusInPlace(this Tensor a, Tensor b) => a.sub_(b);

    /// <summary><c>a + alpha·b</c> in one op (libtorch's alpha). Example: [1, 2] + 0.5·[10, 20] = [6, 12].</summary>
    /// <remarks>Not bit-identical to <c>a.Plus(b.Times(alpha))</c> (the CPU kernel may fuse the multiply-add).</remarks>
    public static Tensor PlusScaled(this Tensor a, Tensor b, double alpha) => WithScalar(a, b, alpha, static (t, b, s) => t.add(b, s));

    /// <summary><c>a += alpha·b</c> in place; returns <paramref name="a"/>.</summary>
    public static Tensor PlusScaledInPlace(this Tensor a, Tensor b, double alpha) => WithScalar(a, b, alpha, static (t, b, s) => t.add_(b, s));

    // ---- Tensor ∘ number -------------------------------------------------------------------------------------------

    // Plus and Minus keep a double and a long overload (not a Number): TorchSharp converts numbers to Tensor implicitly,
    // so a Number overload beside Plus(Tensor) would make every call with a number ambiguous.

    /// <summary><c>a + value</c>. Example: [1, 2] + 0.5 = [1.5, 2.5].</summary>
    public static Tensor Plus(this Tensor a, double value) => WithScalar(a, value, static (t, s) => t.add(s, Scalars.One));

    /// <summary><c>a + value</c> with an integer value (integer tensors stay integer). Example: [1, 2] + 1 = [2, 3].</summary>
    public static Tensor Plus(this Tensor a, long value) => WithScalar(a, value, static (t, s) => t.add(s, Scalars.One));

    /// <summary><c>a − value</c>. Example: [1, 2] − 0.5 = [0.5, 1.5].</summary>
    public static Tensor Minus(this Tensor a, double value) => WithScalar(a, value, static (t, s) => t.sub(s));

    /// <summary><c>a − value</c> with an integer value.</summary>
    public static Tensor Minus(this Tensor a, long value) => WithScalar(a, value, static (t, s) => t.sub(s));

    /// <summary><c>value − a</c>, computed as TorchSharp's <c>value - a</c> does: <c>(−a) + value</c>. Example: 1 − [0.25, 2] = [0.75, −1].</summary>
    public static Tensor SubtractedFrom(this Tensor a, double value)
    {
        using var negated = a.neg();
        return negated.Plus(value);
    }

    /// <summary><c>a · value</c>. Example: [1, 2] · 0.5 = [0.5, 1].</summary>
    public static Tensor Times(this Tensor a, Number value) => WithScalar(a, value, static (t, s) => t.mul(s));

    /// <summary><c>a / value</c> (true division unless <paramref name="rounding"/> says otherwise).
    /// Example: [1, 3] / 2.0 = [0.5, 1.5]; int64 [5, 7] / 2 with floor = [2, 3].</summary>
    public static Tensor DividedBy(this Tensor a, Number value, RoundingMode rounding = RoundingMode.None)
    {
        using var s = value.ToScalar();
        return a.div(s, rounding);
    }

    /// <summary><c>a += value</c> in place; returns <paramref name="a"/>.</summary>
    public static Tensor PlusInPlace(this Tensor a, double value) => WithScalar(a, value, static (t, s) => t.add_(s, Scalars.One));

    /// <summary><c>a *= value</c> in place; returns <paramref name="a"/>.</summary>
    public static Tensor TimesInPlace(this Tensor a, double value) => WithScalar(a, value, static (t, s) => t.mul_(s));

    /// <summary><c>a /= value</c> in place; returns <paramref name="a"/>.</summary>
    public static Tensor DividedByInPlace(this Tensor a, double value) => WithScalar(a, value, static (t, s) => t.div_(s));

    /// <summary><c>a^exponent</c>. Example: [2, 3]^0.5 = [1.4142, 1.7321].</summary>
    public static Tensor Pow(this Tensor a, double exponent) => WithScalar(a, exponent, static (t, s) => t.pow(s));

    /// <summary><c>a²</c>: TorchSharp's <c>square()</c> (<c>pow(2)</c>, an int64 exponent) with a static Scalar. Example: [−3, 2]² = [9, 4].</summary>
    public static Tensor Square(this Tensor a) => a.pow(Scalars.Two);

    // ---- clamping --------------------------------------------------------------------------------------------------

    /// <summary>Each element clamped into [min, max]. Example: [0.5, 1.5, 3] into [0.8, 1.2] = [0.8, 1.2, 1.2].</summary>
    public static Tensor Clamp(this Tensor a, double min, double max)
    {
        using var lo = min.ToScalar();
        using var hi = max.ToScalar();
        return a.clamp(lo, hi);
    }

    /// <summary>max(a, min) per element. Example: [0, 2] with min 1.0 = [1, 2].</summary>
    public static Tensor ClampMin(this Tensor a, Number min) => WithScalar(a, min, static (t, s) => t.clamp_min(s));

    /// <summary>min(a, max) per element. Example: [0, 2] with max 1.0 = [0, 1].</summary>
    public static Tensor ClampMax(this Tensor a, double max) => WithScalar(a, max, static (t, s) => t.clamp_max(s));

    // ---- filling ---------------------------------------------------------------------------------------------------

    /// <summary>Sets every element to <paramref name="value"/>; returns <paramref name="a"/>.</summary>
    public static Tensor FillInPlace(this Tensor a, double value) => WithScalar(a, value, static (t, s) => t.fill_(s));

    /// <summary>A copy of <paramref name="a"/> with <paramref name="value"/> where <paramref name="mask"/> is true
    /// (an integer value for labels and ids). Example: [1, 2, 3] with mask [F, T, F] and −∞ = [1, −∞, 3].</summary>
    public static Tensor MaskedFill(this Tensor a, Tensor mask, Number value) =>
        WithScalar(a, mask, value, static (t, m, s) => t.masked_fill(m, s));

    /// <summary>Writes <paramref name="value"/> where <paramref name="mask"/> is true, in place; returns <paramref name="a"/>.</summary>
    public static Tensor MaskedFillInPlace(this Tensor a, Tensor mask, double value) =>
        WithScalar(a, mask, value, static (t, m, s) => t.masked_fill_(m, s));

    // ---- where a number becomes a Scalar for an op -----------------------------------------------------------------

    /// <summary>Runs <paramref name="op"/> on <paramref name="a"/> with <paramref name="value"/> as a Scalar that a
    /// <c>using</c> local keeps alive until <paramref name="op"/> has returned. The ops are static lambdas (no
    /// allocation per call).</summary>
    private static Tensor WithScalar(Tensor a, Number value, Func<Tensor, Scalar, Tensor> op)
    {
        using var s = value.ToScalar();
        return op(a, s);
    }

    /// <summary><see cref="WithScalar(Tensor, Number, Func{Tensor, Scalar, Tensor})"/> for ops of two tensors and a
    /// number (alpha, a mask's fill value).</summary>
    private static Tensor WithScalar(Tensor a, Tensor b, Number value, Func<Tensor, Tensor, Scalar, Tensor> op)
    {
        using var s = value.ToScalar();
        return op(a, b, s);
    }
}
