// The run directory of `r1 zero` besides what GrpoTrainer writes (metrics.jsonl, completions.jsonl, checkpoint-N/):
// the held-out evaluations before and after, and the trainer state a resume reads the base model from.
using System.Text.Json;
using R1Sharp.Evaluation;
using R1Sharp.Training.Infrastructure;

namespace R1Sharp.Recipes.Zero;

/// <summary>Reads and writes the evaluation files of one run directory.</summary>
internal sealed class ZeroFiles(string directory)
{
    private string Completions => Path.Combine(directory, "completions.jsonl");

    public void WriteEval(string name, EvalResult result)
    {
        File.WriteAllLines(Path.Combine(directory, $"eval_{name}.jsonl"), result.Records.Select(r => ZeroText.ToJsonLine(r)));
        File.WriteAllText(Path.Combine(directory, $"eval_{name}_summary.json"), JsonSerializer.Serialize(result.Summary, ZeroText.JsonIndented));
    }

    public EvalResult? ReadEval(string name)
    {
        string path = Path.Combine(directory, $"eval_{name}.jsonl");
        if (!File.Exists(path)) return null;
        var records = File.ReadLines(path).Where(l => l.Length > 0)
            .Select(l => JsonSerializer.Deserialize<EvalRecord>(l, ZeroText.Json)!).ToList();
        int k = records.Count > 0 ? records[0].Completions.Count : 0;
        return new EvalResult(records, Evaluator.Summarize(records, k));
    }

    /// <summary>The base model a checkpoint's run started from (its config's model_name_or_path), or null.</summary>
    public static string? BaseModelOf(string checkpoint)
    {
        string path = Path.Combine(checkpoint, TrainerState.FileName);
        if (!File.Exists(path)) return null;
        var state = TrainerState.Parse(File.ReadAllText(path), path);
        return state.Config?["model_name_or_path"]?.GetValue<string>();
    }

    /// <summary>
    /// Drops completions.jsonl lines of steps after the checkpoint (a crash between checkpoints leaves them; the resumed
    /// run writes them again). GrpoTrainer does the same for metrics.jsonl.
    /// </summary>
    public void TruncateCompletions(int step)
    {
        if (!File.Exists(Completions)) return;
        var keep = File.ReadLines(Completions).Where(l => l.Length > 0 && StepOf(l) <= step).ToList();
        File.WriteAllLines(Completions, keep);
    }

    private static int StepOf(string line)
    {
        using var doc = JsonDocument.Parse(line);
        return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("step", out var s) && s.TryGetInt32(out int v) ? v : 0;
    }
}
