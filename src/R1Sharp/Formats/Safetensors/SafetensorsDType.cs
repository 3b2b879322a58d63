// safetensors element types: header strings, bit sizes and checked byte-size arithmetic.
// Follows huggingface/safetensors `safetensors/src/tensor.rs` (Dtype, bitsize, validate); see ARCHITECTURES.md §3.
namespace R1Sharp.Formats.Safetensors;

/// <summary>
/// The element types of the safetensors format. The numeric values follow the declaration order of the
/// Rust crate's <c>Dtype</c> enum, which is "increasing alignment": the writer sorts tensors by descending
/// value, then by name, exactly like the Rust writer.
/// </summary>
public enum SafetensorsDType
{
    /// <summary>Boolean, one byte per element.</summary>
    BOOL = 0,
    /// <summary>MXFP4 (E2M1), 4 bits per element, two elements per byte.</summary>
    F4 = 1,
    /// <summary>MXFP6 E2M3, 6 bits per element.</summary>
    F6_E2M3 = 2,
    /// <summary>MXFP6 E3M2, 6 bits per element.</summary>
    F6_E3M2 = 3,
    /// <summary>Unsigned 8-bit integer.</summary>
    U8 = 4,
    /// <summary>Signed 8-bit integer.</summary>
    I8 = 5,
    /// <summary>FP8 E5M2 (IEEE-like: bias 15, infinities, NaNs).</summary>
    F8_E5M2 = 6,
    /// <summary>FP8 E4M3 "fn" (PyTorch float8_e4m3fn): bias 7, no infinities, 0x7F/0xFF are NaN, max 448.</summary>
    F8_E4M3 = 7,
    /// <summary>FP8 E8M0 scale (OCP MX): value 2^(x-127), 0xFF is NaN.</summary>
    F8_E8M0 = 8,
    /// <summary>FP8 E4M3 "fnuz": bias 8, no negative zero, 0x80 is the only NaN.</summary>
    F8_E4M3FNUZ = 9,
    /// <summary>FP8 E5M2 "fnuz": bias 16, no negative zero, 0x80 is the only NaN.</summary>
    F8_E5M2FNUZ = 10,
    /// <summary>Signed 16-bit integer.</summary>
    I16 = 11,
    /// <summary>Unsigned 16-bit integer.</summary>
    U16 = 12,
    /// <summary>IEEE half precision.</summary>
    F16 = 13,
    /// <summary>bfloat16 (the upper half of an IEEE single).</summary>
    BF16 = 14,
    /// <summary>Signed 32-bit integer.</summary>
    I32 = 15,
    /// <summary>Unsigned 32-bit integer.</summary>
    U32 = 16,
    /// <summary>IEEE single precision.</summary>
    F32 = 17,
    /// <summary>Complex number of two F32 parts (8 bytes).</summary>
    C64 = 18,
    /// <summary>IEEE double precision.</summary>
    F64 = 19,
    /// <summary>Signed 64-bit integer.</summary>
    I64 = 20,
    /// <summary>Unsigned 64-bit integer.</summary>
    U64 = 21,
}

/// <summary>Header-string parsing/formatting and size arithmetic for <see cref="SafetensorsDType"/>.</summary>
public static class SafetensorsDTypes
{
    private static readonly string[] Names =
    [
        "BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F8_E4M3FNUZ",
        "F8_E5M2FNUZ", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "C64", "F64", "I64", "U64",
    ];

    private static readonly int[] Bits =
    [
        8, 4, 6, 6, 8, 8, 8, 8, 8, 8,
        8, 16, 16, 16, 16, 32, 32, 32, 64, 64, 64, 64,
    ];

    /// <summary>Every dtype, in the Rust crate's alignment order.</summary>
    public static IReadOnlyList<SafetensorsDType> All { get; } =
        Enumerable.Range(0, Names.Length).Select(i => (SafetensorsDType)i).ToArray();

    /// <summary>The header string, e.g. <c>BF16</c> or <c>F8_E4M3</c>.</summary>
    public static string ToHeaderString(this SafetensorsDType dtype) =>
        IsDefined(dtype) ? Names[(int)dtype] : throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null);

    /// <summary>Parses a header string (case-sensitive, as in the Rust crate). Returns false for unknown strings.</summary>
    public static bool TryParse(string? text, out SafetensorsDType dtype)
    {
        int i = text is null ? -1 : Array.IndexOf(Names, text);
        dtype = (SafetensorsDType)Math.Max(i, 0);
        return i >= 0;
    }

    /// <summary>Parses a header string; throws <see cref="R1SharpException"/> naming the known dtypes when unknown.</summary>
    public static SafetensorsDType Parse(string text) =>
        TryParse(text, out var d) ? d
            : throw new R1SharpException($"unknown safetensors dtype {SafetensorsText.Quote(text)}; known: {string.Join(", ", Names)}");

    /// <summary>Bits per element (4 for F4, 6 for F6_*, 8..64 otherwise), as the Rust crate's <c>bitsize()</c>.</summary>
    public static int BitSize(this SafetensorsDType dtype) =>
        IsDefined(dtype) ? Bits[(int)dtype] : throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null);

    /// <summary>True for values declared in <see cref="SafetensorsDType"/>.</summary>
    public static bool IsDefined(SafetensorsDType dtype) => (uint)dtype < (uint)Names.Length;

    /// <summary>
    /// Element count of a shape (1 for the scalar shape []), or null on a negative dim or on overflow of 64 bits.
    /// </summary>
    public static ulong? TryElementCount(ReadOnlySpan<long> shape)
    {
        ulong n = 1;
        foreach (long d in shape)
        {
            if (d < 0) return null;
            ulong u = (ulong)d;
            if (u != 0 && n > ulong.MaxValue / u) return null;
            n *= u;
        }
        return n;
    }

    /// <summary>
    /// Byte size of <paramref name="elements"/> elements, following the Rust rule: bits = n·bitsize must not
    /// overflow and must be a multiple of 8. Returns an error text instead of throwing.
    /// Example: F4 with 3 elements is 12 bits, not a whole number of bytes, so it is an error.
    /// </summary>
    public static ulong? TryByteSize(this SafetensorsDType dtype, ulong elements, out string? error)
    {
        ulong bits = (ulong)dtype.BitSize();
        if (elements != 0 && elements > ulong.MaxValue / bits)
        {
            error = $"{elements} elements of {dtype.ToHeaderString()} overflow 64-bit size arithmetic";
            return null;
        }
        ulong total = elements * bits;
        if (total % 8 != 0)
        {
            error = $"{elements} elements of {bits}-bit {dtype.ToHeaderString()} are {total} bits, not a whole number of bytes";
            return null;
        }
        error = null;
        return total / 8;
    }

    /// <summary>Byte size of a tensor of this dtype and shape; throws <see cref="R1SharpException"/> when invalid.</summary>
    public static long ByteSize(this SafetensorsDType dtype, ReadOnlySpan<long> shape)
    {
        ulong n = TryElementCount(shape)
            ?? throw new R1SharpException($"shape [{string.Join(", ", shape.ToArray())}] has a negative dim or overflows 64 bits");
        ulong bytes = dtype.TryByteSize(n, out var err) ?? throw new R1SharpException(err!);
        if (bytes > long.MaxValue) throw new R1SharpException($"tensor of {n} {dtype.ToHeaderString()} elements is too large");
        return (long)bytes;
    }
}
