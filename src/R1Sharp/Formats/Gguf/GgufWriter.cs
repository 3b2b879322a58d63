// Writes GGUF v3 files: ordered metadata, tensor infos in ggml dim order, aligned data streamed per tensor.
// Follows ggml-org/ggml docs/gguf.md and llama.cpp gguf-py gguf_writer.py; see ARCHITECTURES.md §4.
using System.Numerics;
using System.Text;

using R1Sharp.IO;

namespace R1Sharp.Formats.Gguf;

/// <summary>
/// Builds a GGUF v3 file. Metadata is written in the order added; tensors are written in the order added, each
/// from a data source called only while the file is written, so a model is never held twice in memory.
/// </summary>
/// <remarks>
/// <para>Layout: magic "GGUF", u32 version 3, u64 tensor count, u64 kv count, the KVs, the tensor infos, zero
/// padding to <see cref="Alignment"/>, then each tensor's data padded with zeros to the alignment (the last one
/// too, as llama.cpp reads the padded data section). Offsets are relative to the data section.</para>
/// <para>Shapes are given in torch order ([out, in]) and stored reversed (ggml ne = [in, out]).</para>
/// <para>Keys llama.cpp reads for qwen2/llama (constants in <see cref="GgufKeys"/>): general.architecture
/// ("qwen2" | "llama"), general.name, general.file_type (<see cref="GgufFileType"/>), general.quantization_version
/// (2); {arch}.context_length, .embedding_length, .block_count, .feed_forward_length, .attention.head_count,
/// .attention.head_count_kv (u32), .attention.layer_norm_rms_epsilon, .rope.freq_base (f32),
/// .rope.dimension_count, .vocab_size; tokenizer.ggml.model ("gpt2"), .pre ("deepseek-r1-qwen" | "llama-bpe"),
/// .tokens (str[]), .token_type (i32[], <see cref="GgufTokenType"/>), .merges (str[] "a b"), .bos_token_id,
/// .eos_token_id, .padding_token_id (u32), .add_bos_token, .add_eos_token (bool), tokenizer.chat_template.
/// Tensor names come from <see cref="GgufNames.HfToGguf"/>; llama q/k weights need
/// <see cref="GgufNames.PermuteLlamaQK"/>. convert_hf_to_gguf keeps 1-D tensors (norms, biases) in F32 and, when a
/// row is not a multiple of a block type's block size, writes F16 instead: choose the type with
/// <see cref="GgmlTypes.WithFallback"/> before <see cref="AddTensor(string, ReadOnlySpan{long}, GgmlType, GgufFloatSource)"/>,
/// which otherwise refuses such a tensor.</para>
/// </remarks>
public sealed class GgufWriter
{
    /// <summary>GGUF magic "GGUF" read as a little-endian u32.</summary>
    public const uint Magic = 0x46554747;
    /// <summary>The GGUF version written.</summary>
    public const uint Version = 3;
    /// <summary>Alignment used when <c>general.alignment</c> is absent.</summary>
    public const int DefaultAlignment = 32;
    /// <summary>Longest tensor name llama.cpp accepts, in UTF-8 bytes (GGML_MAX_NAME 64 includes the NUL).</summary>
    public const int MaxTensorNameBytes = 63;

    private readonly List<KeyValuePair<string, GgufValue>> _kvs = [];
    private readonly HashSet<string> _keys = [];
    private readonly List<PendingTensor> _tensors = [];
    private readonly HashSet<string> _names = [];

    private sealed record PendingTensor(string Name, long[] Ne, GgmlType Type, long ByteCount,
        GgufFloatSource? Floats, Action<Stream>? Bytes);

    /// <summary>Data alignment in bytes: the <c>general.alignment</c> value when added, else 32.</summary>
    public int Alignment { get; private set; } = DefaultAlignment;

    /// <summary>Number of metadata entries added.</summary>
    public int MetadataCount => _kvs.Count;

    /// <summary>Number of tensors added.</summary>
    public int TensorCount => _tensors.Count;

    /// <summary>Adds a metadata entry; keys must be unique and non-empty. <c>general.alignment</c> must be a u32 power of two.</summary>
    public void Add(string key, GgufValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (string.IsNullOrEmpty(key) || Utf8Length(key, $"metadata key '{key}'") > ushort.MaxValue)
            throw new R1SharpException($"GGUF metadata key '{key}' must be 1 to 65535 bytes of UTF-8");
        if (!_keys.Add(key)) throw new R1SharpException($"GGUF metadata key '{key}' was added twice; each key may appear once");
        if (key == GgufKeys.GeneralAlignment)
        {
            if (value.As<uint>() is not uint a || !BitOperations.IsPow2(a) || a > 1 << 30)
            {
                _keys.Remove(key);
                throw new R1SharpException($"GGUF metadata key '{key}' must be a u32 power of two, got {value.Type} {value}");
            }
            Alignment = (int)a;
        }
        _kvs.Add(new(key, value));
    }

    public void AddUInt8(string key, byte value) => Add(key, GgufValue.From(value));
    public void AddInt8(string key, sbyte value) => Add(key, GgufValue.From(value));
    public void AddUInt16(string key, ushort value) => Add(key, GgufValue.From(value));
    public void AddInt16(string key, short value) => Add(key, GgufValue.From(value));
    public void AddUInt32(string key, uint value) => Add(key, GgufValue.From(value));
    public void AddInt32(string key, int value) => Add(key, GgufValue.From(value));
    public void AddFloat32(string key, float value) => Add(key, GgufValue.From(value));
    public void AddBool(string key, bool value) => Add(key, GgufValue.From(value));
    public void AddString(string key, string value) => Add(key, GgufValue.From(value));
    public void AddUInt64(string key, ulong value) => Add(key, GgufValue.From(value));
    public void AddInt64(string key, long value) => Add(key, GgufValue.From(value));
    public void AddFloat64(string key, double value) => Add(key, GgufValue.From(value));

    /// <summary>
    /// Adds an array; <typeparamref name="T"/> is a scalar type, string, or <see cref="GgufValue"/> (array of arrays).
    /// Example: <c>AddArray("tokenizer.ggml.tokens", tokens)</c> with a <c>string[]</c>. The values are copied.
    /// </summary>
    public void AddArray<T>(string key, IEnumerable<T> values) => Add(key, GgufValue.FromArray(values.ToArray()));

    /// <summary>
    /// Adds a tensor whose float32 values <paramref name="source"/> streams (torch row-major order) when the file is
    /// written; they are converted to <paramref name="type"/> (F32, F16, BF16, Q8_0 or Q4_0) on the fly.
    /// </summary>
    public void AddTensor(string name, ReadOnlySpan<long> torchShape, GgmlType type, GgufFloatSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!GgmlTypes.IsConvertible(type))
            throw new R1SharpException($"GGUF tensor '{name}': cannot convert float32 to {type}; use F32, F16, BF16, Q8_0 or Q4_0, or AddTensorBytes");
        AddPending(name, torchShape, type, source, null);
    }

    /// <summary>Adds a tensor from float32 values held in memory (torch row-major order).</summary>
    public void AddTensor(string name, ReadOnlySpan<long> torchShape, GgmlType type, float[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        AddTensor(name, torchShape, type, sink => sink.Write(values));
    }

    /// <summary>
    /// Adds a tensor whose bytes, already encoded as <paramref name="type"/> in ggml layout, <paramref name="writeBytes"/>
    /// writes to the given stream when the file is written (e.g. BF16 copied straight from safetensors).
    /// </summary>
    public void AddTensorBytes(string name, ReadOnlySpan<long> torchShape, GgmlType type, Action<Stream> writeBytes)
    {
        ArgumentNullException.ThrowIfNull(writeBytes);
        if (!GgmlTypes.TryGetSizes(type, out _, out _)) throw new R1SharpException($"GGUF tensor '{name}': unknown ggml type {(uint)type}");
        AddPending(name, torchShape, type, null, writeBytes);
    }

    private void AddPending(string name, ReadOnlySpan<long> torchShape, GgmlType type, GgufFloatSource? floats, Action<Stream>? bytes)
    {
        ArgumentNullException.ThrowIfNull(name);
        int nameBytes = Utf8Length(name, $"tensor '{name}'");
        if (nameBytes == 0 || nameBytes > MaxTensorNameBytes)
            throw new R1SharpException($"GGUF tensor '{name}': name must be 1 to {MaxTensorNameBytes} bytes of UTF-8, got {nameBytes}");
        if (_names.Contains(name)) throw new R1SharpException($"GGUF tensor '{name}' was added twice; tensor names must be unique");
        if (torchShape.Length is < 1 or > 4)
            throw new R1SharpException($"GGUF tensor '{name}': shape must have 1 to 4 dims, got {torchShape.Length}");
        long[] ne = new long[torchShape.Length];
        for (int i = 0; i < ne.Length; i++)
        {
            long d = torchShape[ne.Length - 1 - i];
            if (d < 1) throw new R1SharpException($"GGUF tensor '{name}': every dim must be >= 1, shape is [{string.Join(", ", torchShape.ToArray())}]");
            ne[i] = d;
        }
        int block = GgmlTypes.BlockSize(type);
        if (ne[0] % block != 0)
            throw new R1SharpException($"GGUF tensor '{name}': row length {ne[0]} is not a multiple of the {type} block size {block}; " +
                "write it as F16 (GgmlTypes.WithFallback) as llama.cpp does");
        long byteCount;
        try { byteCount = GgmlTypes.ByteCount(type, ne); }
        catch (OverflowException) { throw new R1SharpException($"GGUF tensor '{name}': shape is too large"); }
        _names.Add(name);
        _tensors.Add(new PendingTensor(name, ne, type, byteCount, floats, bytes));
    }

    private static int Utf8Length(string s, string what)
    {
        try { return GgufOutput.StrictUtf8.GetByteCount(s); }
        catch (EncoderFallbackException) { throw new R1SharpException($"GGUF {what}: not valid UTF-16 (lone surrogate)"); }
    }

    /// <summary>
    /// Writes the file atomically: to a temporary file beside <paramref name="path"/>, flushed, then renamed over
    /// it; the temporary file is removed if anything fails. I/O errors become an <see cref="R1SharpException"/>.
    /// </summary>
    public void WriteTo(string path) => AtomicFile.Write(path, WriteTo);

    /// <summary>Writes the whole file to <paramref name="stream"/> from its current position (not atomic).</summary>
    public void WriteTo(Stream stream)
    {
        var o = new GgufOutput(stream);
        o.WriteU32(Magic);
        o.WriteU32(Version);
        o.WriteU64((ulong)_tensors.Count);
        o.WriteU64((ulong)_kvs.Count);
        foreach (var (key, value) in _kvs)
        {
            o.WriteString(key);
            o.WriteU32((uint)value.Type);
            try { o.WriteValue(value); }
            catch (EncoderFallbackException) { throw new R1SharpException($"GGUF metadata key '{key}': a string is not valid UTF-16 (lone surrogate)"); }
        }
        long offset = 0;
        foreach (PendingTensor t in _tensors)
        {
            o.WriteString(t.Name);
            o.WriteU32((uint)t.Ne.Length);
            foreach (long d in t.Ne) o.WriteU64((ulong)d);
            o.WriteU32((uint)t.Type);
            o.WriteU64((ulong)offset);
            offset += GgmlTypes.Align(t.ByteCount, Alignment);
        }
        o.Pad(Alignment);
        foreach (PendingTensor t in _tensors)
        {
            WriteData(o, t);
            o.Pad(Alignment);
        }
        stream.Flush();
    }

    private static void WriteData(GgufOutput o, PendingTensor t)
    {
        if (t.Floats is not null)
        {
            var sink = new GgufFloatSink(o, t.Type, t.Name, t.Ne.Aggregate(1L, (a, b) => a * b));
            t.Floats(sink);
            sink.Finish();
        }
        else
        {
            var bytes = new GgufTensorByteStream(o, t.Name, t.ByteCount);
            t.Bytes!(bytes);
            bytes.Finish();
        }
    }
}
