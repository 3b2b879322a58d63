// Parses and validates a safetensors header: size prefix, UTF-8 JSON, entries, offsets, sizes.
// Rules follow huggingface/safetensors `tensor.rs` (read_metadata, Metadata::validate); ARCHITECTURES.md §3.
using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Unicode;

namespace R1Sharp.Formats.Safetensors;

/// <summary>The validated content of a header; every tensor's span lies inside the data buffer.</summary>
internal sealed record SafetensorsHeader(
    IReadOnlyDictionary<string, string> Metadata,
    IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors,
    long DataStart,
    long DataLength)
{
    /// <summary>The Rust crate's MAX_HEADER_SIZE.</summary>
    public const long MaxHeaderSize = 100_000_000;

    private static readonly IReadOnlyDictionary<string, string> NoMetadata = new Dictionary<string, string>();

    /// <summary>Reads N from the first 8 bytes and checks it against the limit and the file length.</summary>
    public static int ReadHeaderSize(ReadOnlySpan<byte> fileStart, long fileLength, string path)
    {
        if (fileLength < 8)
            throw SafetensorsText.HeaderError(path, $"file is {fileLength} bytes, shorter than the 8-byte header size prefix");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(fileStart);
        if (n > MaxHeaderSize)
            throw SafetensorsText.HeaderError(path, $"header size {n} exceeds the {MaxHeaderSize}-byte limit (not a safetensors file, or corrupt)");
        if ((long)n > fileLength - 8)
            throw SafetensorsText.HeaderError(path, $"header size {n} runs past the end of the {fileLength}-byte file (truncated download?)");
        return (int)n;
    }

    /// <summary>
    /// Parses the N header bytes of a file of <paramref name="fileLength"/> bytes. Throws only
    /// <see cref="R1SharpException"/>.
    /// </summary>
    public static SafetensorsHeader Parse(ReadOnlySpan<byte> json, long fileLength, string path)
    {
        if (!Utf8.IsValid(json))
            throw SafetensorsText.HeaderError(path, "is not valid UTF-8");
        long dataStart = 8 + json.Length;
        long dataLength = fileLength - dataStart;
        List<Entry> entries;
        IReadOnlyDictionary<string, string> metadata;
        try
        {
            (entries, metadata) = ReadJson(json, path);
        }
        catch (JsonException ex)
        {
            throw SafetensorsText.HeaderError(path, "is not valid JSON: " + SafetensorsText.OneLine(ex.Message), ex);
        }
        catch (InvalidOperationException ex)
        {
            throw SafetensorsText.HeaderError(path, "has a malformed JSON value: " + SafetensorsText.OneLine(ex.Message), ex);
        }
        var tensors = Validate(entries, dataLength, path);
        return new SafetensorsHeader(metadata, tensors, dataStart, dataLength);
    }

    private readonly record struct Entry(string Name, SafetensorsDType DType, long[] Shape, ulong Begin, ulong End);

    private static (List<Entry>, IReadOnlyDictionary<string, string>) ReadJson(ReadOnlySpan<byte> json, string path)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            throw SafetensorsText.HeaderError(path, "is not a JSON object");
        var names = new HashSet<string>(StringComparer.Ordinal);
        var entries = new List<Entry>();
        IReadOnlyDictionary<string, string> metadata = NoMetadata;
        while (Next(ref reader, path) != JsonTokenType.EndObject)
        {
            string name = reader.GetString()!;
            if (!names.Add(name))
                throw name == "__metadata__"
                    ? SafetensorsText.HeaderError(path, "key '__metadata__' appears twice")
                    : SafetensorsText.TensorError(path, name, "appears twice in the header (duplicate names are not allowed)");
            Next(ref reader, path);
            if (name == "__metadata__")
                metadata = ReadMetadata(ref reader, path);
            else
                entries.Add(ReadEntry(ref reader, path, name));
        }
        if (reader.Read())
            throw SafetensorsText.HeaderError(path, "has content after the JSON object");
        return (entries, metadata);
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader, string path)
    {
        if (!reader.Read()) throw SafetensorsText.HeaderError(path, "JSON ends early");
        return reader.TokenType;
    }

    private static IReadOnlyDictionary<string, string> ReadMetadata(ref Utf8JsonReader reader, string path)
    {
        if (reader.TokenType == JsonTokenType.Null) return NoMetadata;
        if (reader.TokenType != JsonTokenType.StartObject)
            throw SafetensorsText.HeaderError(path, "'__metadata__' must be an object of strings");
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        while (Next(ref reader, path) != JsonTokenType.EndObject)
        {
            string key = reader.GetString()!;
            if (Next(ref reader, path) != JsonTokenType.String)
                throw SafetensorsText.HeaderError(path, $"'__metadata__' value of {SafetensorsText.Quote(key)} is not a string");
            if (!map.TryAdd(key, reader.GetString()!))
                throw SafetensorsText.HeaderError(path, $"'__metadata__' key {SafetensorsText.Quote(key)} appears twice");
        }
        return map;
    }

    private static Entry ReadEntry(ref Utf8JsonReader reader, string path, string name)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw SafetensorsText.TensorError(path, name, "entry is not a JSON object with dtype, shape and data_offsets");
        SafetensorsDType? dtype = null;
        long[]? shape = null;
        ulong[]? offsets = null;
        while (Next(ref reader, path) != JsonTokenType.EndObject)
        {
            string key = reader.GetString()!;
            Next(ref reader, path);
            switch (key)
            {
                case "dtype":
                    if (dtype is not null) throw SafetensorsText.TensorError(path, name, "'dtype' appears twice");
                    dtype = ReadDType(ref reader, path, name);
                    break;
                case "shape":
                    if (shape is not null) throw SafetensorsText.TensorError(path, name, "'shape' appears twice");
                    shape = ReadShape(ref reader, path, name);
                    break;
                case "data_offsets":
                    if (offsets is not null) throw SafetensorsText.TensorError(path, name, "'data_offsets' appears twice");
                    offsets = ReadUInts(ref reader, path, name, "data_offsets");
                    if (offsets.Length != 2)
                        throw SafetensorsText.TensorError(path, name, $"'data_offsets' has {offsets.Length} numbers, expected [BEGIN, END]");
                    break;
                default:
                    reader.Skip(); // unknown fields are ignored, as serde does in the Rust crate
                    break;
            }
        }
        if (dtype is null) throw SafetensorsText.TensorError(path, name, "has no 'dtype'");
        if (shape is null) throw SafetensorsText.TensorError(path, name, "has no 'shape'");
        if (offsets is null) throw SafetensorsText.TensorError(path, name, "has no 'data_offsets'");
        return new Entry(name, dtype.Value, shape, offsets[0], offsets[1]);
    }

    private static SafetensorsDType ReadDType(ref Utf8JsonReader reader, string path, string name)
    {
        if (reader.TokenType != JsonTokenType.String)
            throw SafetensorsText.TensorError(path, name, "'dtype' is not a string");
        string text = reader.GetString()!;
        if (!SafetensorsDTypes.TryParse(text, out var dtype))
            throw SafetensorsText.TensorError(path, name,
                $"dtype {SafetensorsText.Quote(text)} is unknown (known: {string.Join(", ", SafetensorsDTypes.All.Select(d => d.ToHeaderString()))})");
        return dtype;
    }

    private static long[] ReadShape(ref Utf8JsonReader reader, string path, string name)
    {
        ulong[] dims = ReadUInts(ref reader, path, name, "shape");
        var shape = new long[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i] > long.MaxValue)
                throw SafetensorsText.TensorError(path, name, $"shape dim {dims[i]} is too large");
            shape[i] = (long)dims[i];
        }
        return shape;
    }

    private static ulong[] ReadUInts(ref Utf8JsonReader reader, string path, string name, string field)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw SafetensorsText.TensorError(path, name, $"'{field}' is not an array of non-negative integers");
        var values = new List<ulong>(4);
        while (Next(ref reader, path) != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetUInt64(out ulong v))
                throw SafetensorsText.TensorError(path, name, $"'{field}' holds a value that is not a non-negative 64-bit integer");
            values.Add(v);
        }
        return values.ToArray();
    }

    /// <summary>Sorted by (begin, end), the entries must tile [0, dataLength) exactly, each sized dtype·shape.</summary>
    private static Dictionary<string, SafetensorsTensorInfo> Validate(List<Entry> entries, long dataLength, string path)
    {
        entries.Sort(static (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        var tensors = new Dictionary<string, SafetensorsTensorInfo>(entries.Count, StringComparer.Ordinal);
        ulong start = 0;
        foreach (var e in entries)
        {
            if (e.Begin != start)
                throw SafetensorsText.TensorError(path, e.Name,
                    $"data_offsets [{e.Begin}, {e.End}] do not begin where the previous tensor ends ({start}): tensors overlap or leave a gap");
            if (e.End < e.Begin)
                throw SafetensorsText.TensorError(path, e.Name, $"data_offsets [{e.Begin}, {e.End}] end before they begin");
            ulong need = CheckedSize(e, path);
            if (e.End - e.Begin != need)
                throw SafetensorsText.TensorError(path, e.Name,
                    $"data_offsets [{e.Begin}, {e.End}] hold {e.End - e.Begin} bytes but dtype {e.DType.ToHeaderString()} with shape [{string.Join(", ", e.Shape)}] needs {need}");
            if (e.End > (ulong)dataLength)
                throw SafetensorsText.TensorError(path, e.Name,
                    $"data_offsets [{e.Begin}, {e.End}] run past the {dataLength}-byte data buffer (truncated file?)");
            start = e.End;
            tensors.Add(e.Name, new SafetensorsTensorInfo(e.Name, e.DType, e.Shape, (long)e.Begin, (long)need));
        }
        if (start != (ulong)dataLength)
            throw SafetensorsText.HeaderError(path,
                $"tensors end at byte {start} of the data buffer but it is {dataLength} bytes (trailing bytes or missing entries)");
        return tensors;
    }

    private static ulong CheckedSize(in Entry e, string path)
    {
        ulong n = SafetensorsDTypes.TryElementCount(e.Shape)
            ?? throw SafetensorsText.TensorError(path, e.Name, $"shape [{string.Join(", ", e.Shape)}] overflows 64-bit size arithmetic");
        return e.DType.TryByteSize(n, out string? err) ?? throw SafetensorsText.TensorError(path, e.Name, err!);
    }
}
