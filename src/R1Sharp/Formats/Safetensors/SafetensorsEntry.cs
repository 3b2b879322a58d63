// One tensor to write into a safetensors file: name, dtype, shape and a source of its bytes.
// Sizes follow the Rust crate's rule (bits = numel·bitsize, a multiple of 8); ARCHITECTURES.md §3.
using System.Runtime.InteropServices;

using R1Sharp.IO;

namespace R1Sharp.Formats.Safetensors;

/// <summary>
/// A tensor to write. The bytes come either from memory or from a callback that streams them, so a caller
/// never needs a second copy of a big weight. <see cref="ByteLength"/> is derived from dtype and shape.
/// </summary>
public sealed class SafetensorsEntry
{
    private readonly ReadOnlyMemory<byte> _bytes;
    private readonly Action<Stream>? _write;

    private SafetensorsEntry(string name, SafetensorsDType dtype, long[] shape, ReadOnlyMemory<byte> bytes, Action<Stream>? write)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        if (!SafetensorsDTypes.IsDefined(dtype))
            throw new R1SharpException($"safetensors tensor {SafetensorsText.Quote(name)}: dtype value {(int)dtype} is not a safetensors dtype");
        Name = name;
        DType = dtype;
        Shape = (long[])shape.Clone();
        try
        {
            ByteLength = dtype.ByteSize(shape);
        }
        catch (R1SharpException ex)
        {
            throw new R1SharpException($"safetensors tensor {SafetensorsText.Quote(name)}: {ex.Message}", ex);
        }
        _bytes = bytes;
        _write = write;
        if (write is null && bytes.Length != ByteLength)
            throw new R1SharpException($"safetensors tensor {SafetensorsText.Quote(name)}: {bytes.Length} bytes given but dtype {dtype.ToHeaderString()} with shape [{string.Join(", ", shape)}] needs {ByteLength}");
    }

    /// <summary>Tensor name (the header key).</summary>
    public string Name { get; }

    /// <summary>Element type.</summary>
    public SafetensorsDType DType { get; }

    /// <summary>Shape in C order; empty for a scalar.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>Bytes the tensor occupies in the file.</summary>
    public long ByteLength { get; }

    /// <summary>A tensor whose little-endian bytes are in memory; their length must equal dtype·shape.</summary>
    public static SafetensorsEntry FromBytes(string name, SafetensorsDType dtype, long[] shape, ReadOnlyMemory<byte> bytes) =>
        new(name, dtype, shape, bytes, null);

    /// <summary>
    /// A tensor whose bytes are produced by <paramref name="write"/>, called once while the file is written;
    /// it must write exactly <see cref="ByteLength"/> bytes, or the write fails and leaves no file behind.
    /// </summary>
    public static SafetensorsEntry FromStream(string name, SafetensorsDType dtype, long[] shape, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        return new(name, dtype, shape, default, write);
    }

    /// <summary>An F32 tensor from a float array (written without an intermediate copy).</summary>
    public static SafetensorsEntry FromFloat32(string name, float[] values, long[] shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        var entry = FromStream(name, SafetensorsDType.F32, shape, s => s.Write(MemoryMarshal.AsBytes(values.AsSpan())));
        if (entry.ByteLength != (long)values.Length * 4)
            throw new R1SharpException($"safetensors tensor {SafetensorsText.Quote(name)}: {values.Length} floats given but shape [{string.Join(", ", shape)}] needs {entry.ByteLength / 4}");
        return entry;
    }

    /// <summary>Writes the bytes to <paramref name="output"/> and checks how many were written.</summary>
    internal void WriteTo(Stream output, string path)
    {
        if (_write is null)
        {
            output.Write(_bytes.Span);
            return;
        }
        var counting = new CountingStream(output);
        _write(counting);
        if (counting.Written != ByteLength)
            throw SafetensorsText.TensorError(path, Name,
                $"the write callback produced {counting.Written} bytes but dtype {DType.ToHeaderString()} with shape [{string.Join(", ", Shape)}] needs {ByteLength}");
    }

    /// <summary>Forward-only wrapper that counts bytes and keeps callbacks from seeking or closing the file.</summary>
    private sealed class CountingStream(Stream inner) : WriteOnlyStream
    {
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            Written += buffer.Length;
        }
    }
}
