// A resumable evaluation run over any IEvalBackend: finished problems are appended to a JSONL file one record per
// line (flushed as each problem finishes), and a rerun with the same file samples only the problems not in it.
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using R1Sharp.Data;
using R1Sharp.IO;

namespace R1Sharp.Evaluation;

/// <summary>Progress of a run: problems done (resumed ones included) of the total, and the record just finished.</summary>
public readonly record struct EvalProgress(int Done, int Total, int Resumed, EvalRecord Record);

/// <summary>Runs the R1 evaluation protocol with resumable per-problem records.</summary>
public static class EvalRunner
{
    /// <summary>snake_case, compact, unescaped: one record per JSONL line.</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// Evaluates <paramref name="problems"/> (ids must be distinct) with <paramref name="k"/> samples each. With
    /// <paramref name="outPath"/> set, records already in that file are kept and their problems not sampled again; each
    /// newly finished problem is appended and flushed, so a crash or Ctrl+C loses at most the problems in flight. The
    /// result holds the records in dataset order and their summary (same as an uninterrupted run). A <paramref name="run"/> key
    /// is written as the file's first line and checked against the file's on a resume (<see cref="CheckRun"/>).
    /// </summary>
    public static async Task<EvalResult> RunAsync(IEvalBackend backend, IReadOnlyList<Problem> problems, int k, string? outPath = null,
        Action<EvalProgress>? progress = null, CancellationToken ct = default, EvalRunKey? run = null)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(problems);
        var index = new Dictionary<string, int>(problems.Count, StringComparer.Ordinal);
        for (int i = 0; i < problems.Count; i++)
            if (!index.TryAdd(problems[i].Id, i))
                throw new R1SharpException($"dataset: problem id '{problems[i].Id}' appears twice (rows {index[problems[i].Id]} and {i}); ids must be distinct to resume");
        if (run is not null && outPath is not null) CheckRun(outPath, run);
        var done = new EvalRecord?[problems.Count];
        int resumed = 0;
        if (outPath is not null)
            foreach (var r in ReadRecords(outPath))
            {
                if (!index.TryGetValue(r.Id, out int at)) continue; // another dataset's record: kept in the file, not counted
                if (r.Completions.Count != k)
                    throw new R1SharpException($"{outPath}: problem '{r.Id}' has {r.Completions.Count} samples but --samples is {k}; use another --out or the same --samples");
                if (done[at] is null) resumed++;
                done[at] = r;
            }
        var todo = Enumerable.Range(0, problems.Count).Where(i => done[i] is null).ToList();
        int finished = resumed;
        using var writer = outPath is null ? null : OpenAppend(outPath);
        var writeLock = new object();
        await ProblemBatches.RunAsync(backend, problems, todo, (i, samples) =>
            {
                var record = Evaluator.Grade(problems[i], samples);
                lock (writeLock)
                {
                    done[i] = record;
                    if (writer is not null)
                    {
                        writer.Write(JsonSerializer.Serialize(record, Json));
                        writer.Write('\n');
                        writer.Flush();
                    }
                    progress?.Invoke(new EvalProgress(++finished, problems.Count, resumed, record));
                }
            }, ct).ConfigureAwait(false);
        var records = done.Select(r => r!).ToList();
        return new EvalResult(records, Evaluator.Summarize(records, k));
    }

    /// <summary>
    /// The complete records of a JSONL file (none when it does not exist). A last line without its newline (a crash
    /// mid-write) is cut off the file, so its problem is redone and appends start on a fresh line; a bad line elsewhere
    /// is an error naming it.
    /// </summary>
    public static IReadOnlyList<EvalRecord> ReadRecords(string path) =>
        AppendOnlyJsonl.Read<EvalRecord>(path, Json, "an eval record",
            r => r.Id.Length == 0 || r.Completions is null || r.Correct is null ? "id, completions or correct" : null, IsRunLine);

    /// <summary>The run key on the first line of <paramref name="path"/>; null when the file is missing, empty or unkeyed.</summary>
    public static EvalRunKey? ReadRun(string path) => ParseRun(path, FirstLine(path));

    private static EvalRunKey? ParseRun(string path, string? first)
    {
        if (first is null || !IsRunLine(first)) return null;
        try { return JsonSerializer.Deserialize<EvalRunLine>(first, Json)?.Run; }
        catch (JsonException e) { throw new R1SharpException($"{path} line 1: not an eval run key ({e.Message}); move the file away or use another --out", e); }
    }

    /// <summary>Refuses a file holding another run (a one-line <see cref="R1SharpException"/> naming the first setting that
    /// differs); starts a missing or empty file with the key line.</summary>
    public static void CheckRun(string path, EvalRunKey run)
    {
        string? first = FirstLine(path);
        if (first is null)
        {
            using var w = OpenAppend(path);
            w.Write(JsonSerializer.Serialize(new EvalRunLine(run), Json));
            w.Write('\n');
            return;
        }
        var there = ParseRun(path, first) ?? throw new R1SharpException(
            $"{path} holds eval records without a run key (written by an older r1), so they cannot be matched to this run; use another --out");
        if (run.Difference(there) is { } diff)
            throw new R1SharpException($"{path} holds another run ({diff}); use another --out, or the same settings to resume");
    }

    /// <summary>True for the run-key line (<c>{"eval_run": …}</c>) that starts a keyed file; readers skip it.</summary>
    internal static bool IsRunLine(string line) => line.TrimStart().StartsWith("{\"" + EvalRunKey.LineProperty + "\"", StringComparison.Ordinal);

    private static string? FirstLine(string path)
    {
        if (!File.Exists(path)) return null;
        using var reader = new StreamReader(path, Encoding.UTF8);
        while (reader.ReadLine() is { } line)
            if (line.Trim().Length > 0) return line;
        return null;
    }

    private static StreamWriter OpenAppend(string path)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir) Directory.CreateDirectory(dir);
        return new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));
    }

    /// <summary>The summary as an aligned text table (one metric per line), as `r1 eval` prints it.</summary>
    public static string FormatSummary(EvalSummary s, string? title = null)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        if (title is not null) sb.Append(title).Append('\n');
        sb.Append(inv, $"{"problems",-26}{s.Problems,10}\n");
        sb.Append(inv, $"{"samples per problem (k)",-26}{s.K,10}\n");
        sb.Append(inv, $"{"pass@1 (mean over k)",-26}{s.PassAt1 * 100,9:0.00}%\n");
        sb.Append(inv, $"{"cons@" + s.K + " (majority vote)",-26}{s.ConsAtK * 100,9:0.00}%\n");
        if (s.LanguageConsistency is { } lc) sb.Append(inv, $"{"language consistency",-26}{lc * 100,9:0.00}%\n");
        sb.Append(inv, $"{"mean length (tokens)",-26}{s.MeanLength,10:0.0}\n");
        sb.Append(inv, $"{"mean reasoning (tokens)",-26}{s.MeanReasoningLength,10:0.0}\n");
        return sb.ToString();
    }
}
