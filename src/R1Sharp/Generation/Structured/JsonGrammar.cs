// What a constrained answer must be: any JSON object (OpenAI response_format json_object) or a value of a JSON schema
// (json_schema), compiled once per request; JsonMatcher and JsonConstraintSampler walk it.
using System.Text.Json;

namespace R1Sharp.Generation.Structured;

/// <summary>
/// A compiled response format. Build with <see cref="JsonObject"/> or <see cref="FromSchema"/>; match bytes with
/// <see cref="JsonMatcher"/>, constrain generation with <see cref="GenerationOptions.ResponseFormat"/>.
/// </summary>
public sealed class JsonGrammar
{
    internal JsonGrammar(SchemaNode root, string description) => (Root, Description) = (root, description);

    internal SchemaNode Root { get; }

    /// <summary>"json_object" or "json_schema" (for logs).</summary>
    public string Description { get; }

    /// <summary>Any JSON object (OpenAI's <c>{"type": "json_object"}</c>): the answer is one object, members of any JSON type.</summary>
    public static JsonGrammar JsonObject { get; } = new(ObjectNode.Any, "json_object");

    /// <summary>
    /// A JSON schema (OpenAI's <c>{"type": "json_schema"}</c>). Supported: type (one or a list), properties, required,
    /// additionalProperties false, items, enum, const, anyOf, $ref to #/$defs or #/definitions (recursion allowed),
    /// and the annotations title, description, $comment, examples, default, $schema, $id. With <paramref name="strict"/>
    /// OpenAI's strict rules also apply: the root is an object, every property is required, every object sets
    /// additionalProperties false, every array has items. Declared properties are written in declaration order.
    /// </summary>
    /// <exception cref="JsonSchemaException">A keyword outside that subset, or a schema breaking a strict rule.</exception>
    public static JsonGrammar FromSchema(JsonElement schema, bool strict) =>
        new(JsonSchemaCompiler.Compile(schema, strict), "json_schema");
}

/// <summary>A schema R1Sharp cannot constrain to; <see cref="Path"/> is the JSON path of the offending keyword.</summary>
public sealed class JsonSchemaException(string path, string message) : R1SharpException(message)
{
    /// <summary>Dotted path from the schema root (e.g. <c>properties.age.minimum</c>; empty for the root).</summary>
    public string Path { get; } = path;
}

/// <summary>
/// Where a constrained answer is after some bytes: immutable, so it can be kept and advanced along several continuations.
/// </summary>
public sealed class JsonMatcher
{
    private readonly Stack[] _stacks;

    private JsonMatcher(Stack[] stacks) => _stacks = stacks;

    /// <summary>The state before the first byte.</summary>
    public static JsonMatcher Start(JsonGrammar grammar)
    {
        ArgumentNullException.ThrowIfNull(grammar);
        return new([JsonMachine.Start(grammar.Root)]);
    }

    internal IReadOnlyList<Stack> Stacks => _stacks;

    internal static JsonMatcher? FromStacks(List<Stack> stacks) => stacks.Count == 0 ? null : new([.. stacks]);

    /// <summary>The state after <paramref name="bytes"/>, or null when they cannot continue a valid answer.</summary>
    public JsonMatcher? Advance(ReadOnlySpan<byte> bytes)
    {
        var current = new List<Stack>(_stacks);
        var next = new List<Stack>(_stacks.Length);
        foreach (byte b in bytes)
        {
            next.Clear();
            foreach (var s in current) JsonMachine.Step(s, b, next);
            if (next.Count == 0) return null;
            (current, next) = (next, current);
        }
        return new([.. current]);
    }

    /// <summary>True when the bytes so far are a whole valid answer (the end may come now).</summary>
    public bool IsComplete => CanEnd(_stacks);

    internal static bool CanEnd(IEnumerable<Stack> stacks)
    {
        var ends = new List<Stack>(1);
        foreach (var s in stacks)
        {
            JsonMachine.Step(s, JsonMachine.Eof, ends);
            if (ends.Count > 0) return true;
        }
        return false;
    }
}
