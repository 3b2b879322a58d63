// Little-endian GGUF primitives written to a stream with a running position (for padding), plus the
// per-tensor sinks that convert streamed float32 data on the fly. Layout per ggml docs/gguf.md.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

using R1Sharp.IO;

namespace R1Sharp.Formats.Gguf;

/// <summary>Writes GGUF primitives to a stream and counts the bytes written so far.</summary>
internal sealed class GgufOutput(Stream stream)
{
    internal static readonly UTF8Encoding StrictUtf8 = new(false, true);
    private readonly byte[] _scratch = new byte[8];

    public long Position { get; private set; }

    public void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        stream.Write(bytes);
        Position += bytes.Length;
    }

    public void WriteU32(uint v) { BinaryPrimitives.WriteUInt32LittleEndian(_scratch, v); WriteBytes(_scratch.AsSpan(0, 4)); }

    public void WriteU64(ulong v) { BinaryPrimitives.WriteUInt64LittleEndian(_scratch, v); WriteBytes(_scratch.AsSpan(0, 8)); }

    /// <summary>gguf_string_t: u64 byte length, then UTF-8 bytes without a terminating NUL.</summary>
    public void WriteString(string s)
    {
        byte[] bytes = StrictUtf8.GetBytes(s);
        WriteU64((ulong)bytes.Length);
        WriteBytes(bytes);
    }

    /// <summary>Zero bytes up to the next multiple of <paramref name="alignment"/> (counted from the stream start).</summary>
    public void Pad(int alignment)
    {
        long pad = GgmlTypes.Align(Position, alignment) - Position;
        Span<byte> zeros = stackalloc byte[256];
        zeros.Clear();
        while (pad > 0)
        {
            int n = (int)Math.Min(pad, zeros.Length);
            WriteBytes(zeros[..n]);
            pad -= n;
        }
    }

    /// <summary>Writes a value's payload (not its type tag); arrays write element type, count, elements.</summary>
    public void WriteValue(GgufValue v)
    {
        if (v.Type != GgufValueType.Array) { WriteScalar(v.Raw); return; }
        WriteU32((uint)v.ElementType);
        var a = (Array)v.Raw;
        WriteU64((ulong)a.Length);
        switch (v.Raw)
        {
            case string[] ss: foreach (string s in ss) WriteString(s); break;
            case GgufValue[] nested: foreach (GgufValue n in nested) WriteValue(n); break;
            case bool[] bs: foreach (bool b in bs) WriteBytes([b ? (byte)1 : (byte)0]); break;
            default: WritePrimitiveArray(a); break;
        }
    }

    private void WritePrimitiveArray(Array a)
    {
        ReadOnlySpan<byte> bytes = a switch
        {
            byte[] x => x,
            sbyte[] x => MemoryMarshal.AsBytes(x.AsSpan()),
            ushort[] x => MemoryMarshal.AsBytes(x.AsSpan()),
            short[] x => MemoryMarshal.AsBytes(x.AsSpan()),
            uint[] x => MemoryMarshal.AsBytes(x.AsSpan()),
            int[] x => MemoryMarshal.AsBytes(x.AsSpan()),
            float[] x => MemoryMarshal.AsBytes(x.AsSpan()),
            ulong[] x => MemoryMarshal.AsBytes(x.AsSpan()),
            long[] x => MemoryMarshal.AsBytes(x.AsSpan()),
            double[] x => MemoryMarshal.AsBytes(x.AsSpan()),
            _ => throw new InvalidOperationException($"unsupported GGUF array {a.GetType().Name}"),
        };
        WriteBytes(bytes); // GGUF and every supported host are little-endian
    }

    private void WriteScalar(object raw)
    {
        Span<byte> b = _scratch;
        switch (raw)
        {
            case byte v: b[0] = v; WriteBytes(b[..1]); break;
            case sbyte v: b[0] = (byte)v; WriteBytes(b[..1]); break;
            case bool v: b[0] = v ? (byte)1 : (byte)0; WriteBytes(b[..1]); break;
            case ushort v: BinaryPrimitives.WriteUInt16LittleEndian(b, v); WriteBytes(b[..2]); break;
            case short v: BinaryPrimitives.WriteInt16LittleEndian(b, v); WriteBytes(b[..2]); break;
            case uint v: WriteU32(v); break;
            case int v: WriteU32((uint)v); break;
            case float v: BinaryPrimitives.WriteSingleLittleEndian(b, v); WriteBytes(b[..4]); break;
            case ulong v: WriteU64(v); break;
            case long v: WriteU64((ulong)v); break;
            case double v: BinaryPrimitives.WriteDoubleLittleEndian(b, v); WriteBytes(b[..8]); break;
            case string s: WriteString(s); break;
            default: throw new InvalidOperationException($"unsupported GGUF scalar {raw.GetType().Name}");
        }
    }
}

/// <summary>
/// Receives one tensor's float32 values in row-major (torch) order, in chunks of any size, and writes them
/// converted to the tensor's ggml type. Handed to a <see cref="GgufFloatSource"/> by <see cref="GgufWriter"/>.
/// </summary>
public sealed class GgufFloatSink
{
    private const int ChunkElements = 8192; // a multiple of the 32-element blocks
    private readonly GgufOutput _out;
    private readonly GgmlType _type;
    private readonly string _name;
    private readonly long _expected;
    private readonly int _blockSize;
    private readonly float[] _pending;
    private int _pendingCount;
    private readonly byte[] _buffer;

    internal GgufFloatSink(GgufOutput output, GgmlType type, string name, long expected)
    {
        _out = output; _type = type; _name = name; _expected = expected;
        _blockSize = GgmlTypes.BlockSize(type);
        _pending = new float[_blockSize];
        _buffer = new byte[ChunkElements / _blockSize * GgmlTypes.TypeSize(type)];
    }

    /// <summary>Number of values received so far.</summary>
    public long Written { get; private set; }

    /// <summary>Appends values; more than the tensor's element count is an error.</summary>
    public void Write(ReadOnlySpan<float> values)
    {
        if (Written + values.Length > _expected)
            throw new R1SharpException($"GGUF tensor '{_name}': the data source wrote more than its {_expected} elements; check the tensor shape");
        Written += values.Length;
        if (_pendingCount > 0)
        {
            int take = Math.Min(values.Length, _blockSize - _pendingCount);
            values[..take].CopyTo(_pending.AsSpan(_pendingCount));
            _pendingCount += take;
            values = values[take..];
            if (_pendingCount < _blockSize) return;
            EncodeAndWrite(_pending);
            _pendingCount = 0;
        }
        int whole = values.Length - values.Length % _blockSize;
        for (int i = 0; i < whole; i += ChunkElements) EncodeAndWrite(values.Slice(i, Math.Min(ChunkElements, whole - i)));
        values[whole..].CopyTo(_pending);
        _pendingCount = values.Length - whole;
    }

    /// <summary>Appends a single row or chunk given as an array (convenience for callers holding arrays).</summary>
    public void Write(float[] values) => Write(values.AsSpan());

    internal void Finish()
    {
        if (Written != _expected)
            throw new R1SharpException($"GGUF tensor '{_name}': the data source wrote {Written} of {_expected} elements; check the tensor shape");
    }

    private void EncodeAndWrite(ReadOnlySpan<float> values)
    {
        if (_type == GgmlType.F32) { _out.WriteBytes(MemoryMarshal.AsBytes(values)); return; }
        int bytes = values.Length / _blockSize * GgmlTypes.TypeSize(_type);
        GgmlQuants.Encode(_type, values, _buffer.AsSpan(0, bytes));
        _out.WriteBytes(_buffer.AsSpan(0, bytes));
    }
}

/// <summary>Streams one tensor's float32 values (torch row-major order) into the sink, in any chunk sizes.</summary>
public delegate void GgufFloatSource(GgufFloatSink sink);

/// <summary>A write-only stream for pre-encoded tensor bytes; refuses more than the tensor's byte count.</summary>
internal sealed class GgufTensorByteStream(GgufOutput output, string name, long expected) : WriteOnlyStream
{
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (Written + buffer.Length > expected)
            throw new R1SharpException($"GGUF tensor '{name}': the data source wrote more than its {expected} bytes; check the tensor shape and type");
        output.WriteBytes(buffer);
        Written += buffer.Length;
    }

    public void Finish()
    {
        if (Written != expected)
            throw new R1SharpException($"GGUF tensor '{name}': the data source wrote {Written} of {expected} bytes; check the tensor shape and type");
    }
}
