// The one written form of schema literals (property keys, enum and const values) the automaton accepts: compact JSON,
// with only '"', '\' and control characters escaped — every other character raw UTF-8, emoji included (System.Text.Json's
// relaxed encoder still writes astral characters as \uD83D\uDE00 pairs, which a model rarely does).
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace R1Sharp.Generation.Structured;

internal static class JsonText
{
    /// <summary>The JSON string body of <paramref name="text"/> (no quotes) as UTF-8. Example: a"b → a\"b.</summary>
    public static byte[] EscapedString(string text)
    {
        var sb = new StringBuilder(text.Length + 2);
        AppendEscaped(sb, text);
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>Compact JSON of <paramref name="value"/> as UTF-8. Example: {"a": [1, "é"]} → {"a":[1,"é"]}.</summary>
    public static byte[] Compact(JsonElement value)
    {
        var sb = new StringBuilder();
        Write(sb, value);
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private static void Write(StringBuilder sb, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                sb.Append('"');
                AppendEscaped(sb, value.GetString()!);
                sb.Append('"');
                break;
            case JsonValueKind.Array:
                sb.Append('[');
                int i = 0;
                foreach (var item in value.EnumerateArray()) { if (i++ > 0) sb.Append(','); Write(sb, item); }
                sb.Append(']');
                break;
            case JsonValueKind.Object:
                sb.Append('{');
                int j = 0;
                foreach (var p in value.EnumerateObject())
                {
                    if (j++ > 0) sb.Append(',');
                    sb.Append('"');
                    AppendEscaped(sb, p.Name);
                    sb.Append("\":");
                    Write(sb, p.Value);
                }
                sb.Append('}');
                break;
            default:
                sb.Append(value.GetRawText()); // numbers as written, true, false, null
                break;
        }
    }

    private static void AppendEscaped(StringBuilder sb, string text) => Text.ChatTemplates.PythonJson.AppendEscaped(sb, text);
}
