// Element decoders from safetensors dtypes to float32 (little-endian input, C order).
// FP8 encodings follow PyTorch float8_e4m3fn / e5m2 / e4m3fnuz / e5m2fnuz / e8m0fnu (OCP MX for E8M0).
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace R1Sharp.Formats.Safetensors;

/// <summary>Pure conversions of raw tensor bytes to float32.</summary>
public static class SafetensorsConvert
{
    private static readonly float[] E4M3Table = Table(Float8E4M3ToSingle);
    private static readonly float[] E5M2Table = Table(Float8E5M2ToSingle);
    private static readonly float[] E4M3FnuzTable = Table(Float8E4M3FnuzToSingle);
    private static readonly float[] E5M2FnuzTable = Table(Float8E5M2FnuzToSingle);
    private static readonly float[] E8M0Table = Table(Float8E8M0ToSingle);

    /// <summary>True for the dtypes <see cref="ToSingle"/> can decode (every dtype but F4, F6_*, C64).</summary>
    public static bool CanConvertToSingle(SafetensorsDType dtype) =>
        SafetensorsDTypes.IsDefined(dtype) && dtype is not (SafetensorsDType.F4 or SafetensorsDType.F6_E2M3
            or SafetensorsDType.F6_E3M2 or SafetensorsDType.C64);

    /// <summary>
    /// Decodes <paramref name="src"/> (whole elements of <paramref name="dtype"/>) into <paramref name="dst"/>,
    /// which must hold exactly src.Length / bytes-per-element floats. 64-bit integers and F64 round to nearest.
    /// </summary>
    public static void ToSingle(SafetensorsDType dtype, ReadOnlySpan<byte> src, Span<float> dst)
    {
        if (!CanConvertToSingle(dtype))
            throw new R1SharpException($"safetensors dtype {dtype.ToHeaderString()} cannot be converted to float32");
        int size = dtype.BitSize() / 8;
        if (src.Length % size != 0 || src.Length / size != dst.Length)
            throw new ArgumentException($"{src.Length} bytes of {dtype.ToHeaderString()} do not fill {dst.Length} floats");
        switch (dtype)
        {
            case SafetensorsDType.F32: MemoryMarshal.Cast<byte, float>(src).CopyTo(dst); break;
            case SafetensorsDType.BF16: BFloat16ToSingle(src, dst); break;
            case SafetensorsDType.F16:
                var h = MemoryMarshal.Cast<byte, Half>(src);
                for (int i = 0; i < dst.Length; i++) dst[i] = (float)h[i];
                break;
            case SafetensorsDType.F64:
                var d = MemoryMarshal.Cast<byte, double>(src);
                for (int i = 0; i < dst.Length; i++) dst[i] = (float)d[i];
                break;
            case SafetensorsDType.F8_E4M3: Lookup(E4M3Table, src, dst); break;
            case SafetensorsDType.F8_E5M2: Lookup(E5M2Table, src, dst); break;
            case SafetensorsDType.F8_E4M3FNUZ: Lookup(E4M3FnuzTable, src, dst); break;
            case SafetensorsDType.F8_E5M2FNUZ: Lookup(E5M2FnuzTable, src, dst); break;
            case SafetensorsDType.F8_E8M0: Lookup(E8M0Table, src, dst); break;
            default: IntegerToSingle(dtype, src, dst); break;
        }
    }

    private static void IntegerToSingle(SafetensorsDType dtype, ReadOnlySpan<byte> src, Span<float> dst)
    {
        switch (dtype)
        {
            case SafetensorsDType.BOOL: for (int i = 0; i < dst.Length; i++) dst[i] = src[i] != 0 ? 1f : 0f; break;
            case SafetensorsDType.U8: for (int i = 0; i < dst.Length; i++) dst[i] = src[i]; break;
            case SafetensorsDType.I8: for (int i = 0; i < dst.Length; i++) dst[i] = (sbyte)src[i]; break;
            case SafetensorsDType.I16: Widen(MemoryMarshal.Cast<byte, short>(src), dst); break;
            case SafetensorsDType.U16: Widen(MemoryMarshal.Cast<byte, ushort>(src), dst); break;
            case SafetensorsDType.I32: Widen(MemoryMarshal.Cast<byte, int>(src), dst); break;
            case SafetensorsDType.U32: Widen(MemoryMarshal.Cast<byte, uint>(src), dst); break;
            case SafetensorsDType.I64: Widen(MemoryMarshal.Cast<byte, long>(src), dst); break;
            case SafetensorsDType.U64: Widen(MemoryMarshal.Cast<byte, ulong>(src), dst); break;
            default: throw new R1SharpException($"safetensors dtype {dtype.ToHeaderString()} cannot be converted to float32");
        }
    }

    private static void Widen<T>(ReadOnlySpan<T> src, Span<float> dst) where T : System.Numerics.INumberBase<T>
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = float.CreateTruncating(src[i]);
    }

    private static void Lookup(float[] table, ReadOnlySpan<byte> src, Span<float> dst)
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = table[src[i]];
    }

    /// <summary>bf16 is the upper half of a float32: widen each u16 and shift it left by 16 bits.</summary>
    private static void BFloat16ToSingle(ReadOnlySpan<byte> src, Span<float> dst)
    {
        var s = MemoryMarshal.Cast<byte, ushort>(src);
        var d = MemoryMarshal.Cast<float, uint>(dst);
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref ushort s0 = ref MemoryMarshal.GetReference(s);
            ref uint d0 = ref MemoryMarshal.GetReference(d);
            for (; i + 16 <= s.Length; i += 16)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref s0, (nuint)i));
                Vector256.ShiftLeft(lo, 16).StoreUnsafe(ref d0, (nuint)i);
                Vector256.ShiftLeft(hi, 16).StoreUnsafe(ref d0, (nuint)(i + 8));
            }
        }
        for (; i < s.Length; i++) d[i] = (uint)s[i] << 16;
    }

    /// <summary>bf16 bits to float32. Example: 0x3F80 → 1.0, 0xC000 → -2.0.</summary>
    public static float BFloat16ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>
    /// float8_e4m3fn: sign, 4 exponent bits (bias 7), 3 mantissa bits; no infinities; 0x7F/0xFF are NaN.
    /// Examples: 0x38 → 1.0, 0x7E → 448 (the max), 0x01 → 2^-9 (smallest subnormal), 0xB8 → -1.0.
    /// </summary>
    public static float Float8E4M3ToSingle(byte b)
    {
        if ((b & 0x7F) == 0x7F) return float.NaN;
        return Decode(b, expBits: 4, bias: 7);
    }

    /// <summary>
    /// float8_e5m2: the upper byte of an IEEE half (bias 15, infinities, NaNs).
    /// Examples: 0x3C → 1.0, 0x7B → 57344 (max), 0x7C → +inf, 0x01 → 2^-16.
    /// </summary>
    public static float Float8E5M2ToSingle(byte b) => (float)BitConverter.UInt16BitsToHalf((ushort)(b << 8));

    /// <summary>float8_e4m3fnuz: bias 8, no infinities, no negative zero; 0x80 is NaN. Example: 0x40 → 1.0.</summary>
    public static float Float8E4M3FnuzToSingle(byte b) => b == 0x80 ? float.NaN : Decode(b, expBits: 4, bias: 8);

    /// <summary>float8_e5m2fnuz: bias 16, no infinities, no negative zero; 0x80 is NaN. Example: 0x40 → 1.0.</summary>
    public static float Float8E5M2FnuzToSingle(byte b) => b == 0x80 ? float.NaN : Decode(b, expBits: 5, bias: 16);

    /// <summary>float8_e8m0fnu (OCP MX scale): 2^(b-127); 0xFF is NaN. Example: 0x7F → 1.0, 0x80 → 2.0.</summary>
    public static float Float8E8M0ToSingle(byte b) => b == 0xFF ? float.NaN : MathF.ScaleB(1f, b - 127);

    /// <summary>Finite decode of a sign/exponent/mantissa byte; subnormals when the exponent field is 0.</summary>
    private static float Decode(byte b, int expBits, int bias)
    {
        int manBits = 7 - expBits;
        int e = (b >> manBits) & ((1 << expBits) - 1);
        int m = b & ((1 << manBits) - 1);
        float v = e == 0
            ? MathF.ScaleB(m, 1 - bias - manBits)
            : MathF.ScaleB((1 << manBits) + m, e - bias - manBits);
        return (b & 0x80) != 0 ? -v : v;
    }

    private static float[] Table(Func<byte, float> decode)
    {
        var t = new float[256];
        for (int i = 0; i < 256; i++) t[i] = decode((byte)i);
        return t;
    }
}
