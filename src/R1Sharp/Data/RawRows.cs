// Streams the rows of a dataset file as JSON objects with their location: JSON Lines (1-based lines, BOM, CRLF,
// blank lines skipped) or Parquet via Parquet.Net 6.1 (one row group in memory at a time, nested lists included).
using System.Text;
using System.Text.Json;
using Parquet;
using Parquet.Serialization;

namespace R1Sharp.Data;

/// <summary>One row: its JSON value (default when it did not parse), where it is ("file line N" or
/// "file row group G row R"), its 0-based index among the data rows (blank lines not counted), and why it did not parse.</summary>
internal readonly record struct RawRow(JsonElement Value, string Location, int Ordinal, string? ParseError);

internal static class RawRows
{
    /// <summary>Opens <paramref name="path"/> by extension; throws for a missing file or an unknown extension.</summary>
    public static IEnumerable<RawRow> Open(string path, out IReadOnlyCollection<string>? schemaColumns)
    {
        schemaColumns = null;
        string ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext is not (".jsonl" or ".parquet"))
            throw new R1SharpException($"{path}: unsupported dataset extension '{Path.GetExtension(path)}'; use .jsonl (JSON Lines) or .parquet");
        if (!File.Exists(path)) throw new R1SharpException($"{path}: file not found");
        if (ext == ".jsonl") return Jsonl(path);
        var columns = ParquetColumns(path);
        schemaColumns = columns;
        return Parquet(path, columns);
    }

    private static IEnumerable<RawRow> Jsonl(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        bool endsWithNewline = EndsWithNewline(stream);
        using var reader = new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true, 1 << 16);
        int lineNo = 0, ordinal = 0;
        for (string? line; (line = reader.ReadLine()) is not null;)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string location = $"{path} line {lineNo}";
            JsonDocument? doc = null;
            string? error = null;
            try { doc = JsonDocument.Parse(line); }
            catch (JsonException e)
            {
                bool truncated = !endsWithNewline && reader.Peek() < 0;
                error = truncated ? "invalid JSON (truncated last line?)"
                                  : $"invalid JSON at byte {e.BytePositionInLine ?? 0}";
            }
            using (doc) yield return new RawRow(doc?.RootElement ?? default, location, ordinal++, error);
        }
    }

    private static bool EndsWithNewline(FileStream stream)
    {
        if (stream.Length == 0) return true;
        stream.Seek(-1, SeekOrigin.End);
        bool result = stream.ReadByte() == '\n';
        stream.Seek(0, SeekOrigin.Begin);
        return result;
    }

    private static IReadOnlyCollection<string> ParquetColumns(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            var schema = ParquetReader.ReadSchemaAsync(stream).GetAwaiter().GetResult();
            return schema.Fields.Select(f => f.Name).ToHashSet();
        }
        catch (Exception e) when (e is not R1SharpException)
        {
            throw new R1SharpException($"{path}: not a readable Parquet file ({FirstLine(e.Message)})", e);
        }
    }

    private static IEnumerable<RawRow> Parquet(string path, IReadOnlyCollection<string> columns)
    {
        using var stream = File.OpenRead(path);
        int groups = Guard(path, () => RowGroupCount(stream));
        int ordinal = 0;
        for (int g = 0; g < groups; g++)
        {
            stream.Position = 0;
            var rows = Guard($"{path} row group {g}",
                () => ParquetSerializer.DeserializeUntypedAsync(stream, null, g).GetAwaiter().GetResult().Data);
            for (int r = 0; r < rows.Count; r++)
            {
                // Parquet.Net leaves null columns out of the row; put them back so "is null" differs from "missing".
                foreach (var c in columns) rows[r].TryAdd(c, null!);
                yield return new RawRow(JsonSerializer.SerializeToElement(rows[r]), $"{path} row group {g} row {r}", ordinal++, null);
            }
        }
    }

    private static int RowGroupCount(Stream stream)
    {
        var reader = ParquetReader.CreateAsync(stream, null, leaveStreamOpen: true).GetAwaiter().GetResult();
        try { return reader.RowGroupCount; }
        finally { reader.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }

    private static T Guard<T>(string where, Func<T> read)
    {
        try { return read(); }
        catch (Exception e) when (e is not R1SharpException)
        {
            string detail = FirstLine(e.Message);
            if (e.InnerException is NotImplementedException)
                throw new R1SharpException($"{where}: cannot read Parquet ({detail}: not implemented in Parquet.Net 6.1, " +
                    "e.g. nested columns in data page v2); rewrite the file with data page v1 (pyarrow's default)", e);
            throw new R1SharpException($"{where}: cannot read Parquet ({detail})", e);
        }
    }

    private static string FirstLine(string s)
    {
        int nl = s.IndexOfAny(['\r', '\n']);
        return nl < 0 ? s : s[..nl];
    }
}
