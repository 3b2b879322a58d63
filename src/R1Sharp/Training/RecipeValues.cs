// Type-checked conversion of recipe config values from JSON and from `--key=value` text, and back to JSON.
// Used by RecipeConfig; enums travel as snake_case names (TRL spelling: "dr_grpo", "group").
using System.Globalization;
using System.Text.Json;

namespace R1Sharp.Training;

internal static class RecipeValues
{
    public static object? FromJson(JsonElement v, Type type, bool allowsNull, string context)
    {
        if (v.ValueKind == JsonValueKind.Null)
            return allowsNull ? null : throw new R1SharpException($"{context} may not be null; give {Describe(type)}");
        Type t = Nullable.GetUnderlyingType(type) ?? type;
        if (ElementType(t) is { } elem)
        {
            if (v.ValueKind != JsonValueKind.Array)
                throw Wrong(context, t, v.GetRawText());
            var items = v.EnumerateArray().Select((e, i) => FromJson(e, elem, false, $"{context}[{i}]")).ToArray();
            return ToArray(items, elem);
        }
        object? scalar = t switch
        {
            _ when t == typeof(bool) => v.ValueKind switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => null },
            _ when t == typeof(string) => v.ValueKind == JsonValueKind.String ? v.GetString() : null,
            _ when t.IsEnum => v.ValueKind == JsonValueKind.String ? ParseEnum(v.GetString()!, t, context) : null,
            _ => v.ValueKind == JsonValueKind.Number ? Number(v.GetRawText(), t) : null,
        };
        return scalar ?? throw Wrong(context, t, v.GetRawText());
    }

    public static object? FromText(string text, Type type, bool allowsNull, string context)
    {
        if (allowsNull && text is "null" or "")
            return null;
        Type t = Nullable.GetUnderlyingType(type) ?? type;
        if (ElementType(t) is { } elem)
        {
            if (text.TrimStart().StartsWith('['))
            {
                try
                {
                    using var doc = JsonDocument.Parse(text);
                    return FromJson(doc.RootElement, t, false, context);
                }
                catch (JsonException e)
                {
                    throw new R1SharpException($"{context}: not a valid JSON array ({e.Message}); or write a,b,c", e);
                }
            }
            string[] parts = text.Length == 0 ? [] : text.Split(',', StringSplitOptions.TrimEntries);
            return ToArray(parts.Select(p => FromText(p, elem, false, context)).ToArray(), elem);
        }
        object? scalar = t switch
        {
            _ when t == typeof(bool) => text.ToLowerInvariant() switch { "true" or "1" => true, "false" or "0" => false, _ => null },
            _ when t == typeof(string) => text,
            _ when t.IsEnum => ParseEnum(text, t, context),
            _ => Number(text, t),
        };
        return scalar ?? throw Wrong(context, t, $"'{text}'");
    }

    public static void Write(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null: w.WriteNullValue(); break;
            case bool b: w.WriteBooleanValue(b); break;
            case string s: w.WriteStringValue(s); break;
            case int i: w.WriteNumberValue(i); break;
            case long l: w.WriteNumberValue(l); break;
            case double d: w.WriteNumberValue(d); break;
            case float f: w.WriteNumberValue(f); break;
            case Enum e: w.WriteStringValue(EnumName(e)); break;
            case System.Collections.IEnumerable list:
                w.WriteStartArray();
                foreach (object? item in list) Write(w, item);
                w.WriteEndArray();
                break;
            default: throw new InvalidOperationException($"RecipeConfig cannot write a {value.GetType().Name}");
        }
    }

    /// <summary>The snake_case name of an enum member: <c>DrGrpo</c> → <c>dr_grpo</c>.</summary>
    public static string EnumName(Enum e) => JsonNamingPolicy.SnakeCaseLower.ConvertName(e.ToString());

    private static object ParseEnum(string text, Type t, string context)
    {
        foreach (Enum e in Enum.GetValues(t))
            if (string.Equals(EnumName(e), text, StringComparison.OrdinalIgnoreCase)) return e;
        throw new R1SharpException($"{context}: '{text}' is not {Describe(t)}");
    }

    // Integers must be written without a fraction; doubles accept any JSON/C# number form (1e-6, 0.2).
    private static object? Number(string text, Type t)
    {
        var inv = CultureInfo.InvariantCulture;
        if (t == typeof(int)) return int.TryParse(text, NumberStyles.Integer, inv, out int i) ? i : null;
        if (t == typeof(long)) return long.TryParse(text, NumberStyles.Integer, inv, out long l) ? l : null;
        if (t == typeof(double))
            return double.TryParse(text, NumberStyles.Float, inv, out double d) && double.IsFinite(d) ? d : null;
        if (t == typeof(float))
            return float.TryParse(text, NumberStyles.Float, inv, out float f) && float.IsFinite(f) ? f : null;
        throw new InvalidOperationException($"RecipeConfig does not support properties of type {t.Name}");
    }

    private static Type? ElementType(Type t) =>
        t.IsArray ? t.GetElementType()
        : t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IReadOnlyList<>) ? t.GetGenericArguments()[0]
        : null;

    private static Array ToArray(object?[] items, Type elem)
    {
        var array = Array.CreateInstance(elem, items.Length);
        for (int i = 0; i < items.Length; i++) array.SetValue(items[i], i);
        return array;
    }

    private static R1SharpException Wrong(string context, Type t, string got)
    {
        if (got.Length > 40) got = got[..40] + "...";
        return new R1SharpException($"{context} must be {Describe(t)}, got {got}");
    }

    private static string Describe(Type type)
    {
        Type t = Nullable.GetUnderlyingType(type) ?? type;
        if (ElementType(t) is { } elem) return $"a list of {Describe(elem)}";
        if (t.IsEnum) return "one of " + string.Join("|", Enum.GetValues(t).Cast<Enum>().Select(EnumName));
        return t == typeof(int) || t == typeof(long) ? "an integer"
            : t == typeof(double) || t == typeof(float) ? "a number"
            : t == typeof(bool) ? "true or false"
            : "a string";
    }
}
