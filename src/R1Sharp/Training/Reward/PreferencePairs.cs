// Preference data of reward modelling (TRL's preference dataset types): JSONL rows with "chosen" and "rejected" strings
// (implicit prompt), optionally a "prompt" string prepended to both (explicit prompt) and a "margin" number.
using System.Text.Json;

namespace R1Sharp.Training.Reward;

/// <summary>One comparison: the preferred and the other full text (prompt included), and the required margin.</summary>
public sealed record PreferencePair(string Chosen, string Rejected, double Margin = 0);

/// <summary>Reads preference pairs.</summary>
public static class PreferencePairs
{
    /// <summary>The pairs of a .jsonl file; a bad line is a one-line <see cref="R1SharpException"/> naming file and line.</summary>
    public static IReadOnlyList<PreferencePair> Load(string path)
    {
        if (!File.Exists(path)) throw new R1SharpException($"dataset_path: file not found: {path}");
        if (!path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
            throw new R1SharpException($"dataset_path: {path} is not .jsonl; give JSON lines with \"chosen\" and \"rejected\" (and optionally \"prompt\", \"margin\")");
        var pairs = new List<PreferencePair>();
        int number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (line.Trim().Length == 0) continue;
            pairs.Add(Parse(line, $"{path}:{number}"));
        }
        if (pairs.Count == 0) throw new R1SharpException($"dataset_path: {path} holds no pairs");
        return pairs;
    }

    /// <summary>One row: {"prompt"?: string, "chosen": string, "rejected": string, "margin"?: number}; other keys are refused by name.</summary>
    public static PreferencePair Parse(string json, string where)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new R1SharpException($"{where}: not JSON ({e.Message.Split('.')[0]})"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new R1SharpException($"{where}: a row must be a JSON object");
            foreach (var p in root.EnumerateObject())
                if (p.Name is not ("prompt" or "chosen" or "rejected" or "margin"))
                    throw new R1SharpException($"{where}: field '{p.Name}' is not supported; rows hold prompt, chosen, rejected and margin");
            string prompt = root.TryGetProperty("prompt", out var pr) ? Text(pr, "prompt", where) : "";
            string chosen = root.TryGetProperty("chosen", out var c) ? Text(c, "chosen", where) : throw new R1SharpException($"{where}: \"chosen\" is missing");
            string rejected = root.TryGetProperty("rejected", out var r) ? Text(r, "rejected", where) : throw new R1SharpException($"{where}: \"rejected\" is missing");
            double margin = 0;
            if (root.TryGetProperty("margin", out var m) && (m.ValueKind != JsonValueKind.Number || !m.TryGetDouble(out margin) || !double.IsFinite(margin)))
                throw new R1SharpException($"{where}: \"margin\" must be a finite number");
            return new PreferencePair(prompt + chosen, prompt + rejected, margin);
        }
    }

    private static string Text(JsonElement e, string name, string where) => e.ValueKind == JsonValueKind.String ? e.GetString()!
        : throw new R1SharpException($"{where}: \"{name}\" must be a string (conversational message lists are not supported yet; render them first)");
}
