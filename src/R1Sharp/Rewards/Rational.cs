// Exact rational numbers (BigInteger numerator / positive denominator, always reduced) for math answer equivalence.
// Decimals parse to exact rationals so 0.1 + 0.2 == 0.3 and 0.333 != 1/3, unlike floating point graders.
using System.Globalization;
using System.Numerics;

namespace R1Sharp.Rewards;

/// <summary>
/// An exact rational number in lowest terms with a positive denominator; <c>default</c> is 0.
/// Example: <c>Rational.Create(2, 4)</c> is <c>1/2</c>; <c>Rational.TryParseDecimal("0.25", out r)</c> gives <c>1/4</c>.
/// </summary>
public readonly struct Rational : IEquatable<Rational>, IComparable<Rational>
{
    private readonly BigInteger _num;
    private readonly BigInteger _denMinusOne; // stored minus one so default(Rational) is 0/1

    private Rational(BigInteger num, BigInteger den)
    {
        _num = num;
        _denMinusOne = den - 1;
    }

    /// <summary>The numerator (carries the sign).</summary>
    public BigInteger Numerator => _num;

    /// <summary>The denominator, always ≥ 1.</summary>
    public BigInteger Denominator => _denMinusOne + 1;

    /// <summary>Zero.</summary>
    public static Rational Zero => default;

    /// <summary>True when the denominator is 1.</summary>
    public bool IsInteger => _denMinusOne.IsZero;

    /// <summary>Creates <paramref name="num"/>/<paramref name="den"/> in lowest terms; throws when <paramref name="den"/> is 0.</summary>
    public static Rational Create(BigInteger num, BigInteger den)
    {
        if (den.IsZero) throw new DivideByZeroException("Rational denominator is zero.");
        if (den.Sign < 0) { num = -num; den = -den; }
        var g = BigInteger.GreatestCommonDivisor(num, den);
        if (!g.IsOne && !g.IsZero) { num /= g; den /= g; }
        return new Rational(num, den);
    }

    /// <summary>The integer <paramref name="value"/>.</summary>
    public static Rational FromInteger(BigInteger value) => new(value, BigInteger.One);

    public static Rational operator +(Rational a, Rational b) =>
        Create(a._num * b.Denominator + b._num * a.Denominator, a.Denominator * b.Denominator);

    public static Rational operator -(Rational a, Rational b) =>
        Create(a._num * b.Denominator - b._num * a.Denominator, a.Denominator * b.Denominator);

    public static Rational operator -(Rational a) => new(-a._num, a.Denominator);

    public static Rational operator *(Rational a, Rational b) =>
        Create(a._num * b._num, a.Denominator * b.Denominator);

    /// <summary>Division; throws <see cref="DivideByZeroException"/> when <paramref name="b"/> is 0.</summary>
    public static Rational operator /(Rational a, Rational b) =>
        Create(a._num * b.Denominator, a.Denominator * b._num);

    public static bool operator ==(Rational a, Rational b) => a.Equals(b);
    public static bool operator !=(Rational a, Rational b) => !a.Equals(b);
    public static bool operator <(Rational a, Rational b) => a.CompareTo(b) < 0;
    public static bool operator >(Rational a, Rational b) => a.CompareTo(b) > 0;
    public static bool operator <=(Rational a, Rational b) => a.CompareTo(b) <= 0;
    public static bool operator >=(Rational a, Rational b) => a.CompareTo(b) >= 0;

    /// <summary>The absolute value.</summary>
    public Rational Abs() => _num.Sign < 0 ? -this : this;

    /// <summary>The nearest double (may be ±∞ or lose precision for huge values).</summary>
    public double ToDouble()
    {
        var den = Denominator;
        if (den.IsOne) return (double)_num;
        // Scale so the quotient keeps ~60 significant bits even when both parts exceed double range.
        long shift = Math.Max(0, (long)den.GetBitLength() - (long)BigInteger.Abs(_num).GetBitLength() + 64);
        var q = BigInteger.Divide(_num << (int)shift, den);
        return (double)q * Math.Pow(2, -shift);
    }

    /// <summary>
    /// Parses a plain decimal: optional sign, digits with an optional fraction (".5", "3.", "1.25"), and an
    /// optional exponent ("1e-6", "2.5E+3"). No separators, no spaces. Exact: "0.1" is 1/10.
    /// </summary>
    public static bool TryParseDecimal(ReadOnlySpan<char> s, out Rational value)
    {
        value = default;
        int i = 0;
        bool negative = false;
        if (i < s.Length && (s[i] == '-' || s[i] == '+')) { negative = s[i] == '-'; i++; }
        int intStart = i;
        while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        var intPart = s[intStart..i];
        var fracPart = ReadOnlySpan<char>.Empty;
        if (i < s.Length && s[i] == '.')
        {
            int fracStart = ++i;
            while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
            fracPart = s[fracStart..i];
        }
        if (intPart.IsEmpty && fracPart.IsEmpty) return false;
        int exponent = 0;
        if (i < s.Length && (s[i] == 'e' || s[i] == 'E'))
        {
            i++;
            int expStart = i;
            if (i < s.Length && (s[i] == '-' || s[i] == '+')) i++;
            int digitsStart = i;
            while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
            if (i == digitsStart || i - digitsStart > 4) return false; // |exp| ≤ 9999 keeps BigInteger.Pow cheap
            exponent = int.Parse(s[expStart..i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        }
        if (i != s.Length) return false;

        var digits = BigInteger.Zero;
        if (!intPart.IsEmpty) digits = BigInteger.Parse(intPart, NumberStyles.None, CultureInfo.InvariantCulture);
        if (!fracPart.IsEmpty)
            digits = digits * BigInteger.Pow(10, fracPart.Length)
                     + BigInteger.Parse(fracPart, NumberStyles.None, CultureInfo.InvariantCulture);
        int scale = exponent - fracPart.Length;
        if (negative) digits = -digits;
        value = scale >= 0 ? FromInteger(digits * BigInteger.Pow(10, scale)) : Create(digits, BigInteger.Pow(10, -scale));
        return true;
    }

    /// <summary>The exact value of a finite double (its shortest round-trip decimal form); throws on NaN/∞.</summary>
    public static Rational FromDouble(double value)
    {
        if (!double.IsFinite(value)) throw new ArgumentOutOfRangeException(nameof(value), "Not a finite number.");
        return TryParseDecimal(value.ToString("R", CultureInfo.InvariantCulture), out var r)
            ? r : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public bool Equals(Rational other) => _num == other._num && _denMinusOne == other._denMinusOne;

    public override bool Equals(object? obj) => obj is Rational r && Equals(r);

    public override int GetHashCode() => HashCode.Combine(_num, _denMinusOne);

    public int CompareTo(Rational other) => (_num * other.Denominator).CompareTo(other._num * Denominator);

    /// <summary>"3", "-1/2".</summary>
    public override string ToString() => IsInteger
        ? _num.ToString(CultureInfo.InvariantCulture)
        : $"{_num.ToString(CultureInfo.InvariantCulture)}/{Denominator.ToString(CultureInfo.InvariantCulture)}";
}
