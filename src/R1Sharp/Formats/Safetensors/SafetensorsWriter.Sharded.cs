// Sharded model writer: model-00001-of-0000N.safetensors + model.safetensors.index.json (HF five-digit names),
// or one model.safetensors when everything fits. Grouping follows huggingface_hub split_torch_state_dict_into_shards.
using System.Globalization;

using R1Sharp.IO;

namespace R1Sharp.Formats.Safetensors;

public static partial class SafetensorsWriter
{
    /// <summary>
    /// Writes a model's weights into <paramref name="directory"/>: a single <c>model.safetensors</c> when their
    /// total fits in <paramref name="maxShardBytes"/>, otherwise shards of at most that size (a larger tensor gets a
    /// shard of its own) plus <c>model.safetensors.index.json</c>, written last. Each file is atomic. Weight files
    /// of an earlier save in the same layout that the new save does not use are deleted afterwards.
    /// Returns the weight file names written (without the index).
    /// </summary>
    public static IReadOnlyList<string> WriteSharded(string directory, IReadOnlyList<SafetensorsEntry> entries,
        long maxShardBytes, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(entries);
        if (maxShardBytes <= 0)
            throw new R1SharpException($"max shard size must be positive, got {maxShardBytes}");
        string indexPath = Path.Combine(directory, SafetensorsIndex.FileName);
        Order(entries, indexPath); // rejects duplicate and reserved names before any file is written
        var groups = Group(entries, maxShardBytes);
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new R1SharpException($"cannot create model directory {SafetensorsText.Quote(directory)}: {SafetensorsText.OneLine(ex.Message)}", ex);
        }
        var previous = PreviousWeightFiles(directory, indexPath);
        List<string> names;
        if (groups.Count <= 1)
        {
            names = [SafetensorsIndex.SingleFileName];
            Write(Path.Combine(directory, names[0]), entries, metadata);
            AtomicFile.TryDelete(indexPath);
        }
        else
        {
            names = Enumerable.Range(1, groups.Count).Select(i => ShardName(i, groups.Count)).ToList();
            var weightMap = new List<KeyValuePair<string, string>>();
            for (int i = 0; i < groups.Count; i++)
            {
                Write(Path.Combine(directory, names[i]), groups[i], metadata);
                weightMap.AddRange(groups[i].Select(e => new KeyValuePair<string, string>(e.Name, names[i])));
            }
            long total = entries.Sum(e => e.ByteLength);
            byte[] index = SafetensorsIndex.Serialize(total, metadata, weightMap);
            AtomicFile.Write(indexPath, s => s.Write(index));
        }
        foreach (string old in previous.Where(p => !names.Contains(p)))
            AtomicFile.TryDelete(Path.Combine(directory, old));
        return names;
    }

    /// <summary>HF shard name, e.g. <c>model-00002-of-00005.safetensors</c>.</summary>
    public static string ShardName(int index, int count) =>
        string.Create(CultureInfo.InvariantCulture, $"model-{index:D5}-of-{count:D5}.safetensors");

    /// <summary>Greedy in input order: start a new shard when the next tensor would overflow the current one.</summary>
    internal static List<List<SafetensorsEntry>> Group(IReadOnlyList<SafetensorsEntry> entries, long maxShardBytes)
    {
        var groups = new List<List<SafetensorsEntry>>();
        List<SafetensorsEntry>? current = null;
        long size = 0;
        foreach (var e in entries)
        {
            if (current is null || (current.Count > 0 && size + e.ByteLength > maxShardBytes))
            {
                current = [];
                groups.Add(current);
                size = 0;
            }
            current.Add(e);
            size += e.ByteLength;
        }
        return groups;
    }

    /// <summary>Weight files of an earlier save: model.safetensors and the shards its index names (if readable).</summary>
    private static List<string> PreviousWeightFiles(string directory, string indexPath)
    {
        var files = new List<string>();
        if (File.Exists(Path.Combine(directory, SafetensorsIndex.SingleFileName))) files.Add(SafetensorsIndex.SingleFileName);
        if (File.Exists(indexPath))
        {
            try
            {
                files.AddRange(SafetensorsIndex.Load(indexPath).WeightMap.Select(kv => kv.Value).Distinct());
            }
            catch (R1SharpException)
            {
                // An unreadable old index only means we cannot clean up its shards; the new save is still valid.
            }
        }
        return files;
    }
}
