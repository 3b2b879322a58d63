// Typed field access over an HF config JSON object with one-line errors that name file and field,
// plus the writer used by ToJson (sorted keys, 2-space indent, like transformers' to_json_string).
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace R1Sharp.Formats.Config;

/// <summary>Reads typed fields from one JSON object; a JSON <c>null</c> counts as absent.</summary>
internal readonly struct ConfigJson(JsonElement obj, string source, string prefix = "")
{
    public string Source => source;

    /// <summary>Parses <paramref name="json"/> and checks it is an object; errors name <paramref name="source"/>.</summary>
    public static JsonDocument ParseDocument(string json, string source)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new R1SharpException($"{source}: not valid JSON ({e.Message}); fix or re-download the file", e);
        }
        var kind = doc.RootElement.ValueKind; // read before Dispose: a disposed document throws on every access
        if (kind != JsonValueKind.Object)
        {
            doc.Dispose();
            throw new R1SharpException($"{source}: the top level must be a JSON object, got {Kind(kind)}; fix or re-download the file");
        }
        return doc;
    }

    private JsonElement? Get(string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    private R1SharpException Wrong(string name, string expected, JsonElement got)
    {
        string raw = got.GetRawText();
        if (raw.Length > 40) raw = raw[..40] + "...";
        return new R1SharpException($"{source}: field '{prefix}{name}' must be {expected}, got {Kind(got.ValueKind)} {raw}");
    }

    public bool Has(string name) => Get(name) is not null;

    /// <summary>Whether the key exists at all, even with a JSON null (HF distinguishes "null" from "absent = default").</summary>
    public bool Present(string name) => obj.TryGetProperty(name, out _);

    public int? Int(string name)
    {
        if (Get(name) is not { } v) return null;
        if (v.ValueKind == JsonValueKind.Number)
        {
            if (v.TryGetInt32(out int i)) return i;
            if (v.TryGetDouble(out double d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue) return (int)d;
        }
        throw Wrong(name, "an integer", v);
    }

    public int RequiredInt(string name) =>
        Int(name) ?? throw new R1SharpException($"{source}: required field '{prefix}{name}' is missing; add it (an integer)");

    public double? Double(string name)
    {
        if (Get(name) is not { } v) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d)) return d;
        throw Wrong(name, "a number", v);
    }

    public bool? Bool(string name)
    {
        if (Get(name) is not { } v) return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Wrong(name, "true or false", v),
        };
    }

    public string? String(string name)
    {
        if (Get(name) is not { } v) return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw Wrong(name, "a string", v);
    }

    /// <summary>An integer or a list of integers (HF writes <c>eos_token_id</c> either way).</summary>
    public ValueList<int>? IntOrList(string name)
    {
        if (Get(name) is not { } v) return null;
        if (v.ValueKind == JsonValueKind.Number) return new ValueList<int>([Int(name)!.Value]);
        if (v.ValueKind != JsonValueKind.Array) throw Wrong(name, "an integer or a list of integers", v);
        var list = new List<int>();
        foreach (var e in v.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out int i)) throw Wrong(name, "an integer or a list of integers", v);
            list.Add(i);
        }
        return new ValueList<int>(list);
    }

    public ValueList<string>? StringList(string name)
    {
        if (Get(name) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Array) throw Wrong(name, "a list of strings", v);
        var list = new List<string>();
        foreach (var e in v.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.String) throw Wrong(name, "a list of strings", v);
            list.Add(e.GetString()!);
        }
        return new ValueList<string>(list);
    }

    public ConfigJson? Object(string name)
    {
        if (Get(name) is not { } v) return null;
        return v.ValueKind == JsonValueKind.Object ? new ConfigJson(v, source, prefix + name + ".") : throw Wrong(name, "an object", v);
    }

    private static string Kind(JsonValueKind k) => k switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => k.ToString().ToLowerInvariant(),
    };

    /// <summary>Writes <paramref name="fields"/> with keys sorted and 2-space indentation, ending in a newline.</summary>
    public static string Write(JsonObject fields)
    {
        var sorted = new JsonObject();
        foreach (var key in fields.Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList())
        {
            var node = fields[key];
            fields.Remove(key);
            sorted[key] = node is JsonObject o ? SortNested(o) : node;
        }
        return sorted.ToJsonString(new JsonSerializerOptions { WriteIndented = true, IndentSize = 2 }) + "\n";
    }

    private static JsonObject SortNested(JsonObject o) => JsonNode.Parse(Write(o))!.AsObject();

    /// <summary>An int list as JSON: a bare number when it has one element (how HF configs write a single id).</summary>
    public static JsonNode IdsNode(ValueList<int> ids) =>
        ids.Count == 1 ? JsonValue.Create(ids[0]) : new JsonArray(ids.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray());

    public static string Format(double d) => d.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A float as Python's json writes it (8.0 not 8, 1e-06 not 1E-06), so transformers sees a float.</summary>
    public static JsonNode Float(double d)
    {
        if (!double.IsFinite(d)) throw new ArgumentException($"cannot write {d} to JSON");
        string s = Format(d).ToLowerInvariant();
        if (!s.Contains('.') && !s.Contains('e')) s += ".0";
        return JsonNode.Parse(s)!;
    }
}
