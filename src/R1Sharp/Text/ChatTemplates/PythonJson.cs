// JSON text as Python's json.dumps(value, ensure_ascii=False) writes it, which is what the Hugging Face chat templates'
// `tojson` filter prints (transformers chat_template_utils: separators ", " / ": ", or "," / ": " with indent).
using System.Text;
using System.Text.Json;

namespace R1Sharp.Text.ChatTemplates;

/// <summary>Writes a parsed JSON value the way Python's <c>json.dumps(v, ensure_ascii=False, indent=…)</c> does.</summary>
/// <remarks>Key order is kept. Numbers are written as they were given (Python would re-print <c>1e2</c> as <c>100.0</c>).</remarks>
public static class PythonJson
{
    /// <summary>
    /// <c>json.dumps(value, ensure_ascii=False, indent=indent)</c>. Example: <c>{"a":[1,{}]}</c> gives
    /// <c>{"a": [1, {}]}</c>; with indent 2, <c>{\n  "a": [\n    1,\n    {}\n  ]\n}</c>.
    /// </summary>
    public static string Dumps(JsonElement value, int? indent = null)
    {
        var sb = new StringBuilder();
        Write(sb, value, indent, 0);
        return sb.ToString();
    }

    /// <summary><see cref="Dumps(JsonElement, int?)"/> of a JSON text.</summary>
    /// <exception cref="JsonException">Not valid JSON.</exception>
    public static string Dumps(string json, int? indent = null)
    {
        using var doc = JsonDocument.Parse(json);
        return Dumps(doc.RootElement, indent);
    }

    private static void Write(StringBuilder sb, JsonElement v, int? indent, int depth)
    {
        switch (v.ValueKind)
        {
            case JsonValueKind.Object:
                if (!v.EnumerateObject().Any()) { sb.Append("{}"); return; }
                sb.Append('{');
                bool first = true;
                foreach (var p in v.EnumerateObject())
                {
                    Separate(sb, indent, depth + 1, first);
                    first = false;
                    AppendString(sb, p.Name).Append(": ");
                    Write(sb, p.Value, indent, depth + 1);
                }
                Close(sb, indent, depth).Append('}');
                return;
            case JsonValueKind.Array:
                if (v.GetArrayLength() == 0) { sb.Append("[]"); return; }
                sb.Append('[');
                bool firstItem = true;
                foreach (var item in v.EnumerateArray())
                {
                    Separate(sb, indent, depth + 1, firstItem);
                    firstItem = false;
                    Write(sb, item, indent, depth + 1);
                }
                Close(sb, indent, depth).Append(']');
                return;
            case JsonValueKind.String:
                AppendString(sb, v.GetString()!);
                return;
            default: // numbers, true, false, null: the same text in both languages
                sb.Append(v.GetRawText());
                return;
        }
    }

    // Python: item separator ", " without indent, "," + newline + indentation with it.
    private static void Separate(StringBuilder sb, int? indent, int depth, bool first)
    {
        if (indent is { } n) sb.Append(first ? "\n" : ",\n").Append(' ', n * depth);
        else if (!first) sb.Append(", ");
    }

    private static StringBuilder Close(StringBuilder sb, int? indent, int depth) =>
        indent is { } n ? sb.Append('\n').Append(' ', n * depth) : sb;

    /// <summary>A JSON string as <c>json.dumps(s, ensure_ascii=False)</c> writes it, quotes included. Example: <c>a"b\n</c>
    /// becomes <c>"a\"b\n"</c>.</summary>
    public static StringBuilder AppendString(StringBuilder sb, string s) => AppendEscaped(sb.Append('"'), s).Append('"');

    /// <summary>The body of that string, without quotes: '"', '\' and control characters escaped (\n, \r, \t, \b, \f, else
    /// \u00xx), every other character raw.</summary>
    public static StringBuilder AppendEscaped(StringBuilder sb, string s)
    {
        foreach (char ch in s)
        {
            switch (ch)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case < ' ': sb.Append("\\u").Append(((int)ch).ToString("x4", System.Globalization.CultureInfo.InvariantCulture)); break;
                default: sb.Append(ch); break;
            }
        }
        return sb;
    }
}
