// The frames of JsonMachine's pushdown stack: immutable, so one stack can branch into many (a vocabulary trie walk,
// anyOf alternatives) without copying; each step replaces the top frame or pushes/pops one.
namespace R1Sharp.Generation.Structured;

internal abstract record Frame;

/// <summary>The whole answer: leading whitespace (Phase 0), the value (1), done (2; only the end may follow).</summary>
internal sealed record RootFrame(SchemaNode Node, int Phase, int Ws) : Frame;

internal enum ContainerPhase : byte { ExpectOpen, Open, Key, Colon, BeforeValue, Value, AfterValue, AfterComma }

/// <summary>An object being written. Next: index of the first property not yet written; Current: the property whose value runs.</summary>
internal sealed record ObjectFrame(ObjectNode Node, ContainerPhase Phase, int Next, int Current, int Ws) : Frame;

internal sealed record ArrayFrame(ArrayNode Node, ContainerPhase Phase, int Ws) : Frame;

/// <summary>
/// A string. Esc: 0 plain, 1 after a backslash, 2–5 hex digits of \u still to come (5 - Esc + 1 of 4), 6 after \uD
/// (the next digit must be 0–7: no surrogate escapes). Pending: UTF-8 continuation bytes still due, the next in Lo..Hi.
/// </summary>
internal sealed record StringFrame(bool Open, byte Esc, byte Pending, byte Lo, byte Hi) : Frame
{
    public static readonly StringFrame Start = new(false, 0, 0, 0, 0);
    public static readonly StringFrame Inside = new(true, 0, 0, 0, 0);
}

internal enum NumberPhase : byte { Start, Minus, Zero, Int, Dot, Frac, Exp, ExpSign, ExpDigits }

internal sealed record NumberFrame(bool Integer, NumberPhase Phase, int Digits) : Frame;

/// <summary>Matching one of Options (byte strings) at byte Pos; Ids says which each is (a property index for keys).</summary>
internal sealed record LiteralFrame(byte[][] Options, int[] Ids, int Pos) : Frame;

/// <summary>A persistent (shared-tail) stack of frames.</summary>
internal sealed class Stack(Frame top, Stack? parent)
{
    public Frame Top { get; } = top;
    public Stack? Parent { get; } = parent;
    public int Depth { get; } = parent is null ? 0 : parent.Depth + 1;

    public Stack Replace(Frame frame) => new(frame, Parent);
    public Stack Push(Frame frame) => new(frame, this);
}
