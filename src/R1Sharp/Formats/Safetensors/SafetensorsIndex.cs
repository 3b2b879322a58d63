// model.safetensors.index.json: {"metadata": {"total_size": N, ...}, "weight_map": {tensor: shard file}}.
// Layout per huggingface_hub/transformers (ARCHITECTURES.md §3); shard names are taken only from weight_map.
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace R1Sharp.Formats.Safetensors;

/// <summary>A parsed shard index. <see cref="WeightMap"/> keeps the file's order.</summary>
internal sealed record SafetensorsIndex(
    IReadOnlyDictionary<string, string> Metadata, long? TotalSize, IReadOnlyList<KeyValuePair<string, string>> WeightMap)
{
    public const string FileName = "model.safetensors.index.json";
    public const string SingleFileName = "model.safetensors";

    /// <summary>Parses an index file; throws <see cref="R1SharpException"/> naming the file and the field.</summary>
    public static SafetensorsIndex Load(string path)
    {
        byte[] bytes;
        try
        {
            if (new FileInfo(path).Length > SafetensorsHeader.MaxHeaderSize)
                throw new R1SharpException($"shard index {SafetensorsText.Quote(path)}: file is too large for an index");
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new R1SharpException($"shard index {SafetensorsText.Quote(path)}: cannot read: {SafetensorsText.OneLine(ex.Message)}", ex);
        }
        try
        {
            return Parse(bytes, path);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw Error(path, "is not valid JSON: " + SafetensorsText.OneLine(ex.Message), ex);
        }
    }

    private static SafetensorsIndex Parse(ReadOnlySpan<byte> json, string path)
    {
        if (json.StartsWith("\uFEFF"u8)) json = json[3..]; // Python tools may write a BOM
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw Error(path, "is not a JSON object");
        Dictionary<string, string>? metadata = null;
        List<KeyValuePair<string, string>>? weightMap = null;
        long? totalSize = null;
        while (Next(ref reader, path) != JsonTokenType.EndObject)
        {
            string key = reader.GetString()!;
            Next(ref reader, path);
            if (key == "weight_map")
            {
                if (weightMap is not null) throw Error(path, "'weight_map' appears twice");
                weightMap = ReadWeightMap(ref reader, path);
            }
            else if (key == "metadata")
            {
                if (metadata is not null) throw Error(path, "'metadata' appears twice");
                (metadata, totalSize) = ReadMetadata(ref reader, path);
            }
            else reader.Skip();
        }
        if (weightMap is null) throw Error(path, "has no 'weight_map' object");
        return new SafetensorsIndex(metadata ?? new Dictionary<string, string>(), totalSize, weightMap);
    }

    private static List<KeyValuePair<string, string>> ReadWeightMap(ref Utf8JsonReader reader, string path)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw Error(path, "'weight_map' is not an object");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var list = new List<KeyValuePair<string, string>>();
        while (Next(ref reader, path) != JsonTokenType.EndObject)
        {
            string tensor = reader.GetString()!;
            if (Next(ref reader, path) != JsonTokenType.String)
                throw Error(path, $"weight_map[{SafetensorsText.Quote(tensor)}] is not a file name string");
            string file = reader.GetString()!;
            if (!seen.Add(tensor)) throw Error(path, $"weight_map lists tensor {SafetensorsText.Quote(tensor)} twice");
            if (!IsPlainFileName(file))
                throw Error(path, $"weight_map[{SafetensorsText.Quote(tensor)}] = {SafetensorsText.Quote(file)} is not a plain file name in the model directory");
            list.Add(new(tensor, file));
        }
        return list;
    }

    private static (Dictionary<string, string>, long?) ReadMetadata(ref Utf8JsonReader reader, string path)
    {
        if (reader.TokenType == JsonTokenType.Null) return (new Dictionary<string, string>(), null);
        if (reader.TokenType != JsonTokenType.StartObject) throw Error(path, "'metadata' is not an object");
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        long? total = null;
        while (Next(ref reader, path) != JsonTokenType.EndObject)
        {
            string key = reader.GetString()!;
            var token = Next(ref reader, path);
            if (key == "total_size")
            {
                if (token != JsonTokenType.Number) throw Error(path, "metadata.total_size is not a number");
                total = reader.TryGetInt64(out long t) && t >= 0 ? t
                    : reader.TryGetDouble(out double d) && d >= 0 && d < 9e18 ? (long)d
                    : throw Error(path, "metadata.total_size is not a non-negative integer");
            }
            string text = token switch
            {
                JsonTokenType.String => reader.GetString()!,
                JsonTokenType.StartObject or JsonTokenType.StartArray => RawAndSkip(ref reader),
                _ => Encoding.UTF8.GetString(reader.ValueSpan),
            };
            map[key] = text; // transformers writes other fields (e.g. total_parameters): keep them as text
        }
        return (map, total);
    }

    private static string RawAndSkip(ref Utf8JsonReader reader)
    {
        long start = reader.TokenStartIndex;
        reader.Skip();
        return $"<{(reader.TokenType == JsonTokenType.EndObject ? "object" : "array")} of {reader.BytesConsumed - start} bytes>";
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader, string path)
    {
        if (!reader.Read()) throw Error(path, "JSON ends early");
        return reader.TokenType;
    }

    /// <summary>Shards must sit in the model directory: no separators, no "..", no rooted paths.</summary>
    private static bool IsPlainFileName(string file) =>
        file.Length > 0 && file != "." && file != ".." && file.IndexOfAny(['/', '\\', '\0']) < 0;

    private static R1SharpException Error(string path, string what, Exception? inner = null) =>
        inner is null ? new R1SharpException($"shard index {SafetensorsText.Quote(path)}: {what}")
            : new R1SharpException($"shard index {SafetensorsText.Quote(path)}: {what}", inner);

    /// <summary>The index JSON as transformers writes it: indent 2, keys sorted, trailing newline.</summary>
    public static byte[] Serialize(long totalSize, IReadOnlyDictionary<string, string>? metadata, IEnumerable<KeyValuePair<string, string>> weightMap)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteStartObject("metadata");
            var keys = (metadata ?? new Dictionary<string, string>()).Where(kv => kv.Key != "total_size")
                .Select(kv => kv.Key).Append("total_size").Order(StringComparer.Ordinal);
            foreach (string k in keys)
            {
                if (k == "total_size") w.WriteNumber(k, totalSize);
                else w.WriteString(k, metadata![k]);
            }
            w.WriteEndObject();
            w.WriteStartObject("weight_map");
            foreach (var (tensor, file) in weightMap.OrderBy(kv => kv.Key, StringComparer.Ordinal)) w.WriteString(tensor, file);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        ms.WriteByte((byte)'\n');
        return ms.ToArray();
    }
}
