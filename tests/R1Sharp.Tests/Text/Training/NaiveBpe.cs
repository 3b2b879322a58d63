// Test oracle: textbook BPE that recounts every pair after each merge (minbpe's get_stats/merge loop),
// with the same tie-break and id reuse as BpeTrainer; slow but obviously right.
using System.Text;
using R1Sharp.Text.Training;

namespace R1Sharp.Tests.Text.Training;

internal static class NaiveBpe
{
    public static List<(int, int)> Merges(IEnumerable<string> docs, BpeTrainerOptions options)
    {
        var (counts, _) = BpeTrainer.CountChunks(docs, options);
        var words = counts.Select(kv => (Ids: Encoding.UTF8.GetBytes(kv.Key).Select(b => (int)b).ToList(), Count: kv.Value)).ToList();
        var tokens = Enumerable.Range(0, 256).Select(b => new[] { (byte)b }).ToList();
        var merges = new List<(int, int)>();
        while (tokens.Count - 256 < options.MergeTarget)
        {
            var stats = new Dictionary<(int, int), long>();
            foreach (var (ids, count) in words)
                for (int i = 0; i + 1 < ids.Count; i++)
                    stats[(ids[i], ids[i + 1])] = stats.GetValueOrDefault((ids[i], ids[i + 1])) + count;
            if (stats.Count == 0) break;
            var best = stats.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key.Item1).ThenBy(kv => kv.Key.Item2).First();
            if (best.Value < options.MinFrequency) break;
            var (a, b) = best.Key;
            byte[] bytes = [.. tokens[a], .. tokens[b]];
            int id = tokens.FindIndex(t => t.AsSpan().SequenceEqual(bytes));
            if (id < 0) { tokens.Add(bytes); id = tokens.Count - 1; }
            merges.Add((a, b));
            foreach (var (ids, _) in words)
            {
                for (int i = 0; i + 1 < ids.Count; i++)
                    if (ids[i] == a && ids[i + 1] == b) { ids[i] = id; ids.RemoveAt(i + 1); }
            }
        }
        return merges;
    }
}
