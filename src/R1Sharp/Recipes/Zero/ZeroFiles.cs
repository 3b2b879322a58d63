// The run directory of `r1 zero` besides what GrpoTrainer writes (metrics.jsonl, completions.jsonl, checkpoint-N/,
// charts): the held-out evaluations before and after.
using System.Text.Json;
using R1Sharp.Evaluation;

namespace R1Sharp.Recipes.Zero;

/// <summary>Reads and writes the evaluation files of one run directory.</summary>
internal sealed class ZeroFiles(string directory)
{
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
}
