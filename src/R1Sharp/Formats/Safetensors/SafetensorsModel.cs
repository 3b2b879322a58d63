// A model directory's weights: model.safetensors, or shards resolved only through model.safetensors.index.json
// (DeepSeek uses six-digit totals like model-00001-of-000163.safetensors; ARCHITECTURES.md §3).
namespace R1Sharp.Formats.Safetensors;

/// <summary>
/// All tensors of a model directory behind one name → bytes view. Like transformers, a <c>model.safetensors</c>
/// takes precedence over an index. Every shard is validated at open (header only), and the index must agree with
/// the shards exactly: each listed tensor in its named shard, no tensor in two shards, no unlisted tensor.
/// </summary>
public sealed class SafetensorsModel : IDisposable
{
    private readonly List<SafetensorsFile> _files;
    private readonly Dictionary<string, SafetensorsFile> _fileOf;
    private readonly Dictionary<string, SafetensorsTensorInfo> _tensors;

    private SafetensorsModel(string directory, List<SafetensorsFile> files, Dictionary<string, SafetensorsFile> fileOf,
        Dictionary<string, SafetensorsTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata, long? totalSize)
    {
        Directory = directory;
        _files = files;
        _fileOf = fileOf;
        _tensors = tensors;
        Metadata = metadata;
        TotalSize = totalSize;
    }

    /// <summary>The model directory.</summary>
    public string Directory { get; }

    /// <summary>The index's <c>metadata</c> (values as text), or the single file's <c>__metadata__</c>.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The index's <c>metadata.total_size</c> when present (informational; not enforced).</summary>
    public long? TotalSize { get; }

    /// <summary>The opened weight files, in index order.</summary>
    public IReadOnlyList<SafetensorsFile> Files => _files;

    /// <summary>All tensors by name across all shards.</summary>
    public IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors => _tensors;

    /// <summary>Opens <c>model.safetensors</c> or the index in <paramref name="directory"/>; throws <see cref="R1SharpException"/>.</summary>
    public static SafetensorsModel Open(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string single = Path.Combine(directory, SafetensorsIndex.SingleFileName);
        string indexPath = Path.Combine(directory, SafetensorsIndex.FileName);
        if (File.Exists(single))
        {
            var file = SafetensorsFile.Open(single);
            var fileOf = file.Tensors.Keys.ToDictionary(k => k, _ => file, StringComparer.Ordinal);
            return new SafetensorsModel(directory, [file], fileOf, new(file.Tensors, StringComparer.Ordinal), file.Metadata, null);
        }
        if (!File.Exists(indexPath))
            throw new R1SharpException($"model directory {SafetensorsText.Quote(directory)} has neither {SafetensorsIndex.SingleFileName} nor {SafetensorsIndex.FileName}; is it a Hugging Face model directory?");
        return OpenSharded(directory, SafetensorsIndex.Load(indexPath), indexPath);
    }

    private static SafetensorsModel OpenSharded(string directory, SafetensorsIndex index, string indexPath)
    {
        var byName = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        var files = new List<SafetensorsFile>();
        try
        {
            foreach (string shard in index.WeightMap.Select(kv => kv.Value).Distinct(StringComparer.Ordinal))
            {
                string shardPath = Path.Combine(directory, shard);
                if (!File.Exists(shardPath))
                    throw new R1SharpException($"shard index {SafetensorsText.Quote(indexPath)}: shard {SafetensorsText.Quote(shard)} is missing from the model directory (incomplete download?)");
                var f = SafetensorsFile.Open(shardPath);
                files.Add(f);
                byName.Add(shard, f);
            }
            var (fileOf, tensors) = Unify(index, byName, indexPath);
            return new SafetensorsModel(directory, files, fileOf, tensors, index.Metadata, index.TotalSize);
        }
        catch
        {
            foreach (var f in files) f.Dispose();
            throw;
        }
    }

    private static (Dictionary<string, SafetensorsFile>, Dictionary<string, SafetensorsTensorInfo>) Unify(
        SafetensorsIndex index, Dictionary<string, SafetensorsFile> byName, string indexPath)
    {
        var mapped = index.WeightMap.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var fileOf = new Dictionary<string, SafetensorsFile>(mapped.Count, StringComparer.Ordinal);
        var tensors = new Dictionary<string, SafetensorsTensorInfo>(mapped.Count, StringComparer.Ordinal);
        foreach (var (shard, file) in byName)
        {
            foreach (var (name, info) in file.Tensors)
            {
                if (!mapped.TryGetValue(name, out string? listed))
                    throw new R1SharpException($"shard index {SafetensorsText.Quote(indexPath)}: tensor {SafetensorsText.Quote(name)} in {SafetensorsText.Quote(shard)} is not listed in weight_map");
                if (fileOf.TryGetValue(name, out var other))
                    throw new R1SharpException($"shard index {SafetensorsText.Quote(indexPath)}: tensor {SafetensorsText.Quote(name)} is in both {SafetensorsText.Quote(Path.GetFileName(other.Path))} and {SafetensorsText.Quote(shard)}");
                if (listed != shard)
                    throw new R1SharpException($"shard index {SafetensorsText.Quote(indexPath)}: tensor {SafetensorsText.Quote(name)} is listed in {SafetensorsText.Quote(listed)} but also stored in {SafetensorsText.Quote(shard)}");
                fileOf.Add(name, file);
                tensors.Add(name, info);
            }
        }
        foreach (var (name, shard) in index.WeightMap)
        {
            if (!fileOf.ContainsKey(name))
                throw new R1SharpException($"shard index {SafetensorsText.Quote(indexPath)}: tensor {SafetensorsText.Quote(name)} is listed in {SafetensorsText.Quote(shard)} but that shard does not contain it");
        }
        return (fileOf, tensors);
    }

    /// <summary>True when some shard holds a tensor of this name.</summary>
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>The file holding a tensor; <see cref="R1SharpException"/> when absent.</summary>
    public SafetensorsFile FileOf(string name) =>
        _fileOf.TryGetValue(name, out var f) ? f
            : throw new R1SharpException($"model {SafetensorsText.Quote(Directory)}: tensor {SafetensorsText.Quote(name)} is not in its weights");

    /// <summary>Zero-copy bytes of a tensor (see <see cref="SafetensorsFile.GetBytes(string)"/>).</summary>
    public ReadOnlySpan<byte> GetBytes(string name) => FileOf(name).GetBytes(name);

    /// <summary>Decodes a tensor to float32 (see <see cref="SafetensorsFile.ReadAsFloat32"/>).</summary>
    public float[] ReadAsFloat32(string name) => FileOf(name).ReadAsFloat32(name);

    /// <summary>Decodes a tensor into a caller buffer (see <see cref="SafetensorsFile.CopyAsFloat32"/>).</summary>
    public void CopyAsFloat32(string name, Span<float> destination) => FileOf(name).CopyAsFloat32(name, destination);

    /// <summary>Closes every shard.</summary>
    public void Dispose()
    {
        foreach (var f in _files) f.Dispose();
    }
}
