// Q4_K / Q5_K / Q6_K super-block decoders, written from ggml's reference dequantize_row_q{4,5,6}_K (ggml-quants.c)
// with the block layouts of ggml-common.h; every product is taken in float32 in ggml's order so results are exact.
using System.Buffers.Binary;

namespace R1Sharp.Formats.Gguf;

/// <summary>Pure float32 decoders of ggml's k-quant super-blocks (256 elements each).</summary>
public static class GgmlKQuants
{
    /// <summary>Elements per k-quant super-block (ggml QK_K).</summary>
    public const int QK_K = 256;

    /// <summary>Bytes of one Q4_K block: f16 d, f16 dmin, 12 bytes of 6-bit scales/mins, 128 bytes of 4-bit quants
    /// (144, from <see cref="GgmlTypes"/>' block table).</summary>
    public static readonly int Q4KBytes = GgmlTypes.TypeSize(GgmlType.Q4_K);
    /// <summary>Bytes of one Q5_K block: Q4_K's fields plus 32 bytes of high bits (before the 4-bit quants; 176).</summary>
    public static readonly int Q5KBytes = GgmlTypes.TypeSize(GgmlType.Q5_K);
    /// <summary>Bytes of one Q6_K block: 128 bytes of low 4 bits, 64 of high 2 bits, 16 int8 scales, f16 d (210).</summary>
    public static readonly int Q6KBytes = GgmlTypes.TypeSize(GgmlType.Q6_K);

    /// <summary>
    /// The 6-bit scale and min of sub-block <paramref name="j"/> (0–7) from the 12 packed bytes (ggml get_scale_min_k4):
    /// j &lt; 4: scale = q[j] &amp; 63, min = q[j+4] &amp; 63; else the low nibble (scale) / high nibble (min) of q[j+4]
    /// with the top two bits of q[j−4] (scale) / q[j] (min) above them. Example: q[0] = 0x45, q[4] = 0x82 → (5, 2);
    /// for j = 4 with q[8] = 0x31 and q[0] = 0x45, q[4] = 0x82 → scale 1 | (1 &lt;&lt; 4) = 17, min 3 | (2 &lt;&lt; 4) = 35.
    /// </summary>
    public static (int Scale, int Min) ScaleMin(int j, ReadOnlySpan<byte> q) => j < 4
        ? (q[j] & 63, q[j + 4] & 63)
        : ((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4), (q[j + 4] >> 4) | ((q[j] >> 6) << 4));

    /// <summary>
    /// Dequantises Q4_K: for each 64 elements (sub-blocks 2k, 2k+1 sharing 32 quant bytes), the low nibbles give the
    /// first 32 values d·sc·q − dmin·m and the high nibbles the next 32.
    /// </summary>
    public static void DequantizeQ4_K(ReadOnlySpan<byte> src, Span<float> dst)
    {
        for (int b = 0; b < dst.Length / QK_K; b++)
        {
            ReadOnlySpan<byte> x = src.Slice(b * Q4KBytes, Q4KBytes);
            float d = GgmlQuants.FromF16Bits(BinaryPrimitives.ReadUInt16LittleEndian(x));
            float dmin = GgmlQuants.FromF16Bits(BinaryPrimitives.ReadUInt16LittleEndian(x[2..]));
            ReadOnlySpan<byte> scales = x.Slice(4, 12), qs = x.Slice(16, 128);
            Span<float> y = dst.Slice(b * QK_K, QK_K);
            for (int j = 0, s = 0; j < QK_K; j += 64, s += 2)
            {
                var (sc1, m1) = ScaleMin(s, scales);
                var (sc2, m2) = ScaleMin(s + 1, scales);
                float d1 = d * sc1, min1 = dmin * m1, d2 = d * sc2, min2 = dmin * m2;
                ReadOnlySpan<byte> q = qs.Slice(j / 2, 32);
                for (int l = 0; l < 32; l++) y[j + l] = d1 * (q[l] & 0xF) - min1;
                for (int l = 0; l < 32; l++) y[j + 32 + l] = d2 * (q[l] >> 4) - min2;
            }
        }
    }

    /// <summary>
    /// Dequantises Q5_K: as Q4_K with a fifth bit per element from qh (element l of the n-th 32-element group takes
    /// bit n of qh[l], adding 16).
    /// </summary>
    public static void DequantizeQ5_K(ReadOnlySpan<byte> src, Span<float> dst)
    {
        for (int b = 0; b < dst.Length / QK_K; b++)
        {
            ReadOnlySpan<byte> x = src.Slice(b * Q5KBytes, Q5KBytes);
            float d = GgmlQuants.FromF16Bits(BinaryPrimitives.ReadUInt16LittleEndian(x));
            float dmin = GgmlQuants.FromF16Bits(BinaryPrimitives.ReadUInt16LittleEndian(x[2..]));
            ReadOnlySpan<byte> scales = x.Slice(4, 12), qh = x.Slice(16, 32), qs = x.Slice(48, 128);
            Span<float> y = dst.Slice(b * QK_K, QK_K);
            int u1 = 1, u2 = 2;
            for (int j = 0, s = 0; j < QK_K; j += 64, s += 2, u1 <<= 2, u2 <<= 2)
            {
                var (sc1, m1) = ScaleMin(s, scales);
                var (sc2, m2) = ScaleMin(s + 1, scales);
                float d1 = d * sc1, min1 = dmin * m1, d2 = d * sc2, min2 = dmin * m2;
                ReadOnlySpan<byte> ql = qs.Slice(j / 2, 32);
                for (int l = 0; l < 32; l++) y[j + l] = d1 * ((ql[l] & 0xF) + ((qh[l] & u1) != 0 ? 16 : 0)) - min1;
                for (int l = 0; l < 32; l++) y[j + 32 + l] = d2 * ((ql[l] >> 4) + ((qh[l] & u2) != 0 ? 16 : 0)) - min2;
            }
        }
    }

    /// <summary>
    /// Dequantises Q6_K: each half (128 elements) uses 64 ql bytes, 32 qh bytes and 8 scales; element l + 32k
    /// (k = 0..3) is d·scale[l/16 + 2k]·(q − 32) with q's low 4 bits from ql (nibble k/2 of ql[l + 32·(k%2)]) and
    /// high 2 bits from qh[l] bits 2k, 2k+1.
    /// </summary>
    public static void DequantizeQ6_K(ReadOnlySpan<byte> src, Span<float> dst)
    {
        for (int b = 0; b < dst.Length / QK_K; b++)
        {
            ReadOnlySpan<byte> x = src.Slice(b * Q6KBytes, Q6KBytes);
            float d = GgmlQuants.FromF16Bits(BinaryPrimitives.ReadUInt16LittleEndian(x[208..]));
            Span<float> y = dst.Slice(b * QK_K, QK_K);
            for (int half = 0; half < 2; half++)
            {
                ReadOnlySpan<byte> ql = x.Slice(64 * half, 64), qh = x.Slice(128 + 32 * half, 32);
                ReadOnlySpan<byte> sc = x.Slice(192 + 8 * half, 8);
                Span<float> yy = y.Slice(128 * half, 128);
                for (int l = 0; l < 32; l++)
                {
                    int s = l / 16;
                    int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
                    int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
                    int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
                    int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
                    yy[l] = d * (sbyte)sc[s] * q1;
                    yy[l + 32] = d * (sbyte)sc[s + 2] * q2;
                    yy[l + 64] = d * (sbyte)sc[s + 4] * q3;
                    yy[l + 96] = d * (sbyte)sc[s + 6] * q4;
                }
            }
        }
    }
}
