// Bounds-checked little-endian reads of GGUF primitives; every failure is an R1SharpException naming the
// file and the item being read (ggml docs/gguf.md layout).
using System.Buffers.Binary;
using System.Text;

namespace R1Sharp.Formats.Gguf;

/// <summary>Reads GGUF primitives from a seekable stream, refusing to read past its end.</summary>
internal sealed class GgufInput(Stream stream, string file)
{
    private readonly byte[] _scratch = new byte[8];

    public string File { get; } = file;
    public long Length { get; } = stream.Length;
    public long Position { get; private set; } = stream.Position;
    public long Remaining => Length - Position;

    /// <summary>What is being read (e.g. "key 'general.name'"), named in error messages.</summary>
    public string What { get; set; } = "the header";

    public R1SharpException Error(string problem) => new($"{File}: invalid GGUF file: {What}: {problem}");

    private void Need(long n)
    {
        if (n < 0 || n > Remaining)
            throw new R1SharpException($"{File}: truncated GGUF file: {What} needs {n} bytes at offset {Position} but the file ends at {Length}");
    }

    public void ReadExactly(Span<byte> dst)
    {
        Need(dst.Length);
        try { stream.ReadExactly(dst); }
        catch (EndOfStreamException) { throw Error("the file ended early (was it changed while reading?)"); }
        Position += dst.Length;
    }

    private Span<byte> Read(int n) { Span<byte> s = _scratch.AsSpan(0, n); ReadExactly(s); return s; }

    public byte U8() => Read(1)[0];
    public ushort U16() => BinaryPrimitives.ReadUInt16LittleEndian(Read(2));
    public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Read(4));
    public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Read(8));
    public float F32() => BinaryPrimitives.ReadSingleLittleEndian(Read(4));
    public double F64() => BinaryPrimitives.ReadDoubleLittleEndian(Read(8));

    /// <summary>A count that must fit in the rest of the file when each item takes at least <paramref name="minBytes"/>.</summary>
    public int Count(ulong n, int minBytes, string items)
    {
        if (n > (ulong)Array.MaxLength || n * (ulong)minBytes > (ulong)Remaining)
            throw Error($"{n} {items} cannot fit in the {Remaining} bytes left in the file");
        return (int)n;
    }

    /// <summary>gguf_string_t: u64 length then UTF-8 bytes (invalid UTF-8 is an error).</summary>
    public string String()
    {
        ulong n = U64();
        if (n > (ulong)Remaining)
            throw new R1SharpException($"{File}: truncated GGUF file: {What} has a string of {n} bytes at offset {Position} but only {Remaining} bytes remain");
        if (n == 0) return "";
        byte[] bytes = new byte[(int)n];
        ReadExactly(bytes);
        try { return GgufOutput.StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException) { throw Error("a string is not valid UTF-8"); }
    }

    public void Seek(long position)
    {
        if (position > Length) throw new R1SharpException($"{File}: truncated GGUF file: {What} starts at offset {position} but the file ends at {Length}");
        stream.Position = position;
        Position = position;
    }

    /// <summary>Reads one value of type <paramref name="type"/>; <paramref name="depth"/> limits nested arrays.</summary>
    public GgufValue Value(GgufValueType type, int depth = 0)
    {
        switch (type)
        {
            case GgufValueType.UInt8: return GgufValue.From(U8());
            case GgufValueType.Int8: return GgufValue.From((sbyte)U8());
            case GgufValueType.UInt16: return GgufValue.From(U16());
            case GgufValueType.Int16: return GgufValue.From((short)U16());
            case GgufValueType.UInt32: return GgufValue.From(U32());
            case GgufValueType.Int32: return GgufValue.From((int)U32());
            case GgufValueType.Float32: return GgufValue.From(F32());
            case GgufValueType.Bool: return GgufValue.From(Bool());
            case GgufValueType.String: return GgufValue.From(String());
            case GgufValueType.UInt64: return GgufValue.From(U64());
            case GgufValueType.Int64: return GgufValue.From((long)U64());
            case GgufValueType.Float64: return GgufValue.From(F64());
            case GgufValueType.Array: return ArrayValue(depth);
            default: throw Error($"unknown value type {(uint)type}");
        }
    }

    private bool Bool()
    {
        byte b = U8();
        return b <= 1 ? b == 1 : throw Error($"bool byte is {b}, expected 0 or 1");
    }

    private GgufValue ArrayValue(int depth)
    {
        if (depth >= 8) throw Error("arrays are nested more than 8 deep");
        var element = (GgufValueType)U32();
        ulong n = U64();
        return element switch
        {
            GgufValueType.UInt8 => GgufValue.FromArray(Fixed<byte>(n)),
            GgufValueType.Int8 => GgufValue.FromArray(Fixed<sbyte>(n)),
            GgufValueType.UInt16 => GgufValue.FromArray(Fixed<ushort>(n)),
            GgufValueType.Int16 => GgufValue.FromArray(Fixed<short>(n)),
            GgufValueType.UInt32 => GgufValue.FromArray(Fixed<uint>(n)),
            GgufValueType.Int32 => GgufValue.FromArray(Fixed<int>(n)),
            GgufValueType.Float32 => GgufValue.FromArray(Fixed<float>(n)),
            GgufValueType.UInt64 => GgufValue.FromArray(Fixed<ulong>(n)),
            GgufValueType.Int64 => GgufValue.FromArray(Fixed<long>(n)),
            GgufValueType.Float64 => GgufValue.FromArray(Fixed<double>(n)),
            GgufValueType.Bool => GgufValue.FromArray(Items(n, 1, "bools", _ => Bool())),
            GgufValueType.String => GgufValue.FromArray(Items(n, 8, "strings", _ => String())),
            GgufValueType.Array => GgufValue.FromArray(Items(n, 12, "arrays", _ => ArrayValue(depth + 1))),
            _ => throw Error($"unknown array element type {(uint)element}"),
        };
    }

    private T[] Items<T>(ulong n, int minBytes, string what, Func<int, T> read)
    {
        var items = new T[Count(n, minBytes, what)];
        for (int i = 0; i < items.Length; i++) items[i] = read(i);
        return items;
    }

    private T[] Fixed<T>(ulong n) where T : unmanaged
    {
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        var items = new T[Count(n, size, typeof(T).Name + " values")];
        ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(items.AsSpan()));
        if (!BitConverter.IsLittleEndian) throw Error("big-endian hosts are not supported");
        return items;
    }
}
