// A number argument of SafeOps: one parameter where TorchSharp has a double and a long overload, so each SafeOps method
// is written once and still makes the Scalar type TorchSharp's unsafe form would (see SafeOps, Scalars).
using TorchSharp;

namespace R1Sharp.Tensors;

/// <summary>
/// A double or an integer, as the caller wrote it. An integer becomes an int64 Scalar (as TorchSharp makes from an
/// int or long, which keeps integer tensors integer), anything else a float64 Scalar (as from a double or float).
/// C# converts an <c>int</c> argument through <c>long</c> (the more specific source type), as it picks TorchSharp's
/// <c>long</c> overloads. Example: <c>ids.Plus(1)</c> stays int64, <c>x.Plus(1.0)</c> adds a float64 Scalar.
/// </summary>
public readonly struct Number
{
    private readonly double _double;
    private readonly long _integer;
    private readonly bool _isInteger;

    private Number(double d, long integer, bool isInteger) => (_double, _integer, _isInteger) = (d, integer, isInteger);

    /// <summary>A float64 number (also from a float).</summary>
    public static implicit operator Number(double value) => new(value, 0, false);

    /// <summary>An integer (also from an int).</summary>
    public static implicit operator Number(long value) => new(0, value, true);

    /// <summary>A new Scalar of this number; the caller keeps it alive (a <c>using</c> local) across its native call.</summary>
    public Scalar ToScalar() => _isInteger ? _integer.ToScalar() : _double.ToScalar();

    /// <inheritdoc/>
    public override string ToString() => _isInteger ? _integer.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : _double.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
}
