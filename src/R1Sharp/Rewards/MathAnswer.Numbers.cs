// Exact parsing of normalised numeric answers (no whitespace): 3, -0.5, 1e-3, 2/4, \frac{1}{2}, -\frac{3}{4}, \frac12.
// A tiny recursive-descent parser over one optional division; anything else is not a number (compared as text).
namespace R1Sharp.Rewards;

public static partial class MathAnswer
{
    /// <summary>
    /// Parses a normalised answer (see <see cref="Normalize"/>) as an exact rational: signs, decimals with optional
    /// exponent, one a/b division, <c>\frac{a}{b}</c> (also single-digit <c>\frac12</c>), braces and parentheses
    /// around any of these. False for anything else, and for a zero denominator.
    /// </summary>
    public static bool TryParseNumber(string normalized, out Rational value)
    {
        int pos = 0;
        if (TryExpr(normalized, ref pos, out value) && pos == normalized.Length) return true;
        value = default;
        return false;
    }

    // expr := signed ('/' signed)?
    private static bool TryExpr(string s, ref int pos, out Rational value)
    {
        if (!TrySigned(s, ref pos, out value)) return false;
        if (pos < s.Length && s[pos] == '/')
        {
            pos++;
            if (!TrySigned(s, ref pos, out var den) || den == Rational.Zero) return false;
            value /= den;
        }
        return true;
    }

    // signed := ('-' | '+')* primary
    private static bool TrySigned(string s, ref int pos, out Rational value)
    {
        bool negative = false;
        while (pos < s.Length && (s[pos] == '-' || s[pos] == '+'))
        {
            if (s[pos] == '-') negative = !negative;
            pos++;
        }
        if (!TryPrimary(s, ref pos, out value)) return false;
        if (negative) value = -value;
        return true;
    }

    // primary := number | '\frac' arg arg | '{' expr '}' | '(' expr ')'
    private static bool TryPrimary(string s, ref int pos, out Rational value)
    {
        value = default;
        if (pos >= s.Length) return false;
        char c = s[pos];
        if (c == '{' || c == '(')
        {
            char close = c == '{' ? '}' : ')';
            pos++;
            if (!TryExpr(s, ref pos, out value) || pos >= s.Length || s[pos] != close) return false;
            pos++;
            return true;
        }
        if (string.CompareOrdinal(s, pos, @"\frac", 0, 5) == 0)
        {
            pos += 5;
            if (!TryFracArg(s, ref pos, out var num) || !TryFracArg(s, ref pos, out var den) || den == Rational.Zero)
                return false;
            value = num / den;
            return true;
        }
        return TryDecimal(s, ref pos, out value);
    }

    // A braced expression, or one digit in the malformed-but-common "\frac12" form.
    private static bool TryFracArg(string s, ref int pos, out Rational value)
    {
        value = default;
        if (pos >= s.Length) return false;
        if (s[pos] == '{') return TryPrimary(s, ref pos, out value);
        if (!char.IsAsciiDigit(s[pos])) return false;
        value = Rational.FromInteger(s[pos] - '0');
        pos++;
        return true;
    }

    private static bool TryDecimal(string s, ref int pos, out Rational value)
    {
        int start = pos;
        while (pos < s.Length && (char.IsAsciiDigit(s[pos]) || s[pos] == '.')) pos++;
        // An exponent only when digits follow ("2e" is Euler's number times two, not a decimal).
        if (pos > start && pos < s.Length && (s[pos] == 'e' || s[pos] == 'E'))
        {
            int e = pos + 1;
            if (e < s.Length && (s[e] == '-' || s[e] == '+')) e++;
            if (e < s.Length && char.IsAsciiDigit(s[e]))
            {
                pos = e;
                while (pos < s.Length && char.IsAsciiDigit(s[pos])) pos++;
            }
        }
        return Rational.TryParseDecimal(s.AsSpan(start, pos - start), out value);
    }
}
