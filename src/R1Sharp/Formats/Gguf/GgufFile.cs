// Reads GGUF v2/v3 files: header, metadata (all value types, nested arrays), tensor infos, tensor data.
// Validates like llama.cpp ggml/src/gguf.cpp; malformed input is an R1SharpException naming file and item.
using System.Numerics;

namespace R1Sharp.Formats.Gguf;

/// <summary>One tensor's entry in a GGUF file.</summary>
/// <param name="Name">GGUF tensor name.</param>
/// <param name="Dims">ggml dims (ne), innermost first: the reverse of the torch shape.</param>
/// <param name="Type">ggml data type.</param>
/// <param name="Offset">Byte offset relative to the data section.</param>
/// <param name="ByteCount">Bytes of data (without padding).</param>
public sealed record GgufTensorInfo(string Name, long[] Dims, GgmlType Type, long Offset, long ByteCount)
{
    /// <summary>The shape in torch order ([out, in] for a linear weight).</summary>
    public long[] TorchShape => Dims.Reverse().ToArray();

    /// <summary>Number of elements.</summary>
    public long ElementCount => Dims.Aggregate(1L, (a, b) => a * b);
}

/// <summary>An open GGUF file: metadata and tensor infos parsed and validated, tensor data read on demand.</summary>
public sealed class GgufFile : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly Dictionary<string, GgufValue> _byKey = [];
    private readonly Dictionary<string, GgufTensorInfo> _byName = [];
    private readonly Lock _lock = new();

    private GgufFile(Stream stream, string name, bool leaveOpen)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        FileName = name;
    }

    /// <summary>The path (or display name) used in error messages.</summary>
    public string FileName { get; }
    /// <summary>Format version (2 or 3).</summary>
    public uint Version { get; private set; }
    /// <summary>Data alignment (general.alignment or 32).</summary>
    public int Alignment { get; private set; } = GgufWriter.DefaultAlignment;
    /// <summary>Absolute file offset of the data section.</summary>
    public long DataOffset { get; private set; }
    /// <summary>Metadata in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, GgufValue>> Metadata { get; private set; } = [];
    /// <summary>Tensor infos in file order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors { get; private set; } = [];

    /// <summary>Opens and parses <paramref name="path"/>; the file stays open for tensor reads until disposed.</summary>
    public static GgufFile Open(string path)
    {
        FileStream fs;
        try { fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new R1SharpException($"{path}: cannot open GGUF file: {e.Message}", e);
        }
        return Read(fs, path, leaveOpen: false);
    }

    /// <summary>Parses a GGUF image from a seekable stream positioned at its start.</summary>
    public static GgufFile Read(Stream stream, string displayName, bool leaveOpen = false)
    {
        var file = new GgufFile(stream, displayName, leaveOpen);
        try { file.Parse(new GgufInput(stream, displayName)); }
        catch { file.Dispose(); throw; }
        return file;
    }

    /// <summary>The value of <paramref name="key"/>, or null.</summary>
    public GgufValue? Find(string key) => _byKey.GetValueOrDefault(key);

    /// <summary>The value of <paramref name="key"/>; a missing key is an <see cref="R1SharpException"/>.</summary>
    public GgufValue Get(string key) =>
        Find(key) ?? throw new R1SharpException($"{FileName}: GGUF metadata key '{key}' is missing");

    /// <summary>A string value; missing or of another type is an <see cref="R1SharpException"/>.</summary>
    public string GetString(string key) => Get(key).AsString() ?? throw WrongType(key, "string");

    /// <summary>Any integer value widened to long; missing or of another type is an <see cref="R1SharpException"/>.</summary>
    public long GetInteger(string key) => Get(key).AsInteger() ?? throw WrongType(key, "integer");

    /// <summary>An f32 (or f64) value; missing or of another type is an <see cref="R1SharpException"/>.</summary>
    public double GetFloat(string key) =>
        Get(key).Raw switch { float f => f, double d => d, _ => throw WrongType(key, "float") };

    /// <summary>A bool value; missing or of another type is an <see cref="R1SharpException"/>.</summary>
    public bool GetBool(string key) => Get(key).As<bool>() ?? throw WrongType(key, "bool");

    /// <summary>An array of exactly <typeparamref name="T"/>; missing or of another type is an <see cref="R1SharpException"/>.</summary>
    public T[] GetArray<T>(string key) => Get(key).AsArray<T>() ?? throw WrongType(key, $"array of {typeof(T).Name}");

    private R1SharpException WrongType(string key, string expected)
    {
        GgufValue v = Get(key);
        string actual = v.Type == GgufValueType.Array ? $"array of {v.ElementType}" : v.Type.ToString();
        return new R1SharpException($"{FileName}: GGUF metadata key '{key}' is {actual}, expected {expected}");
    }

    /// <summary>The tensor named <paramref name="name"/>, or null.</summary>
    public GgufTensorInfo? FindTensor(string name) => _byName.GetValueOrDefault(name);

    /// <summary>The tensor named <paramref name="name"/>; a missing tensor is an <see cref="R1SharpException"/>.</summary>
    public GgufTensorInfo GetTensor(string name) =>
        FindTensor(name) ?? throw new R1SharpException($"{FileName}: GGUF tensor '{name}' is missing");

    /// <summary>Reads a tensor's raw bytes (ggml layout) into <paramref name="destination"/> (length = ByteCount).</summary>
    public void ReadTensorBytes(GgufTensorInfo tensor, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (destination.Length != tensor.ByteCount)
            throw new ArgumentException($"destination has {destination.Length} bytes, tensor '{tensor.Name}' has {tensor.ByteCount}", nameof(destination));
        lock (_lock)
        {
            _stream.Position = DataOffset + tensor.Offset;
            try { _stream.ReadExactly(destination); }
            catch (EndOfStreamException) { throw new R1SharpException($"{FileName}: GGUF tensor '{tensor.Name}' data ends past the end of the file (was it truncated?)"); }
        }
    }

    /// <summary>A tensor's raw bytes (ggml layout) as a new array.</summary>
    public byte[] ReadTensorBytes(GgufTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.ByteCount > Array.MaxLength) throw new R1SharpException($"{FileName}: GGUF tensor '{tensor.Name}' is too large to read at once ({tensor.ByteCount} bytes)");
        var bytes = new byte[tensor.ByteCount];
        ReadTensorBytes(tensor, bytes);
        return bytes;
    }

    /// <summary>A tensor's values as float32 (row-major, torch order), dequantised from a <see cref="GgmlTypes.IsDecodable"/> type.</summary>
    public float[] ReadTensorFloats(GgufTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!GgmlTypes.IsDecodable(tensor.Type))
            throw new R1SharpException($"{FileName}: GGUF tensor '{tensor.Name}' is {tensor.Type}; {GgmlTypes.DecodableNames} can be read as floats");
        if (tensor.ElementCount > Array.MaxLength) throw new R1SharpException($"{FileName}: GGUF tensor '{tensor.Name}' is too large to read at once");
        var values = new float[tensor.ElementCount];
        GgmlQuants.Decode(tensor.Type, ReadTensorBytes(tensor), values);
        return values;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_leaveOpen) _stream.Dispose();
    }

    private void Parse(GgufInput r)
    {
        if (r.U32() != GgufWriter.Magic) throw r.Error("the magic is not \"GGUF\"; this is not a GGUF file");
        Version = r.U32();
        if (Version is < 2 or > GgufWriter.Version) throw r.Error($"version {Version} is not supported (2 or 3)");
        ulong tensorCount = r.U64();
        ulong kvCount = r.U64();
        // Each KV takes at least 13 bytes (empty key, type, 1-byte value); each tensor info at least 24.
        int nKv = r.Count(kvCount, 13, "metadata entries");
        ParseMetadata(r, nKv);
        int nTensors = r.Count(tensorCount, 24, "tensor infos");
        ParseTensorInfos(r, nTensors);
        r.What = "the data section";
        DataOffset = GgmlTypes.Align(r.Position, Alignment);
        CheckData(r);
    }

    private void ParseMetadata(GgufInput r, int count)
    {
        var list = new List<KeyValuePair<string, GgufValue>>(count);
        for (int i = 0; i < count; i++)
        {
            r.What = $"metadata entry {i}";
            string key = r.String();
            r.What = $"key '{key}'";
            if (_byKey.ContainsKey(key)) throw r.Error("the key appears twice");
            GgufValue value = r.Value((GgufValueType)r.U32());
            _byKey[key] = value;
            list.Add(new(key, value));
        }
        Metadata = list;
        if (_byKey.TryGetValue(GgufKeys.GeneralAlignment, out GgufValue? a))
        {
            r.What = $"key '{GgufKeys.GeneralAlignment}'";
            if (a.As<uint>() is not uint al || !BitOperations.IsPow2(al) || al > 1 << 30)
                throw r.Error($"must be a u32 power of two, got {a.Type} {a}");
            Alignment = (int)al;
        }
    }

    private void ParseTensorInfos(GgufInput r, int count)
    {
        var list = new List<GgufTensorInfo>(count);
        for (int i = 0; i < count; i++)
        {
            r.What = $"tensor info {i}";
            string name = r.String();
            r.What = $"tensor '{name}'";
            if (System.Text.Encoding.UTF8.GetByteCount(name) > GgufWriter.MaxTensorNameBytes)
                throw r.Error($"the name is longer than {GgufWriter.MaxTensorNameBytes} bytes");
            if (_byName.ContainsKey(name)) throw r.Error("the name appears twice");
            uint nDims = r.U32();
            if (nDims > 4) throw r.Error($"{nDims} dims, at most 4 are allowed");
            var dims = new long[nDims];
            for (int d = 0; d < nDims; d++)
            {
                ulong ne = r.U64();
                if (ne > long.MaxValue) throw r.Error($"dim {d} is {ne}");
                dims[d] = (long)ne;
            }
            uint rawType = r.U32();
            var type = (GgmlType)rawType;
            if (!GgmlTypes.TryGetSizes(type, out int block, out _)) throw r.Error($"unknown ggml type {rawType}");
            if (nDims > 0 && dims[0] % block != 0) throw r.Error($"row length {dims[0]} is not a multiple of the {type} block size {block}");
            long bytes;
            try { bytes = GgmlTypes.ByteCount(type, dims); }
            catch (OverflowException) { throw r.Error($"shape [{string.Join(", ", dims)}] is too large"); }
            ulong offset = r.U64();
            if (offset > long.MaxValue) throw r.Error($"data offset {offset} is too large");
            var info = new GgufTensorInfo(name, dims, type, (long)offset, bytes);
            _byName[name] = info;
            list.Add(info);
        }
        Tensors = list;
    }

    // As llama.cpp: tensors lie in order, each at an aligned offset, and the padded data section fits the file.
    private void CheckData(GgufInput r)
    {
        long expected = 0;
        foreach (GgufTensorInfo t in Tensors)
        {
            r.What = $"tensor '{t.Name}'";
            if (t.Offset != expected)
                throw r.Error($"data offset {t.Offset} should be {expected} (tensors must be stored in order, each padded to {Alignment} bytes)");
            long room = r.Length - DataOffset - t.Offset;
            if (t.ByteCount > room || GgmlTypes.Align(t.ByteCount, Alignment) > room)
                throw new R1SharpException($"{FileName}: truncated GGUF file: tensor '{t.Name}' data (padded) needs {GgmlTypes.Align(t.ByteCount, Alignment)} bytes at offset {DataOffset + t.Offset} but the file ends at {r.Length}");
            expected = t.Offset + GgmlTypes.Align(t.ByteCount, Alignment);
        }
    }
}
