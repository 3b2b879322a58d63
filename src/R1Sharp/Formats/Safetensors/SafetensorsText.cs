// Small text helpers so every safetensors error message stays one readable line.
// Names come from untrusted files: control characters are escaped and long names shortened.
using System.Text;

namespace R1Sharp.Formats.Safetensors;

internal static class SafetensorsText
{
    private const int MaxQuoted = 200;

    /// <summary>Quotes a name for a one-line message: control chars escaped, length capped.</summary>
    public static string Quote(string? s)
    {
        if (s is null) return "<null>";
        var sb = new StringBuilder(Math.Min(s.Length, MaxQuoted) + 2).Append('\'');
        for (int i = 0; i < s.Length && i < MaxQuoted; i++)
        {
            char c = s[i];
            if (char.IsControl(c) || char.IsSurrogate(c) || c == '\u2028' || c == '\u2029')
                sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            else
                sb.Append(c);
        }
        if (s.Length > MaxQuoted) sb.Append("...");
        return sb.Append('\'').ToString();
    }

    /// <summary>Folds a foreign message (e.g. a JsonException's) onto one line.</summary>
    public static string OneLine(string s) => s.Replace('\r', ' ').Replace('\n', ' ');

    /// <summary>Prefix of every message about a file: <c>safetensors file 'path'</c>.</summary>
    public static string File(string path) => $"safetensors file {Quote(path)}";

    public static R1SharpException HeaderError(string path, string what, Exception? inner = null) =>
        Make($"{File(path)}: header: {what}", inner);

    public static R1SharpException TensorError(string path, string tensor, string what, Exception? inner = null) =>
        Make($"{File(path)}: tensor {Quote(tensor)}: {what}", inner);

    private static R1SharpException Make(string message, Exception? inner) =>
        inner is null ? new R1SharpException(message) : new R1SharpException(message, inner);
}
