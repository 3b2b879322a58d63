// Log-line hygiene (OWASP log injection, CWE-117): text a request controls (model names, paths, error messages that
// quote them) is written with control characters escaped, so it cannot forge lines or send terminal escapes.
using System.Globalization;
using System.Text;

namespace R1Sharp.Server;

internal static class LogText
{
    /// <summary>
    /// Escapes C0 and C1 control characters, DEL and the Unicode line/paragraph separators as <c>\n</c>, <c>\r</c>,
    /// <c>\t</c> or <c>\uXXXX</c>. Example: <c>"a\nb\u001b[31m"</c> becomes the text <c>a\nb\u001b[31m</c> (backslashes
    /// written out). Other text, backslashes included, is unchanged.
    /// </summary>
    public static string Escape(string text)
    {
        int first = text.AsSpan().IndexOfAny(s_unsafe);
        if (first < 0) return text;
        var sb = new StringBuilder(text.Length + 16).Append(text, 0, first);
        foreach (char c in text.AsSpan(first))
        {
            if (!s_unsafe.Contains(c)) { sb.Append(c); continue; }
            sb.Append(c switch
            {
                '\n' => @"\n",
                '\r' => @"\r",
                '\t' => @"\t",
                _ => @"\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
            });
        }
        return sb.ToString();
    }

    private static readonly System.Buffers.SearchValues<char> s_unsafe = System.Buffers.SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(i => (char)i), .. Enumerable.Range(0x7f, 0x21).Select(i => (char)i), '\u2028', '\u2029']);
}
