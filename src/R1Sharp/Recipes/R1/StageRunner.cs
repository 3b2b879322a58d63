// The stage runner of the R1 recipe (issue 15; R1-METHOD.md §4 steps 2–5): stages run in order, each in its own
// directory (OUT/NN-name), each resumable. A finished stage leaves stage.json (its key and metrics), written
// atomically last, so a rerun skips it; a stage whose directory exists without stage.json was interrupted and is
// resumed; a finished stage whose key (its settings) changed is refused rather than silently reused.
using System.Text.Json;
using R1Sharp.IO;

namespace R1Sharp.Recipes.R1;

/// <summary>What a stage is told: its directory, whether it resumes an interrupted run, and the earlier stages' results.</summary>
public sealed record StageContext(string Directory, bool Resume, IReadOnlyDictionary<string, StageResult> Earlier, CancellationToken Cancel);

/// <summary>A finished stage: the model it produced (if any) and its metrics (pass1, cons, language_consistency, ...).</summary>
public sealed record StageResult
{
    /// <summary>The model directory the stage produced (null for stages that produce none).</summary>
    public string? Model { get; init; }
    /// <summary>Its metrics by name; NaN is stored as null.</summary>
    public Dictionary<string, double?> Metrics { get; init; } = [];
    /// <summary>Wall-clock seconds the stage took (summed over resumed runs is not tracked: the last run's time).</summary>
    public double Seconds { get; init; }
}

/// <summary>One stage: a name (its directory is NN-name), a key of its settings, and the work.</summary>
public sealed record Stage(string Name, string Key, Func<StageContext, StageResult> Run);

/// <summary>What the runner did with each stage.</summary>
public enum StageOutcome
{
    /// <summary>Run from the start.</summary>
    Ran,
    /// <summary>Its directory held an interrupted run, which it continued.</summary>
    Resumed,
    /// <summary>Finished before (stage.json with the same key): not run again.</summary>
    Skipped,
}

/// <summary>Runs stages in order with skip/resume, and writes OUT/summary.json with every stage's result.</summary>
public static class StageRunner
{
    /// <summary>The marker file a finished stage leaves in its directory.</summary>
    public const string MarkerFile = "stage.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The directory of stage <paramref name="index"/> (0-based) named <paramref name="name"/>: OUT/01-name, …</summary>
    public static string DirectoryOf(string outDirectory, int index, string name) =>
        Path.Combine(outDirectory, $"{index + 1:00}-{name}");

    /// <summary>
    /// Runs <paramref name="stages"/> in order under <paramref name="outDirectory"/>. A stage with a stage.json of the
    /// same key is skipped (its stored result used); of another key, refused with a one-line error (remove its
    /// directory, or use another OUT); a stage directory without stage.json is resumed. Cancellation between or
    /// inside stages leaves every finished stage marked. Returns the outcome and result of every stage.
    /// </summary>
    public static IReadOnlyList<(string Name, StageOutcome Outcome, StageResult Result)> Run(string outDirectory, IReadOnlyList<Stage> stages,
        Action<string>? log = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(stages);
        if (stages.Select(s => s.Name).Distinct(StringComparer.Ordinal).Count() != stages.Count)
            throw new ArgumentException("stage names must be distinct", nameof(stages));
        log ??= _ => { };
        Directory.CreateDirectory(outDirectory);
        var results = new Dictionary<string, StageResult>(StringComparer.Ordinal);
        var done = new List<(string, StageOutcome, StageResult)>();
        for (int i = 0; i < stages.Count; i++)
        {
            cancel.ThrowIfCancellationRequested();
            var stage = stages[i];
            string dir = DirectoryOf(outDirectory, i, stage.Name);
            string marker = Path.Combine(dir, MarkerFile);
            StageResult result;
            StageOutcome outcome;
            if (File.Exists(marker))
            {
                var stored = ReadMarker(marker);
                if (stored.Key != stage.Key)
                    throw new R1SharpException($"{marker}: stage '{stage.Name}' finished with other settings ({stored.Key}; now {stage.Key}); remove {dir} to redo it, or use another --out");
                (result, outcome) = (stored.Result, StageOutcome.Skipped);
                log($"stage {i + 1} {stage.Name}: done before, skipped");
            }
            else
            {
                bool resume = Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any();
                Directory.CreateDirectory(dir);
                log($"stage {i + 1} {stage.Name}: {(resume ? "resuming" : "running")}");
                var clock = System.Diagnostics.Stopwatch.StartNew();
                result = stage.Run(new StageContext(dir, resume, results, cancel));
                result = result with
                {
                    Seconds = clock.Elapsed.TotalSeconds,
                    Metrics = result.Metrics.ToDictionary(m => m.Key, m => m.Value is { } v && double.IsFinite(v) ? v : (double?)null),
                };
                AtomicFile.WriteAllText(marker, JsonSerializer.Serialize(new Marker(stage.Key, result), Json));
                outcome = resume ? StageOutcome.Resumed : StageOutcome.Ran;
            }
            results[stage.Name] = result;
            done.Add((stage.Name, outcome, result));
        }
        WriteSummary(outDirectory, done);
        return done;
    }

    /// <summary>OUT/summary.json: per stage, in order, its metrics, model and seconds.</summary>
    public static void WriteSummary(string outDirectory, IEnumerable<(string Name, StageOutcome Outcome, StageResult Result)> stages)
    {
        var summary = stages.Select(s => new Dictionary<string, object?>
        {
            ["stage"] = s.Name, ["model"] = s.Result.Model, ["seconds"] = s.Result.Seconds,
            ["metrics"] = s.Result.Metrics.ToDictionary(m => m.Key, m => m.Value is { } v && double.IsFinite(v) ? v : (double?)null),
        }).ToList();
        AtomicFile.WriteAllText(Path.Combine(outDirectory, "summary.json"), JsonSerializer.Serialize(new { stages = summary }, Json));
    }

    private sealed record Marker(string Key, StageResult Result);

    private static Marker ReadMarker(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<Marker>(File.ReadAllText(path), Json)
                ?? throw new R1SharpException($"{path}: empty stage marker; remove its directory to redo the stage");
        }
        catch (JsonException e)
        {
            throw new R1SharpException($"{path}: not a stage marker ({e.Message.Split('.')[0]}); remove its directory to redo the stage");
        }
    }
}
