// Reading the append-only JSONL files that make long runs resumable (`r1 eval` records, `r1 distill` state): whole
// lines are the unit of progress, so a line torn by a crash is cut off and its work is redone.
using System.Text;
using System.Text.Json;

namespace R1Sharp.IO;

/// <summary>Complete records of an append-only JSONL file.</summary>
public static class AppendOnlyJsonl
{
    /// <summary>
    /// The records of <paramref name="path"/> (none when it does not exist). A last line without its newline (a crash
    /// mid-write) is cut off the file, so appends start on a fresh line; a bad line elsewhere is a one-line
    /// <see cref="R1SharpException"/> naming the file, the line and <paramref name="what"/>.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <param name="options">JSON options of the record type.</param>
    /// <param name="what">What a line should be, e.g. "an eval record".</param>
    /// <param name="missing">Names the required fields a parsed record lacks, or null when it is complete.</param>
    /// <param name="skip">Lines that are not records (a header), left out; none by default.</param>
    public static IReadOnlyList<T> Read<T>(string path, JsonSerializerOptions options, string what, Func<T, string?> missing,
        Func<string, bool>? skip = null) where T : class
    {
        if (!File.Exists(path)) return [];
        var bytes = File.ReadAllBytes(path);
        int end = Array.LastIndexOf(bytes, (byte)'\n') + 1;
        if (end < bytes.Length)
            using (var f = new FileStream(path, FileMode.Open, FileAccess.Write)) f.SetLength(end);
        var records = new List<T>();
        int line = 0;
        foreach (var text in Encoding.UTF8.GetString(bytes, 0, end).Split('\n'))
        {
            line++;
            if (text.Trim().Length == 0 || skip?.Invoke(text) == true) continue;
            T? record;
            try { record = JsonSerializer.Deserialize<T>(text, options); }
            catch (JsonException e) { throw new R1SharpException($"{path} line {line}: not {what} ({e.Message}); move the file away or use another --out", e); }
            if ((record is null ? "content" : missing(record)) is { } lacking)
                throw new R1SharpException($"{path} line {line}: not {what} (no {lacking}); move the file away or use another --out");
            records.Add(record!);
        }
        return records;
    }
}
