// The run directory of `r1 zero`: JSONL logs, evaluation records, and the checkpoint (an HF model directory plus
// trainer_state.json) replaced by rename so an interruption never leaves a half-written one (DESIGN.md).
using System.Text.Json;
using System.Text.Json.Nodes;
using R1Sharp.Evaluation;

namespace R1Sharp.Training.Zero;

/// <summary>Reads and writes the files of one run directory.</summary>
internal sealed class ZeroFiles(string directory)
{
    private static readonly string[] ModelSideFiles = ["tokenizer.json", "tokenizer_config.json", "generation_config.json", "README.md"];

    public string Checkpoint => Path.Combine(directory, "checkpoint");
    private string Metrics => Path.Combine(directory, "metrics.jsonl");
    private string Completions => Path.Combine(directory, "completions.jsonl");
    private string State => Path.Combine(Checkpoint, "trainer_state.json");

    public void AppendStep(ZeroStepMetrics metrics, IReadOnlyList<object> completions)
    {
        File.AppendAllText(Metrics, ZeroGrpo.ToJsonLine(metrics) + "\n");
        File.AppendAllLines(Completions, completions.Select(ZeroGrpo.ToJsonLine));
    }

    public void WriteEval(string name, EvalResult result)
    {
        File.WriteAllLines(Path.Combine(directory, $"eval_{name}.jsonl"), result.Records.Select(r => ZeroGrpo.ToJsonLine(r)));
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

    /// <summary>Saves weights + tokenizer files into checkpoint.tmp, then swaps it in for the old checkpoint.</summary>
    public void SaveCheckpoint(R1Sharp.Generation.Generator generator, string baseModel, string loadedFrom, int step)
    {
        string temp = Checkpoint + ".tmp", old = Checkpoint + ".old";
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        generator.Model.Save(temp);
        string source = Directory.Exists(loadedFrom) && File.Exists(Path.Combine(loadedFrom, "tokenizer.json")) ? loadedFrom : baseModel;
        foreach (var file in ModelSideFiles)
        {
            string from = Path.Combine(source, file);
            if (File.Exists(from)) File.Copy(from, Path.Combine(temp, file));
        }
        File.WriteAllText(Path.Combine(temp, "trainer_state.json"), new JsonObject { ["step"] = step, ["base_model"] = baseModel }.ToJsonString());
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
        if (Directory.Exists(Checkpoint)) Directory.Move(Checkpoint, old);
        Directory.Move(temp, Checkpoint);
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
    }

    public int? ReadCheckpointStep()
    {
        if (!File.Exists(State)) return null;
        return JsonNode.Parse(File.ReadAllText(State))?["step"]?.GetValue<int>();
    }

    /// <summary>Drops log lines of steps after the checkpoint (work lost to the interruption, redone on resume).</summary>
    public void TruncateLogs(int step)
    {
        foreach (var path in new[] { Metrics, Completions })
        {
            if (!File.Exists(path)) continue;
            var keep = File.ReadLines(path).Where(l => l.Length > 0 && (JsonNode.Parse(l)?["step"]?.GetValue<int>() ?? 0) <= step).ToList();
            File.WriteAllLines(path, keep);
        }
    }
}
