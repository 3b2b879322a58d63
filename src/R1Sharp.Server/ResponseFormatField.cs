// response_format of a chat completion request (OpenAI structured outputs): {"type": "text"}, {"type": "json_object"}
// or {"type": "json_schema", "json_schema": {"name", "description", "schema", "strict"}}. Every other key is refused
// naming it; the schema itself is compiled (and its unsupported keywords refused) by ChatGeneration.
using System.Text.Json;
using System.Text.RegularExpressions;
using R1Sharp.Serving;

namespace R1Sharp.Server;

internal static partial class ResponseFormatField
{
    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}$")]
    private static partial Regex SchemaName();

    /// <summary>The structured-output ask of <paramref name="root"/>, or null for free text.</summary>
    public static JsonResponseFormat? Parse(JsonElement root)
    {
        if (!root.TryGetProperty("response_format", out var format) || format.ValueKind == JsonValueKind.Null) return null;
        if (format.ValueKind != JsonValueKind.Object || !format.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            throw ApiError.BadField("response_format", "response_format must be an object with a type: text, json_object or json_schema", "invalid_type");
        string kind = type.GetString()!;
        OnlyKeys(format, "response_format", kind == "json_schema" ? ["type", "json_schema"] : ["type"]);
        switch (kind)
        {
            case "text": return null;
            case "json_object": return new JsonResponseFormat(null, false, "response_format");
            case "json_schema": break;
            default: throw ApiError.BadField("response_format.type", $"response_format.type must be text, json_object or json_schema; got '{kind}'");
        }
        if (!format.TryGetProperty("json_schema", out var spec) || spec.ValueKind != JsonValueKind.Object)
            throw ApiError.BadField("response_format.json_schema", "response_format.json_schema must be an object with name and schema", "missing_required_parameter");
        OnlyKeys(spec, "response_format.json_schema", ["name", "description", "schema", "strict"]);
        if (!spec.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || !SchemaName().IsMatch(name.GetString()!))
            throw ApiError.BadField("response_format.json_schema.name", "response_format.json_schema.name must be 1-64 letters, digits, _ or -", "invalid_value");
        if (spec.TryGetProperty("description", out var d) && d.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
            throw ApiError.BadField("response_format.json_schema.description", "response_format.json_schema.description must be a string", "invalid_type");
        if (!spec.TryGetProperty("schema", out var schema) || schema.ValueKind != JsonValueKind.Object)
            throw ApiError.BadField("response_format.json_schema.schema", "response_format.json_schema.schema must be a JSON schema object", "missing_required_parameter");
        bool strict = spec.TryGetProperty("strict", out var s) && s.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False or JsonValueKind.Null => false,
            _ => throw ApiError.BadField("response_format.json_schema.strict", "response_format.json_schema.strict must be a boolean", "invalid_type"),
        };
        // Clone: the request's document is gone when ChatGeneration compiles the schema.
        return new JsonResponseFormat(schema.Clone(), strict, "response_format.json_schema.schema");
    }

    private static void OnlyKeys(JsonElement obj, string field, string[] keys)
    {
        foreach (var p in obj.EnumerateObject())
        {
            if (!keys.Contains(p.Name))
                throw ApiError.BadField($"{field}.{p.Name}", $"Unrecognized argument {field}.{p.Name}; {field} takes {string.Join(", ", keys)}", "unsupported_parameter");
        }
    }
}
