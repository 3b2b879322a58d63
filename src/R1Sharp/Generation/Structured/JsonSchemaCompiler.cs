// JSON schema → SchemaNode, for the subset OpenAI's strict structured outputs allow (platform.openai.com "Supported
// schemas"): every other keyword is refused naming its path, never ignored, since an ignored constraint would let
// the model write JSON the caller's validator rejects.
using System.Text.Json;

namespace R1Sharp.Generation.Structured;

internal sealed class JsonSchemaCompiler
{
    private static readonly HashSet<string> s_annotations = new(StringComparer.Ordinal)
    {
        "title", "description", "$comment", "examples", "default", "$schema", "$id",
    };
    private static readonly HashSet<string> s_structural = new(StringComparer.Ordinal)
    {
        "type", "properties", "required", "additionalProperties", "items", "enum", "const", "anyOf", "$ref", "$defs", "definitions",
    };

    private readonly bool _strict;
    private readonly Dictionary<string, SchemaNode> _definitions = new(StringComparer.Ordinal);
    private readonly List<(string Name, string Path)> _refs = [];

    private JsonSchemaCompiler(bool strict) => _strict = strict;

    public static SchemaNode Compile(JsonElement schema, bool strict)
    {
        var compiler = new JsonSchemaCompiler(strict);
        if (schema.ValueKind != JsonValueKind.Object) throw new JsonSchemaException("", "the schema must be a JSON object");
        foreach (var key in new[] { "$defs", "definitions" })
        {
            if (!schema.TryGetProperty(key, out var defs)) continue;
            if (defs.ValueKind != JsonValueKind.Object) throw new JsonSchemaException(key, $"{key} must be an object of schemas");
            foreach (var d in defs.EnumerateObject()) compiler._definitions[$"#/{key}/{d.Name}"] = null!;
        }
        compiler._definitions["#"] = null!;
        var root = compiler.Node(schema, "");
        compiler._definitions["#"] = root;
        foreach (var key in new[] { "$defs", "definitions" })
        {
            if (!schema.TryGetProperty(key, out var defs)) continue;
            foreach (var d in defs.EnumerateObject()) compiler._definitions[$"#/{key}/{d.Name}"] = compiler.Node(d.Value, $"{key}.{d.Name}");
        }
        if (strict && !IsObject(root, compiler._definitions))
            throw new JsonSchemaException("type", "a strict json_schema must have an object at its root (type \"object\"); set strict false or wrap the value in an object");
        return root;
    }

    private static bool IsObject(SchemaNode node, Dictionary<string, SchemaNode> definitions) =>
        node is ObjectNode || (node is RefNode r && definitions[r.Name] is ObjectNode);

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private SchemaNode Node(JsonElement schema, string path)
    {
        if (schema.ValueKind != JsonValueKind.Object)
            throw new JsonSchemaException(path, $"{(path.Length == 0 ? "the schema" : path)} must be a JSON object (a schema)");
        foreach (var p in schema.EnumerateObject())
        {
            if (s_annotations.Contains(p.Name) || s_structural.Contains(p.Name)) continue;
            throw new JsonSchemaException(Join(path, p.Name),
                $"JSON schema keyword '{p.Name}' at {Join(path, p.Name)} is not supported; supported: {string.Join(", ", s_structural)} (and annotations)");
        }
        if ((schema.TryGetProperty("$defs", out _) || schema.TryGetProperty("definitions", out _)) && path.Length > 0)
            throw new JsonSchemaException(path, $"{path}: $defs/definitions are supported at the schema root only");
        if (schema.TryGetProperty("$ref", out var reference)) return Ref(schema, reference, path);
        if (schema.TryGetProperty("anyOf", out var anyOf)) return AnyOf(schema, anyOf, path);
        if (schema.TryGetProperty("const", out var constant)) return new LiteralNode([Compact(constant)]);
        if (schema.TryGetProperty("enum", out var values))
        {
            if (values.ValueKind != JsonValueKind.Array || values.GetArrayLength() == 0)
                throw new JsonSchemaException(Join(path, "enum"), $"{Join(path, "enum")} must be a non-empty array");
            return new LiteralNode([.. values.EnumerateArray().Select(Compact).DistinctBy(Convert.ToHexString)]);
        }
        if (!schema.TryGetProperty("type", out var type))
        {
            return _strict ? throw new JsonSchemaException(path, $"{(path.Length == 0 ? "the schema" : path)} has no type; strict schemas need type, enum, const, anyOf or $ref")
                : AnyNode.Instance;
        }
        if (type.ValueKind == JsonValueKind.String) return Typed(schema, type.GetString()!, path);
        if (type.ValueKind != JsonValueKind.Array || type.GetArrayLength() == 0 || type.EnumerateArray().Any(t => t.ValueKind != JsonValueKind.String))
            throw new JsonSchemaException(Join(path, "type"), $"{Join(path, "type")} must be a type name or a non-empty array of them");
        var types = type.EnumerateArray().Select(t => t.GetString()!).Distinct().ToArray();
        return types.Length == 1 ? Typed(schema, types[0], path) : new AnyOfNode([.. types.Select(t => Typed(schema, t, path))]);
    }

    private SchemaNode Ref(JsonElement schema, JsonElement reference, string path)
    {
        string at = Join(path, "$ref");
        if (schema.EnumerateObject().Any(p => !s_annotations.Contains(p.Name) && p.Name is not ("$ref" or "$defs" or "definitions")))
            throw new JsonSchemaException(at, $"{at}: $ref cannot be combined with other keywords here");
        if (reference.ValueKind != JsonValueKind.String || !_definitions.ContainsKey(reference.GetString()!))
            throw new JsonSchemaException(at, $"{at} must be \"#\" or point into the root's $defs/definitions (\"#/$defs/name\"); got {reference.GetRawText()}");
        return new RefNode(reference.GetString()!, _definitions);
    }

    private AnyOfNode AnyOf(JsonElement schema, JsonElement anyOf, string path)
    {
        string at = Join(path, "anyOf");
        if (anyOf.ValueKind != JsonValueKind.Array || anyOf.GetArrayLength() == 0)
            throw new JsonSchemaException(at, $"{at} must be a non-empty array of schemas");
        if (FirstKey(schema, k => !s_annotations.Contains(k) && k is not ("anyOf" or "$defs" or "definitions")) is { } other)
            throw new JsonSchemaException(Join(path, other), $"{Join(path, other)}: anyOf cannot be combined with {other}; move it into each alternative");
        return new AnyOfNode([.. anyOf.EnumerateArray().Select((s, i) => Node(s, $"{at}[{i}]"))]);
    }

    private SchemaNode Typed(JsonElement schema, string type, string path)
    {
        string[] only = type switch
        {
            "object" => ["properties", "required", "additionalProperties"],
            "array" => ["items"],
            _ => [],
        };
        if (FirstKey(schema, k => k is "properties" or "required" or "additionalProperties" or "items" && !only.Contains(k)) is { } misplaced)
            throw new JsonSchemaException(Join(path, misplaced), $"{Join(path, misplaced)} does not apply to type \"{type}\"");
        return type switch
        {
            "object" => Object(schema, path),
            "array" => Array(schema, path),
            "string" => StringNode.Instance,
            "number" => NumberNode.Number,
            "integer" => NumberNode.Integer,
            "boolean" => LiteralNode.Boolean,
            "null" => LiteralNode.Null,
            _ => throw new JsonSchemaException(Join(path, "type"),
                $"{Join(path, "type")} '{type}' is not a JSON schema type (object, array, string, number, integer, boolean, null)"),
        };
    }

    private ObjectNode Object(JsonElement schema, string path)
    {
        var properties = new List<(string Name, JsonElement Schema)>();
        if (schema.TryGetProperty("properties", out var props))
        {
            if (props.ValueKind != JsonValueKind.Object) throw new JsonSchemaException(Join(path, "properties"), $"{Join(path, "properties")} must be an object");
            properties.AddRange(props.EnumerateObject().Select(p => (p.Name, p.Value)));
        }
        var required = new HashSet<string>(StringComparer.Ordinal);
        if (schema.TryGetProperty("required", out var req))
        {
            string at = Join(path, "required");
            if (req.ValueKind != JsonValueKind.Array || req.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.String))
                throw new JsonSchemaException(at, $"{at} must be an array of property names");
            foreach (var r in req.EnumerateArray())
            {
                string name = r.GetString()!;
                if (!properties.Any(p => p.Name == name)) throw new JsonSchemaException(at, $"{at} names '{name}', which is not in properties");
                required.Add(name);
            }
        }
        bool hasAdditional = schema.TryGetProperty("additionalProperties", out var additional);
        if (hasAdditional && additional.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            throw new JsonSchemaException(Join(path, "additionalProperties"), $"{Join(path, "additionalProperties")} must be false (a schema for extra properties is not supported)");
        if (_strict)
        {
            if (!hasAdditional || additional.ValueKind != JsonValueKind.False)
                throw new JsonSchemaException(Join(path, "additionalProperties"), $"{Join(path, "additionalProperties")} must be false in a strict schema (OpenAI strict mode)");
            if (properties.Select(p => p.Name).FirstOrDefault(n => !required.Contains(n)) is { } optional)
                throw new JsonSchemaException(Join(path, "required"),
                    $"{Join(path, "required")} must list every property in a strict schema (OpenAI strict mode); '{optional}' is missing (make it nullable instead)");
        }
        // Not strict: only declared properties are written (valid under additionalProperties true as well).
        return new ObjectNode([.. properties.Select(p => new PropertyNode(p.Name, required.Contains(p.Name), Node(p.Schema, Join(path, $"properties.{p.Name}"))))]);
    }

    private ArrayNode Array(JsonElement schema, string path)
    {
        if (schema.TryGetProperty("items", out var items)) return new ArrayNode(Node(items, Join(path, "items")));
        return _strict ? throw new JsonSchemaException(Join(path, "items"), $"{(path.Length == 0 ? "the schema" : path)}: a strict array needs items")
            : ArrayNode.Any;
    }

    private static string? FirstKey(JsonElement schema, Func<string, bool> test) =>
        schema.EnumerateObject().Select(p => p.Name).FirstOrDefault(test);

    private static byte[] Compact(JsonElement value) => JsonText.Compact(value);
}
