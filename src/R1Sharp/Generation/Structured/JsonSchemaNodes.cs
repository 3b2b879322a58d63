// The compiled form of a JSON schema (the subset OpenAI's strict structured outputs allow): what one JSON value may be.
// JsonSchemaCompiler builds these; JsonMachine walks them byte by byte.
namespace R1Sharp.Generation.Structured;

/// <summary>What one JSON value may be.</summary>
internal abstract class SchemaNode;

/// <summary>Any JSON value (json_object's members, schemas without a type when not strict).</summary>
internal sealed class AnyNode : SchemaNode
{
    public static readonly AnyNode Instance = new();
}

/// <summary>A JSON string (any text).</summary>
internal sealed class StringNode : SchemaNode
{
    public static readonly StringNode Instance = new();
}

/// <summary>A JSON number; <see cref="Integer"/> allows no fraction or exponent.</summary>
internal sealed class NumberNode(bool integer) : SchemaNode
{
    public static readonly NumberNode Number = new(false), Integer = new(true);
    public bool IsInteger { get; } = integer;
}

/// <summary>One of a fixed set of JSON texts (enum, const, true/false, null), compact UTF-8.</summary>
internal sealed class LiteralNode(byte[][] options) : SchemaNode
{
    public static readonly LiteralNode Boolean = new(["true"u8.ToArray(), "false"u8.ToArray()]);
    public static readonly LiteralNode Null = new(["null"u8.ToArray()]);
    public byte[][] Options { get; } = options;
    public int[] Ids { get; } = [.. Enumerable.Range(0, options.Length)];
}

/// <summary>A value matching any of the options (anyOf, or a type list such as ["string", "null"]).</summary>
internal sealed class AnyOfNode(SchemaNode[] options) : SchemaNode
{
    public SchemaNode[] Options { get; } = options;
}

/// <summary>A $ref into the schema's definitions, resolved when a value starts (so schemas may recurse).</summary>
internal sealed class RefNode(string name, IReadOnlyDictionary<string, SchemaNode> definitions) : SchemaNode
{
    public string Name { get; } = name;
    public SchemaNode Target => definitions[Name];
}

/// <summary>An array whose items all match <see cref="Items"/>.</summary>
internal sealed class ArrayNode(SchemaNode items) : SchemaNode
{
    public static readonly ArrayNode Any = new(AnyNode.Instance);
    public SchemaNode Items { get; } = items;
}

/// <summary>One declared property: its key as written in JSON (escaped, with the closing quote) and its value.</summary>
internal sealed record PropertyNode(string Name, bool Required, SchemaNode Value)
{
    public byte[] KeyBytes { get; } = [.. JsonText.EscapedString(Name), (byte)'"'];
}

/// <summary>
/// An object. With declared properties they appear in declaration order (as OpenAI's strict mode writes them), each at
/// most once, optional ones skippable, and nothing else; <see cref="AnyKeys"/> allows any keys with any values.
/// </summary>
internal sealed class ObjectNode : SchemaNode
{
    public static readonly ObjectNode Any = new([], anyKeys: true);

    public ObjectNode(PropertyNode[] properties, bool anyKeys = false)
    {
        (Properties, AnyKeys) = (properties, anyKeys);
        int n = properties.Length;
        KeyOptions = new byte[n + 1][][];
        KeyIds = new int[n + 1][];
        CanClose = new bool[n + 1];
        for (int next = 0; next <= n; next++)
        {
            // Keys allowed after property next-1: the following ones up to and including the first required one.
            var ids = new List<int>();
            for (int j = next; j < n; j++)
            {
                ids.Add(j);
                if (properties[j].Required) break;
            }
            KeyIds[next] = [.. ids];
            KeyOptions[next] = [.. ids.Select(j => properties[j].KeyBytes)];
            CanClose[next] = !properties.Skip(next).Any(p => p.Required);
        }
    }

    public PropertyNode[] Properties { get; }
    public bool AnyKeys { get; }
    /// <summary>KeyOptions[next]: the keys (bytes after the opening quote) that may come when properties before next are done.</summary>
    public byte[][][] KeyOptions { get; }
    public int[][] KeyIds { get; }
    /// <summary>CanClose[next]: no required property remains at or after next.</summary>
    public bool[] CanClose { get; }
}
