// Reads typed fields out of one JSON row with one-line errors that name the field path
// ("field 'answer' missing", "field 'messages'[2].role: expected one of system, user, assistant, tool, got 'bot'").
using System.Text.Json;

using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Data;

/// <summary>A malformed field; the loader prefixes the file and line/row.</summary>
internal sealed class RowError(string message) : Exception(message);

internal static class RowFields
{
    /// <summary>A required string column.</summary>
    public static string RequiredString(JsonElement row, string name) =>
        AsString(Required(row, name), $"'{name}'");

    /// <summary>A required column that may be a string or a JSON number (kept as written: 117 → "117").</summary>
    public static string RequiredText(JsonElement row, string name) =>
        AsText(Required(row, name), $"'{name}'");

    /// <summary>An optional string-or-number column: null when the column is absent or null.</summary>
    public static string? OptionalText(JsonElement row, string? name) =>
        name is not null && row.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? AsText(v, $"'{name}'") : null;

    /// <summary>A required column, present and not null.</summary>
    public static JsonElement Required(JsonElement row, string name)
    {
        if (!row.TryGetProperty(name, out var v)) throw new RowError($"field '{name}' missing");
        if (v.ValueKind == JsonValueKind.Null) throw new RowError($"field '{name}' is null");
        return v;
    }

    /// <summary>A list of {role, content, reasoning_content?} objects; <paramref name="field"/> is the path so far.</summary>
    public static ChatTurn[] Messages(JsonElement list, string field)
    {
        if (list.ValueKind != JsonValueKind.Array)
            throw new RowError($"field {field}: expected a list of messages, got {KindName(list)}");
        int n = list.GetArrayLength();
        if (n == 0) throw new RowError($"field {field}: empty list");
        var messages = new ChatTurn[n];
        int i = 0;
        foreach (var item in list.EnumerateArray())
        {
            messages[i] = Message(item, $"{field}[{i}]");
            i++;
        }
        return messages;
    }

    private static ChatTurn Message(JsonElement item, string path)
    {
        if (item.ValueKind != JsonValueKind.Object)
            throw new RowError($"field {path}: expected an object {{role, content}}, got {KindName(item)}");
        string role = AsString(Member(item, "role", path), $"{path}.role");
        if (!ChatTurn.TryParseRole(role, out var parsed))
            throw new RowError($"field {path}.role: expected one of system, user, assistant, tool, got '{role}'");
        string content = AsString(Member(item, "content", path), $"{path}.content");
        string? reasoning = item.TryGetProperty("reasoning_content", out var r) && r.ValueKind != JsonValueKind.Null
            ? AsString(r, $"{path}.reasoning_content") : null;
        return new ChatTurn(parsed, content, reasoning);
    }

    private static JsonElement Member(JsonElement obj, string name, string path)
    {
        if (!obj.TryGetProperty(name, out var v)) throw new RowError($"field {path}.{name} missing");
        if (v.ValueKind == JsonValueKind.Null) throw new RowError($"field {path}.{name} is null");
        return v;
    }

    private static string AsString(JsonElement v, string field) =>
        v.ValueKind == JsonValueKind.String ? v.GetString()!
            : throw new RowError($"field {field}: expected a string, got {KindName(v)}");

    private static string AsText(JsonElement v, string field) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString()!,
        JsonValueKind.Number => v.GetRawText(),
        _ => throw new RowError($"field {field}: expected a string or number, got {KindName(v)}"),
    };

    /// <summary>The JSON kind in words: string, number, boolean, object, array, null.</summary>
    public static string KindName(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        _ => "null",
    };
}
