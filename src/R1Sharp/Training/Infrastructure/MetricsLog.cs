// metrics.jsonl: one JSON object of numbers per optimizer step, appended and flushed as the run goes, so a crash
// loses at most the current line and charts/tools can read it live (DESIGN.md "Model directory produced by training").
// Each row is one write, cut back when it fails (disk full), so the file holds whole lines only.
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace R1Sharp.Training.Infrastructure;

/// <summary>Appends metric rows to a JSON Lines file. Rows are ordered maps of name → number; "step" comes first.</summary>
public sealed class MetricsLog : IDisposable
{
    /// <summary>The usual file name inside an output directory.</summary>
    public const string FileName = "metrics.jsonl";

    private readonly IO.JsonlAppender _appender;

    /// <summary>The file written.</summary>
    public string Path { get; }

    /// <summary>TensorBoard event files that get every row too (report_to: ["tensorboard"]); disposed with this log.</summary>
    public TensorBoardLog? TensorBoard { get; init; }

    /// <summary>
    /// Opens <paramref name="path"/> for appending. With <paramref name="keepThroughStep"/> set (a resumed run), rows
    /// with a larger "step" are dropped first, so the file matches an uninterrupted run; null starts a new file.
    /// </summary>
    public MetricsLog(string path, int? keepThroughStep = null)
    {
        Path = path;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        if (keepThroughStep is int keep) KeepThroughStep(path, keep);
        else if (keepThroughStep is null && File.Exists(path)) File.Delete(path);
        _appender = new IO.JsonlAppender(path);
    }

    /// <summary>
    /// Drops the lines of a JSON Lines file whose "step" is above <paramref name="step"/> (and lines without one), so a
    /// resumed run's log matches an uninterrupted run's; a missing file is left missing. Used for metrics.jsonl and
    /// GRPO's completions.jsonl.
    /// </summary>
    public static void KeepThroughStep(string path, int step)
    {
        if (!File.Exists(path)) return;
        var kept = File.ReadAllLines(path).Where(l => l.Length > 0 && StepOf(l) is int s && s <= step).ToArray();
        IO.AtomicFile.WriteAllText(path, kept.Length == 0 ? "" : string.Join('\n', kept) + "\n");
    }

    /// <summary>Over a stream instead of a file (tests inject write faults this way); <paramref name="path"/> names it in errors.</summary>
    internal MetricsLog(Stream stream, string path)
    {
        Path = path;
        _appender = new IO.JsonlAppender(stream, path);
    }

    /// <summary>
    /// Writes one row as a JSON line and flushes it. NaN and infinities are written as null. A failed write (disk
    /// full) leaves the file as it was and throws a one-line <see cref="R1SharpException"/> naming the file.
    /// </summary>
    public void Write(IReadOnlyDictionary<string, double> row)
    {
        _appender.AppendLine(Format(row));
        TensorBoard?.Write(row);
    }

    /// <summary>One row as compact JSON, keys in the dictionary's order. Example: {"step":1,"loss":2.5}.</summary>
    public static string Format(IReadOnlyDictionary<string, double> row)
    {
        var sb = new StringBuilder("{");
        foreach (var (key, value) in row)
        {
            if (sb.Length > 1) sb.Append(',');
            sb.Append(JsonSerializer.Serialize(key)).Append(':');
            sb.Append(double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : "null");
        }
        return sb.Append('}').ToString();
    }

    /// <summary>
    /// Reads every row of a metrics file (null values are skipped; non-numeric values are ignored). A last line
    /// without its newline (torn by a crash) is left out; any other line that is not a JSON object is a one-line
    /// <see cref="R1SharpException"/> naming the file and line.
    /// </summary>
    public static List<Dictionary<string, double>> Read(string path)
    {
        var rows = new List<Dictionary<string, double>>();
        string text = File.ReadAllText(path, Encoding.UTF8);
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0) continue;
            bool torn = i == lines.Length - 1; // no newline after it
            try
            {
                using var doc = JsonDocument.Parse(lines[i]);
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                    throw new R1SharpException($"{path} line {i + 1}: not a metrics row (a JSON object); move the file away or use another output_dir");
                var row = new Dictionary<string, double>();
                foreach (var p in doc.RootElement.EnumerateObject())
                    if (p.Value.ValueKind == JsonValueKind.Number) row[p.Name] = p.Value.GetDouble();
                rows.Add(row);
            }
            catch (JsonException) when (torn) { }
            catch (JsonException e)
            {
                throw new R1SharpException($"{path} line {i + 1}: not valid JSON ({e.Message}); move the file away or use another output_dir", e);
            }
        }
        return rows;
    }

    private static int? StepOf(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("step", out var s)
                && s.TryGetInt32(out int v) ? v : null;
        }
        catch (JsonException) { return null; }
    }

    /// <summary>Closes the file.</summary>
    public void Dispose()
    {
        _appender.Dispose();
        TensorBoard?.Dispose();
    }
}
