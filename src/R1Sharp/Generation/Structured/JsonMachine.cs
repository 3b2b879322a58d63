// A JSON pushdown automaton driven by a compiled schema, one byte at a time (the behaviour of llama.cpp's JSON grammar
// and of outlines/xgrammar's schema-guided decoding, written as a byte-level stack machine). A step maps one stack to
// zero (byte refused), one or several (anyOf) stacks; the end of input is the byte Eof.
using static R1Sharp.Generation.Structured.ContainerPhase;

namespace R1Sharp.Generation.Structured;

internal static partial class JsonMachine
{
    /// <summary>The end of the answer, fed like a byte: accepted only when the value is complete.</summary>
    public const int Eof = -1;
    private const int None = int.MinValue;

    /// <summary>Whitespace bytes in a row allowed between tokens (bounds runaway indentation; pretty-printing fits).</summary>
    public const int MaxWhitespace = 16;
    /// <summary>Nesting limit of objects and arrays (JSON parsers' default max depth is 64).</summary>
    public const int MaxDepth = 32;
    /// <summary>Digits of an integer part or fraction, and of an exponent: numbers stay finite doubles.</summary>
    public const int MaxDigits = 15, MaxExponentDigits = 2;

    public static Stack Start(SchemaNode root) => new(new RootFrame(root, 0, 0), null);

    /// <summary>Appends to <paramref name="outs"/> every stack that <paramref name="s"/> becomes after byte <paramref name="b"/> (or <see cref="Eof"/>).</summary>
    public static void Step(Stack s, int b, List<Stack> outs)
    {
        switch (s.Top)
        {
            case StringFrame t: String(s, t, b, outs); break;
            case ObjectFrame o: Object(s, o, b, outs); break;
            case ArrayFrame a: Array(s, a, b, outs); break;
            case NumberFrame n: Number(s, n, b, outs); break;
            case LiteralFrame l: Literal(s, l, b, outs); break;
            case RootFrame r: Root(s, r, b, outs); break;
        }
    }

    private static bool IsWs(int b) => b is ' ' or '\n' or '\r' or '\t';

    private static void Root(Stack s, RootFrame r, int b, List<Stack> outs)
    {
        if (r.Phase == 2)
        {
            if (b == Eof) outs.Add(s);
            return;
        }
        if (IsWs(b))
        {
            if (r.Ws < MaxWhitespace) outs.Add(s.Replace(r with { Ws = r.Ws + 1 }));
            return;
        }
        if (b != Eof) PushValue(s.Replace(r with { Phase = 1 }), r.Node, b, outs);
    }

    // Starts a value of `node` above `parent` and feeds it its first byte b.
    private static void PushValue(Stack parent, SchemaNode node, int b, List<Stack> outs)
    {
        switch (node)
        {
            case RefNode r: PushValue(parent, r.Target, b, outs); break;
            case AnyOfNode a:
                foreach (var option in a.Options) PushValue(parent, option, b, outs);
                break;
            case AnyNode:
                var any = b switch
                {
                    '{' => ObjectNode.Any, '[' => ArrayNode.Any, '"' => StringNode.Instance, 't' or 'f' => LiteralNode.Boolean,
                    'n' => LiteralNode.Null, '-' or (>= '0' and <= '9') => NumberNode.Number, _ => (SchemaNode?)null,
                };
                if (any is not null) PushValue(parent, any, b, outs);
                break;
            case ObjectNode o when parent.Depth < MaxDepth:
                Step(parent.Push(new ObjectFrame(o, ExpectOpen, 0, -1, 0)), b, outs);
                break;
            case ArrayNode a when parent.Depth < MaxDepth:
                Step(parent.Push(new ArrayFrame(a, ExpectOpen, 0)), b, outs);
                break;
            case StringNode: Step(parent.Push(StringFrame.Start), b, outs); break;
            case NumberNode n: Step(parent.Push(new NumberFrame(n.IsInteger, NumberPhase.Start, 0)), b, outs); break;
            case LiteralNode l: Step(parent.Push(new LiteralFrame(l.Options, l.Ids, 0)), b, outs); break;
        }
    }

    // The top frame's value ended (payload: the matched key's property index, else -1); `refeed` goes to the parent next.
    private static void Complete(Stack s, int payload, int refeed, List<Stack> outs)
    {
        var parent = s.Parent!;
        Frame next = parent.Top switch
        {
            RootFrame r => r with { Phase = 2, Ws = 0 },
            ObjectFrame { Phase: Key } o => o with { Phase = Colon, Current = payload, Next = payload < 0 ? o.Next : payload + 1, Ws = 0 },
            ObjectFrame o => o with { Phase = AfterValue, Ws = 0 },
            ArrayFrame a => a with { Phase = AfterValue, Ws = 0 },
            var f => throw new InvalidOperationException($"a {f.GetType().Name} has no child values"),
        };
        var up = parent.Replace(next);
        if (refeed == None) outs.Add(up);
        else Step(up, refeed, outs);
    }

    private static void Object(Stack s, ObjectFrame o, int b, List<Stack> outs)
    {
        if (o.Phase == ExpectOpen)
        {
            if (b == '{') outs.Add(s.Replace(o with { Phase = Open }));
            return;
        }
        if (IsWs(b))
        {
            if (o.Ws < MaxWhitespace) outs.Add(s.Replace(o with { Ws = o.Ws + 1 }));
            return;
        }
        var node = o.Node;
        bool canClose = node.AnyKeys || node.CanClose[o.Next];
        switch (o.Phase)
        {
            case Open or AfterComma when b == '"':
                var keyPhase = s.Replace(o with { Phase = Key, Ws = 0 });
                if (node.AnyKeys) outs.Add(keyPhase.Push(StringFrame.Inside));
                else if (node.KeyIds[o.Next].Length > 0) outs.Add(keyPhase.Push(new LiteralFrame(node.KeyOptions[o.Next], node.KeyIds[o.Next], 0)));
                break;
            case Open or AfterValue when b == '}' && canClose:
                Complete(s, -1, None, outs);
                break;
            case Colon when b == ':':
                outs.Add(s.Replace(o with { Phase = BeforeValue, Ws = 0 }));
                break;
            case BeforeValue when b != Eof:
                PushValue(s.Replace(o with { Phase = Value, Ws = 0 }), node.AnyKeys ? AnyNode.Instance : node.Properties[o.Current].Value, b, outs);
                break;
            case AfterValue when b == ',' && (node.AnyKeys || node.KeyIds[o.Next].Length > 0):
                outs.Add(s.Replace(o with { Phase = AfterComma, Ws = 0 }));
                break;
        }
    }

    private static void Array(Stack s, ArrayFrame a, int b, List<Stack> outs)
    {
        if (a.Phase == ExpectOpen)
        {
            if (b == '[') outs.Add(s.Replace(a with { Phase = Open }));
            return;
        }
        if (IsWs(b))
        {
            if (a.Ws < MaxWhitespace) outs.Add(s.Replace(a with { Ws = a.Ws + 1 }));
            return;
        }
        switch (a.Phase)
        {
            case Open or AfterValue when b == ']':
                Complete(s, -1, None, outs);
                break;
            case AfterValue when b == ',':
                outs.Add(s.Replace(a with { Phase = AfterComma, Ws = 0 }));
                break;
            case Open or AfterComma when b != Eof:
                PushValue(s.Replace(a with { Phase = Value, Ws = 0 }), a.Node.Items, b, outs);
                break;
        }
    }
}
