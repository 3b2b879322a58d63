// Q4_1 / Q5_0 / Q5_1 block decoders (32 elements each), written from ggml's reference dequantize_row_q4_1 / q5_0 /
// q5_1 (ggml-quants.c; layouts in ggml-common.h). llama.cpp's quantizer writes them where a k-quant does not fit a
// row (Q4_K → Q5_0, Q5_K → Q5_1 for rows that are not whole 256-element super-blocks), so k-quant files carry them.
using System.Buffers.Binary;

namespace R1Sharp.Formats.Gguf;

/// <summary>Pure float32 decoders of ggml's 32-element Q4_1, Q5_0 and Q5_1 blocks.</summary>
public static class GgmlLegacyQuants
{
    private const int QK = 32;

    /// <summary>Q4_1 (20 bytes: f16 d, f16 m, 16 bytes of nibbles): x = q·d + m, element j in the low nibble of byte j, j+16 in its high nibble.</summary>
    public static void DequantizeQ4_1(ReadOnlySpan<byte> src, Span<float> dst)
    {
        for (int b = 0; b < dst.Length / QK; b++)
        {
            ReadOnlySpan<byte> x = src.Slice(b * 20, 20);
            float d = GgmlQuants.FromF16Bits(BinaryPrimitives.ReadUInt16LittleEndian(x));
            float m = GgmlQuants.FromF16Bits(BinaryPrimitives.ReadUInt16LittleEndian(x[2..]));
            for (int j = 0; j < QK / 2; j++)
            {
                dst[b * QK + j] = (x[4 + j] & 0x0F) * d + m;
                dst[b * QK + j + QK / 2] = (x[4 + j] >> 4) * d + m;
            }
        }
    }

    /// <summary>
    /// Q5_0 (22 bytes: f16 d, u32 high bits, 16 bytes of nibbles): x = (q − 16)·d with q's fifth bit for element j
    /// at bit j of the u32. Example: d = 1, nibble 3, bit set → (3 + 16 − 16)·1 = 3; bit clear → −13.
    /// </summary>
    public static void DequantizeQ5_0(ReadOnlySpan<byte> src, Span<float> dst) => Dequantize5(src, dst, 22, hasMin: false);

    /// <summary>Q5_1 (24 bytes: f16 d, f16 m, u32 high bits, 16 bytes of nibbles): x = q·d + m.</summary>
    public static void DequantizeQ5_1(ReadOnlySpan<byte> src, Span<float> dst) => Dequantize5(src, dst, 24, hasMin: true);

    private static void Dequantize5(ReadOnlySpan<byte> src, Span<float> dst, int blockBytes, bool hasMin)
    {
        int qhAt = hasMin ? 4 : 2;
        for (int b = 0; b < dst.Length / QK; b++)
        {
            ReadOnlySpan<byte> x = src.Slice(b * blockBytes, blockBytes);
            float d = GgmlQuants.FromF16Bits(BinaryPrimitives.ReadUInt16LittleEndian(x));
            float m = hasMin ? GgmlQuants.FromF16Bits(BinaryPrimitives.ReadUInt16LittleEndian(x[2..])) : 0f;
            uint qh = BinaryPrimitives.ReadUInt32LittleEndian(x[qhAt..]);
            ReadOnlySpan<byte> qs = x.Slice(qhAt + 4, 16);
            for (int j = 0; j < QK / 2; j++)
            {
                int h0 = (int)(((qh >> j) << 4) & 0x10), h1 = (int)((qh >> (j + 12)) & 0x10);
                int q0 = (qs[j] & 0x0F) | h0, q1 = (qs[j] >> 4) | h1;
                if (hasMin)
                {
                    dst[b * QK + j] = q0 * d + m;
                    dst[b * QK + j + QK / 2] = q1 * d + m;
                }
                else
                {
                    dst[b * QK + j] = (q0 - 16) * d;
                    dst[b * QK + j + QK / 2] = (q1 - 16) * d;
                }
            }
        }
    }
}
