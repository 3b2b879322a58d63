// float32 <-> F16 / BF16 / Q8_0 / Q4_0 encoders and decoders, bit-exact with ggml's reference code as mirrored
// by llama.cpp gguf-py/gguf/quants.py (BF16: ggml_compute_fp32_to_bf16; Q8_0: quantize_row_q8_0_ref).
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace R1Sharp.Formats.Gguf;

/// <summary>Pure conversions between float32 and the ggml encodings this library writes and reads.</summary>
public static class GgmlQuants
{
    /// <summary>Elements per Q8_0 / Q4_0 block.</summary>
    public const int QK = 32;

    /// <summary>IEEE binary16 bits of <paramref name="x"/>, rounded to nearest even (numpy <c>astype(float16)</c>).</summary>
    /// <remarks>
    /// Bit arithmetic (F. Giesen's float_to_half_fast3_rtne) instead of the <c>(Half)</c> cast, which is ~6× slower
    /// here; results equal the cast for every input, NaN payloads included (a test checks random bit patterns).
    /// </remarks>
    public static ushort ToF16Bits(float x)
    {
        const uint F16Max = (127 + 16) << 23, DenormMagic = ((127 - 15) + (23 - 10) + 1) << 23;
        uint u = BitConverter.SingleToUInt32Bits(x);
        uint sign = (u >> 16) & 0x8000;
        u &= 0x7fffffff;
        if (u >= F16Max)
            return (ushort)(sign | (u > 0x7f800000 ? 0x7e00 | ((u & 0x7fffff) >> 13) : 0x7c00));
        if (u < (113u << 23))
        {
            // Subnormal or zero: adding the magic aligns the 10 mantissa bits at the bottom, rounding to nearest even.
            float f = BitConverter.UInt32BitsToSingle(u) + BitConverter.UInt32BitsToSingle(DenormMagic);
            return (ushort)(sign | (BitConverter.SingleToUInt32Bits(f) - DenormMagic));
        }
        uint mantOdd = (u >> 13) & 1;
        u += unchecked((uint)((15 - 127) << 23)) + 0xfff + mantOdd;
        return (ushort)(sign | (u >> 13));
    }

    /// <summary>float32 value of binary16 bits.</summary>
    public static float FromF16Bits(ushort bits) => (float)BitConverter.UInt16BitsToHalf(bits);

    /// <summary>
    /// bfloat16 bits of <paramref name="x"/>: the top 16 bits rounded to nearest even; NaN is kept NaN and made
    /// quiet (bit 6 set), as ggml does. Example: 1.00390625f (0x3F808000, a tie) → 0x3F80; 1.01171875f → 0x3F82.
    /// </summary>
    public static ushort ToBF16Bits(float x)
    {
        uint u = BitConverter.SingleToUInt32Bits(x);
        if ((u & 0x7fffffff) > 0x7f800000) return (ushort)((u >> 16) | 64);
        return (ushort)((u + 0x7fff + ((u >> 16) & 1)) >> 16);
    }

    /// <summary>float32 value of bfloat16 bits (exact).</summary>
    public static float FromBF16Bits(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>Writes <paramref name="src"/> as little-endian F16 (2 bytes each) into <paramref name="dst"/>.</summary>
    public static void EncodeF16(ReadOnlySpan<float> src, Span<byte> dst)
    {
        Span<ushort> d = MemoryMarshal.Cast<byte, ushort>(dst[..(src.Length * 2)]);
        for (int i = 0; i < src.Length; i++) d[i] = ToLittle(ToF16Bits(src[i]));
    }

    /// <summary>Writes <paramref name="src"/> as little-endian BF16 (2 bytes each) into <paramref name="dst"/>.</summary>
    public static void EncodeBF16(ReadOnlySpan<float> src, Span<byte> dst)
    {
        Span<ushort> d = MemoryMarshal.Cast<byte, ushort>(dst[..(src.Length * 2)]);
        for (int i = 0; i < src.Length; i++) d[i] = ToLittle(ToBF16Bits(src[i]));
    }

    /// <summary>Decodes little-endian F16 bytes into <paramref name="dst"/> (length = bytes / 2).</summary>
    public static void DecodeF16(ReadOnlySpan<byte> src, Span<float> dst)
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = FromF16Bits(BinaryPrimitives.ReadUInt16LittleEndian(src[(2 * i)..]));
    }

    /// <summary>Decodes little-endian BF16 bytes into <paramref name="dst"/> (length = bytes / 2).</summary>
    public static void DecodeBF16(ReadOnlySpan<byte> src, Span<float> dst)
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = FromBF16Bits(BinaryPrimitives.ReadUInt16LittleEndian(src[(2 * i)..]));
    }

    /// <summary>
    /// Quantises <paramref name="src"/> (length a multiple of 32) to Q8_0 blocks of 34 bytes: f16 d = max|x|/127,
    /// then 32 int8 q = roundf(x/d) (half away from zero, computed as x·(1/d) in float32 like ggml). An all-zero
    /// block gets d = 0 and q = 0. Example: a block whose max |x| is 127 gets d = 1 and q = round(x).
    /// </summary>
    public static void QuantizeQ8_0(ReadOnlySpan<float> src, Span<byte> dst)
    {
        if (src.Length % QK != 0) throw new ArgumentException($"length {src.Length} is not a multiple of {QK}", nameof(src));
        for (int b = 0; b < src.Length / QK; b++)
        {
            ReadOnlySpan<float> x = src.Slice(b * QK, QK);
            Span<byte> y = dst.Slice(b * 34, 34);
            float amax = 0f;
            foreach (float v in x) amax = MathF.Max(amax, MathF.Abs(v));
            float d = amax / 127f;
            float id = d != 0f ? 1f / d : 0f;
            BinaryPrimitives.WriteUInt16LittleEndian(y, ToF16Bits(d));
            for (int j = 0; j < QK; j++) y[2 + j] = (byte)(sbyte)MathF.Round(x[j] * id, MidpointRounding.AwayFromZero);
        }
    }

    /// <summary>Dequantises Q8_0 blocks: x = f16(d) · q.</summary>
    public static void DequantizeQ8_0(ReadOnlySpan<byte> src, Span<float> dst)
    {
        for (int b = 0; b < dst.Length / QK; b++)
        {
            ReadOnlySpan<byte> y = src.Slice(b * 34, 34);
            float d = FromF16Bits(BinaryPrimitives.ReadUInt16LittleEndian(y));
            for (int j = 0; j < QK; j++) dst[b * QK + j] = d * (sbyte)y[2 + j];
        }
    }

    /// <summary>
    /// Quantises to Q4_0 blocks of 18 bytes: m = the first element of largest |x|, d = m / -8, q = min(15,
    /// trunc(x/d + 8.5)) packed two per byte (element j in the low nibble, j+16 in the high nibble of byte j).
    /// The product is taken in double, as gguf-py does, because ggml's float result depends on FMA contraction.
    /// </summary>
    public static void QuantizeQ4_0(ReadOnlySpan<float> src, Span<byte> dst)
    {
        if (src.Length % QK != 0) throw new ArgumentException($"length {src.Length} is not a multiple of {QK}", nameof(src));
        Span<byte> q = stackalloc byte[QK];
        for (int b = 0; b < src.Length / QK; b++)
        {
            ReadOnlySpan<float> x = src.Slice(b * QK, QK);
            Span<byte> y = dst.Slice(b * 18, 18);
            float amax = 0f, max = 0f;
            foreach (float v in x) if (amax < MathF.Abs(v)) { amax = MathF.Abs(v); max = v; }
            float d = max / -8f;
            float id = d != 0f ? 1f / d : 0f;
            BinaryPrimitives.WriteUInt16LittleEndian(y, ToF16Bits(d));
            for (int j = 0; j < QK; j++) q[j] = (byte)Math.Clamp(Math.Truncate((double)x[j] * id + 8.5), 0, 15);
            for (int j = 0; j < QK / 2; j++) y[2 + j] = (byte)(q[j] | (q[j + QK / 2] << 4));
        }
    }

    /// <summary>Dequantises Q4_0 blocks: x = f16(d) · (nibble − 8).</summary>
    public static void DequantizeQ4_0(ReadOnlySpan<byte> src, Span<float> dst)
    {
        for (int b = 0; b < dst.Length / QK; b++)
        {
            ReadOnlySpan<byte> y = src.Slice(b * 18, 18);
            float d = FromF16Bits(BinaryPrimitives.ReadUInt16LittleEndian(y));
            for (int j = 0; j < QK / 2; j++)
            {
                dst[b * QK + j] = d * ((y[2 + j] & 0x0F) - 8);
                dst[b * QK + j + QK / 2] = d * ((y[2 + j] >> 4) - 8);
            }
        }
    }

    /// <summary>Encodes float32 values as <paramref name="type"/> (F32, F16, BF16, Q8_0, Q4_0) into <paramref name="dst"/>.</summary>
    public static void Encode(GgmlType type, ReadOnlySpan<float> src, Span<byte> dst)
    {
        switch (type)
        {
            case GgmlType.F32: MemoryMarshal.AsBytes(src).CopyTo(dst); break;
            case GgmlType.F16: EncodeF16(src, dst); break;
            case GgmlType.BF16: EncodeBF16(src, dst); break;
            case GgmlType.Q8_0: QuantizeQ8_0(src, dst); break;
            case GgmlType.Q4_0: QuantizeQ4_0(src, dst); break;
            default: throw new NotSupportedException($"encoding float32 as {type} is not implemented");
        }
    }

    /// <summary>Decodes <paramref name="type"/> data (<see cref="GgmlTypes.DecodableNames"/>) into float32 values.</summary>
    public static void Decode(GgmlType type, ReadOnlySpan<byte> src, Span<float> dst)
    {
        switch (type)
        {
            case GgmlType.F32: src[..(dst.Length * 4)].CopyTo(MemoryMarshal.AsBytes(dst)); break;
            case GgmlType.F16: DecodeF16(src, dst); break;
            case GgmlType.BF16: DecodeBF16(src, dst); break;
            case GgmlType.Q8_0: DequantizeQ8_0(src, dst); break;
            case GgmlType.Q4_0: DequantizeQ4_0(src, dst); break;
            case GgmlType.Q4_1: GgmlLegacyQuants.DequantizeQ4_1(src, dst); break;
            case GgmlType.Q5_0: GgmlLegacyQuants.DequantizeQ5_0(src, dst); break;
            case GgmlType.Q5_1: GgmlLegacyQuants.DequantizeQ5_1(src, dst); break;
            case GgmlType.Q4_K: GgmlKQuants.DequantizeQ4_K(src, dst); break;
            case GgmlType.Q5_K: GgmlKQuants.DequantizeQ5_K(src, dst); break;
            case GgmlType.Q6_K: GgmlKQuants.DequantizeQ6_K(src, dst); break;
            default: throw new NotSupportedException($"decoding {type} to float32 is not implemented");
        }
    }

    // GGUF is little-endian; every supported host is too, but keep the intent explicit.
    private static ushort ToLittle(ushort v) => BitConverter.IsLittleEndian ? v : BinaryPrimitives.ReverseEndianness(v);
}
