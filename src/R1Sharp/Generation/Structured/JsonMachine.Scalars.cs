// JsonMachine's scalar frames: strings (escapes checked, UTF-8 validated across token boundaries, no lone surrogates),
// numbers (RFC 8259 grammar, digit counts bounded) and literals (true/false/null, enum/const values, object keys).
namespace R1Sharp.Generation.Structured;

internal static partial class JsonMachine
{
    private static void String(Stack s, StringFrame t, int b, List<Stack> outs)
    {
        if (!t.Open)
        {
            if (b == '"') outs.Add(s.Replace(StringFrame.Inside));
            return;
        }
        if (b == Eof) return;
        if (t.Pending > 0)
        {
            if (b >= t.Lo && b <= t.Hi) outs.Add(s.Replace(t with { Pending = (byte)(t.Pending - 1), Lo = 0x80, Hi = 0xBF }));
            return;
        }
        bool hex = b is (>= '0' and <= '9') or (>= 'a' and <= 'f') or (>= 'A' and <= 'F');
        switch (t.Esc)
        {
            case 0 when b == '"': Complete(s, -1, None, outs); break;
            case 0 when b == '\\': outs.Add(s.Replace(t with { Esc = 1 })); break;
            case 0 when b is >= 0x20 and < 0x80: outs.Add(s); break; // the same state: nothing to allocate
            case 0 when Utf8Lead(b) is { } lead: outs.Add(s.Replace(t with { Pending = lead.Pending, Lo = lead.Lo, Hi = lead.Hi })); break;
            case 1 when b is '"' or '\\' or '/' or 'b' or 'f' or 'n' or 'r' or 't': outs.Add(s.Replace(StringFrame.Inside)); break;
            case 1 when b == 'u': outs.Add(s.Replace(t with { Esc = 2 })); break;
            case 2 when hex: outs.Add(s.Replace(t with { Esc = (byte)(b is 'd' or 'D' ? 6 : 3) })); break;
            case 3 or 4 or 7 when hex: outs.Add(s.Replace(t with { Esc = (byte)(t.Esc + 1) })); break;
            case 5 when hex: outs.Add(s.Replace(StringFrame.Inside)); break;
            case 6 when b is >= '0' and <= '7': outs.Add(s.Replace(t with { Esc = 4 })); break;
            case 6 when b is '8' or '9' or 'a' or 'b' or 'A' or 'B': outs.Add(s.Replace(t with { Esc = 7 })); break; // high surrogate
            case 8 when hex: outs.Add(s.Replace(t with { Esc = 9 })); break;
            case 9 when b == '\\': outs.Add(s.Replace(t with { Esc = 10 })); break; // its low surrogate must follow
            case 10 when b == 'u': outs.Add(s.Replace(t with { Esc = 11 })); break;
            case 11 when b is 'd' or 'D': outs.Add(s.Replace(t with { Esc = 12 })); break;
            case 12 when b is (>= 'c' and <= 'f') or (>= 'C' and <= 'F'): outs.Add(s.Replace(t with { Esc = 4 })); break;
        }
    }

    // Well-formed UTF-8 (Unicode Table 3-7): continuation bytes due after a lead byte, and the range of the first one.
    private static (byte Pending, byte Lo, byte Hi)? Utf8Lead(int b) => b switch
    {
        >= 0xC2 and <= 0xDF => (1, 0x80, 0xBF),
        0xE0 => (2, 0xA0, 0xBF),
        0xED => (2, 0x80, 0x9F),
        >= 0xE1 and <= 0xEF => (2, 0x80, 0xBF),
        0xF0 => (3, 0x90, 0xBF),
        >= 0xF1 and <= 0xF3 => (3, 0x80, 0xBF),
        0xF4 => (3, 0x80, 0x8F),
        _ => null,
    };

    private static void Number(Stack s, NumberFrame n, int b, List<Stack> outs)
    {
        bool digit = b is >= '0' and <= '9';
        NumberPhase? next = n.Phase switch
        {
            NumberPhase.Start when b == '-' => NumberPhase.Minus,
            NumberPhase.Start or NumberPhase.Minus when b == '0' => NumberPhase.Zero,
            NumberPhase.Start or NumberPhase.Minus when digit => NumberPhase.Int,
            NumberPhase.Int when digit && n.Digits < MaxDigits => NumberPhase.Int,
            NumberPhase.Zero or NumberPhase.Int when !n.Integer && b == '.' => NumberPhase.Dot,
            NumberPhase.Zero or NumberPhase.Int or NumberPhase.Frac when !n.Integer && b is 'e' or 'E' => NumberPhase.Exp,
            NumberPhase.Dot when digit => NumberPhase.Frac,
            NumberPhase.Frac when digit && n.Digits < MaxDigits => NumberPhase.Frac,
            NumberPhase.Exp when b is '+' or '-' => NumberPhase.ExpSign,
            NumberPhase.Exp or NumberPhase.ExpSign when digit => NumberPhase.ExpDigits,
            NumberPhase.ExpDigits when digit && n.Digits < MaxExponentDigits => NumberPhase.ExpDigits,
            _ => null,
        };
        if (next is { } phase)
        {
            outs.Add(s.Replace(n with { Phase = phase, Digits = phase == n.Phase ? n.Digits + 1 : digit ? 1 : 0 }));
            return;
        }
        // A byte no number takes ends a complete number; the parent reads it.
        if (n.Phase is NumberPhase.Zero or NumberPhase.Int or NumberPhase.Frac or NumberPhase.ExpDigits) Complete(s, -1, b, outs);
    }

    private static void Literal(Stack s, LiteralFrame l, int b, List<Stack> outs)
    {
        var options = l.Options;
        int pos = l.Pos, matches = 0, match = -1, ended = -1;
        for (int i = 0; i < options.Length; i++)
        {
            if (options[i].Length == pos) ended = i;
            else if (b >= 0 && options[i][pos] == b) { matches++; match = i; }
        }
        if (matches == 1 && options[match].Length == pos + 1)
        {
            Complete(s, l.Ids[match], None, outs);
            return;
        }
        if (matches > 0)
        {
            if (matches == options.Length) { outs.Add(s.Replace(l with { Pos = pos + 1 })); return; }
            var kept = new byte[matches][];
            var ids = new int[matches];
            for (int i = 0, k = 0; i < options.Length; i++)
            {
                if (options[i].Length > pos && options[i][pos] == b) { kept[k] = options[i]; ids[k++] = l.Ids[i]; }
            }
            outs.Add(s.Replace(new LiteralFrame(kept, ids, pos + 1)));
            return;
        }
        // Nothing continues with b: a value that ends here (an enum's 1 among 1 and 12) lets the parent read b.
        if (ended >= 0) Complete(s, l.Ids[ended], b, outs);
    }
}
