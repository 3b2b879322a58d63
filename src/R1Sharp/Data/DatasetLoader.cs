// Loads problem, conversation and prompt/completion datasets from JSON Lines or Parquet, streaming rows and
// failing (or skipping and counting) on malformed ones with "file line N: field …" messages.
using System.Text.Json;

namespace R1Sharp.Data;

/// <summary>
/// Entry points for dataset files (.jsonl or .parquet). <c>Stream*</c> yields records one at a time (a JSONL line or a
/// Parquet row group in memory at once); <c>Load*</c> materialises a <see cref="Dataset{T}"/> with its report.
/// Errors a user can cause (missing file, bad extension, malformed row) are <see cref="R1SharpException"/>s.
/// </summary>
public static class DatasetLoader
{
    /// <summary>Streams problems. With <paramref name="columns"/> null the convention is detected from the columns
    /// (Parquet schema, or the first JSONL object); see <see cref="ProblemColumns.Detect"/>.</summary>
    public static IEnumerable<Problem> StreamProblems(string path, ProblemColumns? columns = null,
        DatasetLoadOptions? options = null, LoadTally? tally = null)
    {
        options ??= DatasetLoadOptions.Default;
        var rows = RawRows.Open(path, out var schemaColumns);
        string source = options.Source ?? Path.GetFileNameWithoutExtension(path);
        string stem = Path.GetFileNameWithoutExtension(path);
        return Records(rows, options, tally, row =>
        {
            columns ??= ProblemColumns.Detect(schemaColumns ?? ObjectKeys(row.Value))
                ?? throw new R1SharpException($"{path}: cannot tell the problem columns from " +
                    $"[{string.Join(", ", schemaColumns ?? ObjectKeys(row.Value))}]; {ProblemColumns.DetectionHint}");
            return ParseProblem(row, columns, source, stem);
        });
    }

    /// <summary>Loads all problems; see <see cref="StreamProblems"/>.</summary>
    public static Dataset<Problem> LoadProblems(string path, ProblemColumns? columns = null, DatasetLoadOptions? options = null) =>
        Materialise(path, options, tally => StreamProblems(path, columns, options, tally));

    /// <summary>Streams conversations from the <paramref name="column"/> column (default <c>messages</c>).</summary>
    public static IEnumerable<Conversation> StreamConversations(string path, string column = "messages",
        DatasetLoadOptions? options = null, LoadTally? tally = null) =>
        Records(RawRows.Open(path, out _), options ?? DatasetLoadOptions.Default, tally,
            row => new Conversation(RowFields.Messages(RowFields.Required(row.Value, column), $"'{column}'")));

    /// <summary>Loads all conversations; see <see cref="StreamConversations"/>.</summary>
    public static Dataset<Conversation> LoadConversations(string path, string column = "messages", DatasetLoadOptions? options = null) =>
        Materialise(path, options, tally => StreamConversations(path, column, options, tally));

    /// <summary>Streams prompt/completion pairs; each side is a string or a list of messages (TRL formats).</summary>
    public static IEnumerable<PromptCompletion> StreamPromptCompletions(string path, string promptColumn = "prompt",
        string completionColumn = "completion", DatasetLoadOptions? options = null, LoadTally? tally = null) =>
        Records(RawRows.Open(path, out _), options ?? DatasetLoadOptions.Default, tally,
            row => new PromptCompletion(Part(row.Value, promptColumn), Part(row.Value, completionColumn)));

    /// <summary>Loads all prompt/completion pairs; see <see cref="StreamPromptCompletions"/>.</summary>
    public static Dataset<PromptCompletion> LoadPromptCompletions(string path, string promptColumn = "prompt",
        string completionColumn = "completion", DatasetLoadOptions? options = null) =>
        Materialise(path, options, tally => StreamPromptCompletions(path, promptColumn, completionColumn, options, tally));

    private static Dataset<T> Materialise<T>(string path, DatasetLoadOptions? options, Func<LoadTally, IEnumerable<T>> stream)
    {
        var tally = new LoadTally(path, (options ?? DatasetLoadOptions.Default).MaxReasons);
        var items = stream(tally).ToArray();
        return new Dataset<T>(items, tally.ToReport());
    }

    private static IEnumerable<T> Records<T>(IEnumerable<RawRow> rows, DatasetLoadOptions options, LoadTally? tally,
        Func<RawRow, T> parse)
    {
        foreach (var row in rows)
        {
            T record;
            try
            {
                if (row.ParseError is not null) throw new RowError(row.ParseError);
                if (row.Value.ValueKind != JsonValueKind.Object)
                    throw new RowError($"expected a JSON object, got {RowFields.KindName(row.Value)}");
                record = parse(row);
            }
            catch (RowError e)
            {
                string message = $"{row.Location}: {e.Message}";
                if (!options.SkipBadRows) throw new R1SharpException(message);
                tally?.Skip(message);
                continue;
            }
            tally?.Read();
            yield return record;
        }
    }

    private static Problem ParseProblem(RawRow row, ProblemColumns c, string source, string stem)
    {
        var v = row.Value;
        string question = RowFields.RequiredString(v, c.Question);
        string answer = RowFields.RequiredText(v, c.Answer);
        string? solution = RowFields.OptionalText(v, c.Solution);
        if (c.AnswerMarker is { } marker)
        {
            int at = answer.LastIndexOf(marker, StringComparison.Ordinal);
            if (at < 0) throw new RowError($"field '{c.Answer}': no '{marker}' marker before the final answer");
            answer = answer[(at + marker.Length)..].Trim();
            if (answer.Length == 0) throw new RowError($"field '{c.Answer}': nothing after the '{marker}' marker");
        }
        string id = RowFields.OptionalText(v, c.Id) ?? $"{stem}-{row.Ordinal}";
        return new Problem(id, question, answer, solution, source);
    }

    private static PromptPart Part(JsonElement row, string column)
    {
        var v = RowFields.Required(row, column);
        return v.ValueKind switch
        {
            JsonValueKind.String => PromptPart.FromText(v.GetString()!),
            JsonValueKind.Array => PromptPart.FromMessages(RowFields.Messages(v, $"'{column}'")),
            _ => throw new RowError($"field '{column}': expected a string or a list of messages, got {RowFields.KindName(v)}"),
        };
    }

    private static string[] ObjectKeys(JsonElement v) =>
        v.ValueKind == JsonValueKind.Object ? v.EnumerateObject().Select(p => p.Name).ToArray() : [];
}
