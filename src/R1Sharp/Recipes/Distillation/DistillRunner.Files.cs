// DistillRunner's run loop and files: the state file (one problem per line, written last) is the truth; at start the
// SFT and rejected files are rebuilt from it atomically, so an interrupted run never leaves half a problem behind.
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using R1Sharp.Evaluation;
using R1Sharp.Data;
using R1Sharp.IO;

namespace R1Sharp.Recipes.Distillation;

public static partial class DistillRunner
{
    private static readonly JsonSerializerOptions StateJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>
    /// Samples <see cref="EvalOptions.K"/> (of <see cref="DistillOptions.Sampling"/>) traces of each problem from <paramref name="teacher"/>, judges them
    /// (<see cref="Judge"/>) and writes <paramref name="paths"/>: kept traces as SFT lines to Out, the others to Rejected,
    /// each problem's record to State. Problems already in State are not sampled again (ids must be distinct). A problem's
    /// lines are appended and flushed together, then its state line; Ctrl+C loses at most the problems in flight. A
    /// <paramref name="run"/> key starts the state file and is checked on a resume, as `r1 eval` checks its records file.
    /// </summary>
    public static async Task<DistillResult> RunAsync(IEvalBackend teacher, IReadOnlyList<Problem> problems, DistillOptions options,
        DistillPaths paths, Action<DistillProgress>? progress = null, CancellationToken ct = default, EvalRunKey? run = null)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        ArgumentNullException.ThrowIfNull(problems);
        ArgumentNullException.ThrowIfNull(paths);
        options.Validate();
        var index = new Dictionary<string, int>(problems.Count, StringComparer.Ordinal);
        for (int i = 0; i < problems.Count; i++)
            if (!index.TryAdd(problems[i].Id, i))
                throw new R1SharpException($"dataset: problem id '{problems[i].Id}' appears twice (rows {index[problems[i].Id]} and {i}); ids must be distinct to resume");

        if (File.Exists(paths.Out) && new FileInfo(paths.Out).Length > 0 && !File.Exists(paths.State))
            throw new R1SharpException($"--out {paths.Out} exists but {paths.State} does not, so it was not written by `r1 distill`; move it away or choose another --out");
        if (run is not null) EvalRunner.CheckRun(paths.State, run); // the state file's first line: another run's state is refused
        var state = ReadState(paths.State);
        var done = new DistillProblemRecord?[problems.Count];
        int resumed = 0;
        foreach (var r in state)
        {
            if (!index.TryGetValue(r.Id, out int at)) continue; // another dataset's problem: kept in the files, not counted
            if (r.Traces.Count != options.Sampling.K)
                throw new R1SharpException($"{paths.State}: problem '{r.Id}' has {r.Traces.Count} traces but --samples is {options.Sampling.K}; use another --out or the same --samples");
            if (done[at] is null) resumed++;
            done[at] = r;
        }
        Rebuild(paths, state);

        var todo = Enumerable.Range(0, problems.Count).Where(i => done[i] is null).ToList();
        int finished = resumed;
        using var outWriter = OpenAppend(paths.Out);
        using var rejectedWriter = OpenAppend(paths.Rejected);
        using var stateWriter = OpenAppend(paths.State);
        var writeLock = new object();
        await ProblemBatches.RunAsync(teacher, problems, todo, (i, samples) =>
            {
                var record = Judge(problems[i], i, samples, teacher.Name, options);
                StringBuilder kept = new(), other = new();
                DistillLines.Split(record, kept, other);
                string stateLine = JsonSerializer.Serialize(record, StateJson) + "\n";
                lock (writeLock)
                {
                    done[i] = record;
                    Write(outWriter, kept);
                    Write(rejectedWriter, other);
                    stateWriter.Write(stateLine); // last: a problem counts as done only once its lines are out
                    stateWriter.Flush();
                    progress?.Invoke(new DistillProgress(++finished, problems.Count, resumed, record));
                }
            }, ct).ConfigureAwait(false);
        var records = done.Select(r => r!).ToList();
        return new DistillResult(records, Summarize(records));
    }

    /// <summary>
    /// The complete records of a state file (none when it does not exist). A last line without its newline (a crash
    /// mid-write) is cut off, so its problem is redone; a bad line elsewhere is an error naming it.
    /// </summary>
    public static IReadOnlyList<DistillProblemRecord> ReadState(string path) =>
        AppendOnlyJsonl.Read<DistillProblemRecord>(path, StateJson, "a distill state record",
            r => string.IsNullOrEmpty(r.Id) || r.Traces is null || r.Sampling is null ? "id, sampling or traces" : null, EvalRunner.IsRunLine);

    // Rewrites Out and Rejected from the state (temp file + rename each), dropping lines of problems whose state line
    // was never written.
    private static void Rebuild(DistillPaths paths, IReadOnlyList<DistillProblemRecord> state)
    {
        StringBuilder kept = new(), other = new();
        foreach (var r in state) DistillLines.Split(r, kept, other);
        Replace(paths.Out, kept);
        Replace(paths.Rejected, other);
    }

    private static void Replace(string path, StringBuilder text)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir) Directory.CreateDirectory(dir);
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, text.ToString(), new UTF8Encoding(false));
        File.Move(tmp, path, overwrite: true);
    }

    private static void Write(StreamWriter writer, StringBuilder lines)
    {
        if (lines.Length == 0) return;
        foreach (var chunk in lines.GetChunks()) writer.Write(chunk.Span);
        writer.Flush();
    }

    private static StreamWriter OpenAppend(string path) =>
        new(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));
}
