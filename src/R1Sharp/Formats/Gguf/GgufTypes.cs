// GGUF v3 enums: metadata value types, ggml tensor types with their block/type sizes, llama file types.
// Follows ggml-org/ggml docs/gguf.md and llama.cpp gguf-py/gguf/constants.py (GGML_QUANT_SIZES).
namespace R1Sharp.Formats.Gguf;

/// <summary>Type tag of a GGUF metadata value (u32 on disk).</summary>
public enum GgufValueType : uint
{
    UInt8 = 0, Int8 = 1, UInt16 = 2, Int16 = 3, UInt32 = 4, Int32 = 5, Float32 = 6,
    Bool = 7, String = 8, Array = 9, UInt64 = 10, Int64 = 11, Float64 = 12,
}

/// <summary>ggml tensor data type (u32 on disk). Ids 4, 5 and 31–33, 36–38 are retired in ggml.</summary>
public enum GgmlType : uint
{
    F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
    Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
    IQ2_XXS = 16, IQ2_XS = 17, IQ3_XXS = 18, IQ1_S = 19, IQ4_NL = 20, IQ3_S = 21, IQ2_S = 22, IQ4_XS = 23,
    I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28, IQ1_M = 29, BF16 = 30,
    TQ1_0 = 34, TQ2_0 = 35, MXFP4 = 39,
}

/// <summary>Value of <c>general.file_type</c> (llama.cpp <c>LlamaFileType</c>): the dominant tensor type.</summary>
public enum GgufFileType : uint
{
    AllF32 = 0, MostlyF16 = 1, MostlyQ4_0 = 2, MostlyQ8_0 = 7, MostlyBF16 = 32,
}

/// <summary>Values of <c>tokenizer.ggml.token_type</c> (llama.cpp <c>TokenType</c>).</summary>
public enum GgufTokenType
{
    Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6,
}

/// <summary>Block geometry of ggml types: a row is stored as <c>ne0 / BlockSize</c> blocks of <c>TypeSize</c> bytes.</summary>
public static class GgmlTypes
{
    private const int QK_K = GgmlKQuants.QK_K;

    /// <summary>Elements per block and bytes per block; false for ids ggml does not define.</summary>
    public static bool TryGetSizes(GgmlType type, out int blockSize, out int typeSize)
    {
        (blockSize, typeSize) = type switch
        {
            GgmlType.F32 => (1, 4),
            GgmlType.F16 => (1, 2),
            GgmlType.Q4_0 => (32, 2 + 16),
            GgmlType.Q4_1 => (32, 2 + 2 + 16),
            GgmlType.Q5_0 => (32, 2 + 4 + 16),
            GgmlType.Q5_1 => (32, 2 + 2 + 4 + 16),
            GgmlType.Q8_0 => (32, 2 + 32),
            GgmlType.Q8_1 => (32, 2 + 2 + 32),
            GgmlType.Q2_K => (QK_K, 2 + 2 + QK_K / 16 + QK_K / 4),
            GgmlType.Q3_K => (QK_K, 2 + QK_K / 4 + QK_K / 8 + 12),
            GgmlType.Q4_K => (QK_K, 2 + 2 + QK_K / 2 + 12),
            GgmlType.Q5_K => (QK_K, 2 + 2 + QK_K / 2 + QK_K / 8 + 12),
            GgmlType.Q6_K => (QK_K, 2 + QK_K / 2 + QK_K / 4 + QK_K / 16),
            GgmlType.Q8_K => (QK_K, 4 + QK_K + QK_K / 8),
            GgmlType.IQ2_XXS => (QK_K, 2 + QK_K / 4),
            GgmlType.IQ2_XS => (QK_K, 2 + QK_K / 4 + QK_K / 32),
            GgmlType.IQ3_XXS => (QK_K, 2 + QK_K / 4 + QK_K / 8),
            GgmlType.IQ1_S => (QK_K, 2 + QK_K / 8 + QK_K / 16),
            GgmlType.IQ4_NL => (32, 2 + 16),
            GgmlType.IQ3_S => (QK_K, 2 + QK_K / 4 + QK_K / 8 + QK_K / 32 + 4),
            GgmlType.IQ2_S => (QK_K, 2 + QK_K / 4 + QK_K / 16),
            GgmlType.IQ4_XS => (QK_K, 2 + 2 + QK_K / 2 + QK_K / 64),
            GgmlType.I8 => (1, 1),
            GgmlType.I16 => (1, 2),
            GgmlType.I32 => (1, 4),
            GgmlType.I64 => (1, 8),
            GgmlType.F64 => (1, 8),
            GgmlType.IQ1_M => (QK_K, QK_K / 8 + QK_K / 16 + QK_K / 32),
            GgmlType.BF16 => (1, 2),
            GgmlType.TQ1_0 => (QK_K, 2 + 4 * 13),
            GgmlType.TQ2_0 => (QK_K, 2 + 64),
            GgmlType.MXFP4 => (32, 1 + 16),
            _ => (0, 0),
        };
        return blockSize != 0;
    }

    /// <summary>Elements per block (1 for F32/F16/BF16, 32 for Q8_0/Q4_0).</summary>
    public static int BlockSize(GgmlType type) =>
        TryGetSizes(type, out int b, out _) ? b : throw new ArgumentOutOfRangeException(nameof(type), type, "unknown ggml type");

    /// <summary>Bytes per block (4 for F32, 2 for F16/BF16, 34 for Q8_0, 18 for Q4_0).</summary>
    public static int TypeSize(GgmlType type) =>
        TryGetSizes(type, out _, out int t) ? t : throw new ArgumentOutOfRangeException(nameof(type), type, "unknown ggml type");

    /// <summary>True for the types this library can encode from float32 and decode back: F32, F16, BF16, Q8_0, Q4_0.</summary>
    public static bool IsConvertible(GgmlType type) =>
        type is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16 or GgmlType.Q8_0 or GgmlType.Q4_0;

    /// <summary>The types this library can decode to float32, for messages.</summary>
    public const string DecodableNames = "F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K and Q6_K";

    /// <summary>Whether <see cref="GgmlQuants.Decode"/> reads <paramref name="type"/> (listed in <see cref="DecodableNames"/>).</summary>
    public static bool IsDecodable(GgmlType type) =>
        IsConvertible(type) || type is GgmlType.Q4_1 or GgmlType.Q5_0 or GgmlType.Q5_1 or GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q6_K;

    /// <summary>
    /// The type to write a tensor as, given the wanted type and the tensor's row length (innermost dim): a block
    /// type whose block does not divide the row falls back to <paramref name="fallback"/> (F16, as llama.cpp's
    /// convert_hf_to_gguf does when <c>gguf.quants</c> raises <c>QuantError</c>). Example: (Q8_0, 1536) → Q8_0;
    /// (Q8_0, 100) → F16.
    /// </summary>
    public static GgmlType WithFallback(GgmlType wanted, long rowLength, GgmlType fallback = GgmlType.F16) =>
        rowLength % BlockSize(wanted) == 0 ? wanted : fallback;

    /// <summary>Bytes of a tensor with ggml dims <paramref name="ne"/> (ne[0] must be a multiple of the block size).</summary>
    public static long ByteCount(GgmlType type, ReadOnlySpan<long> ne)
    {
        TryGetSizes(type, out int b, out int t);
        long rows = 1;
        for (int i = 1; i < ne.Length; i++) rows = checked(rows * ne[i]);
        long rowBytes = ne.Length == 0 ? t : checked(ne[0] / b * t);
        return checked(rowBytes * rows);
    }

    /// <summary>Rounds <paramref name="offset"/> up to a multiple of <paramref name="alignment"/> (a power of two).</summary>
    public static long Align(long offset, long alignment) => (offset + alignment - 1) & ~(alignment - 1);
}
