// Memory-mapped, read-only safetensors reader: O(header) open, zero-copy bounds-checked tensor spans.
// Validation lives in SafetensorsHeader (rules of huggingface/safetensors tensor.rs; ARCHITECTURES.md §3).
using System.IO.MemoryMappedFiles;

namespace R1Sharp.Formats.Safetensors;

/// <summary>
/// A validated safetensors file. <see cref="Open"/> maps the file read-only and parses only the header;
/// <see cref="GetBytes(string)"/> returns spans straight into the mapping. Spans must not be used after
/// <see cref="Dispose"/>. Every user-caused problem (bad file, unknown tensor) throws <see cref="R1SharpException"/>.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    private readonly SafetensorsHeader _header;
    private readonly long _length;
    private readonly byte[]? _array;            // in-memory files (tests, small buffers)
    private MemoryMappedFile? _map;
    private MemoryMappedViewAccessor? _view;
    private byte* _pointer;                       // start of the file inside the mapping; null when disposed

    private SafetensorsFile(string path, SafetensorsHeader header, long length, byte[]? array,
        MemoryMappedFile? map, MemoryMappedViewAccessor? view, byte* pointer)
    {
        Path = path;
        _header = header;
        _length = length;
        _array = array;
        _map = map;
        _view = view;
        _pointer = pointer;
    }

    /// <summary>The path the file was opened from (or the label of an in-memory buffer).</summary>
    public string Path { get; }

    /// <summary>The <c>__metadata__</c> map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata => _header.Metadata;

    /// <summary>All tensors by name.</summary>
    public IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors => _header.Tensors;

    /// <summary>Absolute file offset of the data buffer (8 + header size).</summary>
    public long DataStart => _header.DataStart;

    /// <summary>Total file length in bytes.</summary>
    public long Length => _length;

    /// <summary>Opens and validates a file; reads the header only. Throws <see cref="R1SharpException"/> on any bad input.</summary>
    public static SafetensorsFile Open(string path)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new R1SharpException($"{SafetensorsText.File(path)}: cannot open: {SafetensorsText.OneLine(ex.Message)}", ex);
        }
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        byte* pointer = null;
        try
        {
            long length = stream.Length;
            if (length < 8) // an empty file cannot be mapped; report it as the format error it is
                SafetensorsHeader.ReadHeaderSize(default, length, path);
            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            pointer += view.PointerOffset;
            if ((ulong)length > view.SafeMemoryMappedViewHandle.ByteLength + (ulong)view.PointerOffset)
                throw SafetensorsText.HeaderError(path, "the file changed size while being opened");
            var header = ParseHeader(new ReadOnlySpan<byte>(pointer, HeaderWindow(length)), length, path);
            return new SafetensorsFile(path, header, length, null, map, view, pointer);
        }
        catch (Exception ex)
        {
            if (pointer != null) view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            if (map is not null) map.Dispose(); else stream.Dispose();
            if (ex is R1SharpException) throw;
            if (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
                throw new R1SharpException($"{SafetensorsText.File(path)}: cannot map: {SafetensorsText.OneLine(ex.Message)}", ex);
            throw;
        }
    }

    /// <summary>
    /// Validates an in-memory file with exactly the checks of <see cref="Open"/>; <paramref name="label"/>
    /// names it in messages. The array is used in place, not copied.
    /// </summary>
    internal static SafetensorsFile FromBytes(byte[] bytes, string label)
    {
        var header = ParseHeader(bytes.AsSpan(0, HeaderWindow(bytes.Length)), bytes.Length, label);
        return new SafetensorsFile(label, header, bytes.Length, bytes, null, null, null);
    }

    /// <summary>How many leading bytes of a file can hold the size prefix and the largest allowed header.</summary>
    private static int HeaderWindow(long length) => (int)Math.Min(length, 8 + SafetensorsHeader.MaxHeaderSize);

    private static SafetensorsHeader ParseHeader(ReadOnlySpan<byte> window, long length, string path)
    {
        int n = SafetensorsHeader.ReadHeaderSize(window, length, path);
        return SafetensorsHeader.Parse(window.Slice(8, n), length, path);
    }

    /// <summary>True when the file holds a tensor of this name.</summary>
    public bool Contains(string name) => _header.Tensors.ContainsKey(name);

    /// <summary>The entry of a tensor; <see cref="R1SharpException"/> when absent.</summary>
    public SafetensorsTensorInfo GetInfo(string name) =>
        _header.Tensors.TryGetValue(name, out var info) ? info
            : throw SafetensorsText.TensorError(Path, name, "is not in this file");

    /// <summary>The raw little-endian bytes of a tensor (zero-copy). Tensors over 2 GiB need the ranged overload.</summary>
    public ReadOnlySpan<byte> GetBytes(string name)
    {
        var info = GetInfo(name);
        if (info.ByteLength > int.MaxValue)
            throw SafetensorsText.TensorError(Path, name,
                $"is {info.ByteLength} bytes, more than one span can hold; read it in pieces with GetBytes(name, offset, count)");
        return Slice(info.DataOffset, (int)info.ByteLength, name);
    }

    /// <summary>A byte range <c>[offset, offset+count)</c> inside a tensor's bytes.</summary>
    public ReadOnlySpan<byte> GetBytes(string name, long offset, int count)
    {
        var info = GetInfo(name);
        if (offset < 0 || count < 0 || offset > info.ByteLength - count)
            throw SafetensorsText.TensorError(Path, name, $"byte range [{offset}, {offset}+{count}) is outside its {info.ByteLength} bytes");
        return Slice(info.DataOffset + offset, count, name);
    }

    private ReadOnlySpan<byte> Slice(long dataOffset, int count, string name)
    {
        long start = _header.DataStart + dataOffset;
        // Validation already guarantees this; the check keeps a bug from ever reading outside the mapping.
        if (start < 0 || count < 0 || start > _length - count)
            throw SafetensorsText.TensorError(Path, name, "span lies outside the file (internal check)");
        if (_array is not null) return new ReadOnlySpan<byte>(_array, (int)start, count);
        ObjectDisposedException.ThrowIf(_pointer == null, this);
        return new ReadOnlySpan<byte>(_pointer + start, count);
    }

    /// <summary>Decodes a tensor to a new float32 array (see <see cref="SafetensorsConvert.ToSingle"/> for dtypes).</summary>
    public float[] ReadAsFloat32(string name)
    {
        var info = GetInfo(name);
        var result = new float[CheckedFloatCount(info)];
        CopyAsFloat32(name, result);
        return result;
    }

    /// <summary>Decodes a tensor into <paramref name="destination"/>, which must hold exactly its element count.</summary>
    public void CopyAsFloat32(string name, Span<float> destination)
    {
        var info = GetInfo(name);
        long count = CheckedFloatCount(info);
        if (destination.Length != count)
            throw SafetensorsText.TensorError(Path, name, $"has {count} elements but the destination holds {destination.Length}");
        if (!SafetensorsConvert.CanConvertToSingle(info.DType))
            throw SafetensorsText.TensorError(Path, name, $"dtype {info.DType.ToHeaderString()} cannot be converted to float32");
        int bytesPerElement = info.DType.BitSize() / 8;
        const int chunk = 1 << 24; // elements per piece, so tensors over 2 GiB of bytes still convert
        for (long done = 0; done < count; done += chunk)
        {
            int n = (int)Math.Min(chunk, count - done);
            var src = GetBytes(name, done * bytesPerElement, n * bytesPerElement);
            SafetensorsConvert.ToSingle(info.DType, src, destination.Slice((int)done, n));
        }
    }

    private long CheckedFloatCount(SafetensorsTensorInfo info)
    {
        long count = info.ElementCount;
        if (count > Array.MaxLength)
            throw SafetensorsText.TensorError(Path, info.Name, $"has {count} elements, more than a float array can hold");
        return count;
    }

    /// <summary>Releases the mapping; spans obtained earlier become invalid.</summary>
    public void Dispose()
    {
        if (_pointer != null)
        {
            _pointer = null;
            _view!.SafeMemoryMappedViewHandle.ReleasePointer();
        }
        _view?.Dispose();
        _map?.Dispose();
        _view = null;
        _map = null;
    }
}
