// Hand-computed decode tables for the float formats of safetensors (PyTorch float8_e4m3fn/e5m2/fnuz/e8m0fnu,
// IEEE half, bfloat16) and the file-level ReadAsFloat32 paths, including the vectorised bf16 loop.
using R1Sharp.Formats.Safetensors;
using static R1Sharp.Tests.Formats.Safetensors.SafetensorsTestFiles;

namespace R1Sharp.Tests.Formats.Safetensors;

public class SafetensorsConvertTests
{
    private static float P2(int e) => MathF.ScaleB(1f, e);

    public static TheoryData<byte, float> E4M3 => new()
    {
        { 0x00, 0f }, { 0x38, 1f }, { 0xB8, -1f }, { 0x40, 2f }, { 0x3C, 1.5f }, { 0x30, 0.5f },
        { 0x7E, 448f }, { 0xFE, -448f }, { 0x01, P2(-9) }, { 0x07, 7 * P2(-9) }, { 0x08, P2(-6) }, { 0x77, 240f },
    };

    [Theory]
    [MemberData(nameof(E4M3))]
    public void Float8_e4m3fn_decodes_like_the_hand_table(byte b, float expected) =>
        Assert.Equal(expected, SafetensorsConvert.Float8E4M3ToSingle(b));

    [Fact]
    public void Float8_e4m3fn_has_nan_at_7F_and_FF_and_negative_zero_at_80()
    {
        Assert.True(float.IsNaN(SafetensorsConvert.Float8E4M3ToSingle(0x7F)));
        Assert.True(float.IsNaN(SafetensorsConvert.Float8E4M3ToSingle(0xFF)));
        Assert.True(float.IsNegative(SafetensorsConvert.Float8E4M3ToSingle(0x80)));
        int finite = Enumerable.Range(0, 256).Count(i => float.IsFinite(SafetensorsConvert.Float8E4M3ToSingle((byte)i)));
        Assert.Equal(254, finite); // no infinities at all
    }

    public static TheoryData<byte, float> E5M2 => new()
    {
        { 0x3C, 1f }, { 0x3E, 1.5f }, { 0xC0, -2f }, { 0x7B, 57344f }, { 0x01, P2(-16) }, { 0x04, P2(-14) },
        { 0x7C, float.PositiveInfinity }, { 0xFC, float.NegativeInfinity },
    };

    [Theory]
    [MemberData(nameof(E5M2))]
    public void Float8_e5m2_decodes_like_the_hand_table(byte b, float expected) =>
        Assert.Equal(expected, SafetensorsConvert.Float8E5M2ToSingle(b));

    [Fact]
    public void Float8_e5m2_has_nans_above_infinity() =>
        Assert.True(float.IsNaN(SafetensorsConvert.Float8E5M2ToSingle(0x7D)) && float.IsNaN(SafetensorsConvert.Float8E5M2ToSingle(0xFF)));

    [Theory]
    [InlineData(0x40, 1f)]
    [InlineData(0x7F, 240f)]
    [InlineData(0xC0, -1f)]
    [InlineData(0x00, 0f)]
    public void Float8_e4m3fnuz_uses_bias_8(byte b, float expected) =>
        Assert.Equal(expected, SafetensorsConvert.Float8E4M3FnuzToSingle(b));

    [Theory]
    [InlineData(0x40, 1f)]
    [InlineData(0x7F, 57344f)]
    [InlineData(0xBC, -0.5f)]
    public void Float8_e5m2fnuz_uses_bias_16(byte b, float expected) =>
        Assert.Equal(expected, SafetensorsConvert.Float8E5M2FnuzToSingle(b));

    [Fact]
    public void Fnuz_formats_have_one_nan_at_80_and_small_subnormals()
    {
        Assert.True(float.IsNaN(SafetensorsConvert.Float8E4M3FnuzToSingle(0x80)));
        Assert.True(float.IsNaN(SafetensorsConvert.Float8E5M2FnuzToSingle(0x80)));
        Assert.Equal(P2(-10), SafetensorsConvert.Float8E4M3FnuzToSingle(0x01));
        Assert.Equal(P2(-17), SafetensorsConvert.Float8E5M2FnuzToSingle(0x01));
    }

    [Theory]
    [InlineData(0x7F, 1f)]
    [InlineData(0x80, 2f)]
    [InlineData(0x7E, 0.5f)]
    [InlineData(0xFE, 1.7014118e38f)]
    public void Float8_e8m0_is_a_power_of_two(byte b, float expected) =>
        Assert.Equal(expected, SafetensorsConvert.Float8E8M0ToSingle(b));

    [Fact]
    public void Float8_e8m0_edges()
    {
        Assert.Equal(P2(-127), SafetensorsConvert.Float8E8M0ToSingle(0x00));
        Assert.True(float.IsNaN(SafetensorsConvert.Float8E8M0ToSingle(0xFF)));
    }

    [Theory]
    [InlineData(0x3F80, 1f)]
    [InlineData(0xC000, -2f)]
    [InlineData(0x4049, 3.140625f)]
    [InlineData(0x7F80, float.PositiveInfinity)]
    [InlineData(0x0080, 1.1754944e-38f)] // smallest normal, 2^-126
    public void Bfloat16_is_the_upper_half_of_a_float(ushort bits, float expected) =>
        Assert.Equal(expected, SafetensorsConvert.BFloat16ToSingle(bits));

    [Fact]
    public void Bfloat16_subnormal_and_nan()
    {
        Assert.Equal(P2(-133), SafetensorsConvert.BFloat16ToSingle(0x0001));
        Assert.True(float.IsNaN(SafetensorsConvert.BFloat16ToSingle(0x7FC0)));
    }

    [Theory]
    [InlineData((ushort)0x3C00, 1f)]
    [InlineData((ushort)0xC000, -2f)]
    [InlineData((ushort)0x7BFF, 65504f)]
    [InlineData((ushort)0x3555, 0.333251953125f)]
    [InlineData((ushort)0x7C00, float.PositiveInfinity)]
    public void Float16_file_values_decode_like_the_hand_table(ushort bits, float expected)
    {
        var bytes = Raw("""{"h":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}""", BitConverter.GetBytes(bits));
        WithMapped(bytes, f => Assert.Equal(expected, f.ReadAsFloat32("h")[0]));
    }

    [Fact]
    public void Float16_smallest_subnormal_is_2_pow_minus_24()
    {
        var bytes = Raw("""{"h":{"dtype":"F16","shape":[]  ,"data_offsets":[0,2]}}""", [0x01, 0x00]);
        WithMapped(bytes, f => Assert.Equal(P2(-24), f.ReadAsFloat32("h")[0]));
    }

    [Fact]
    public void Bfloat16_vector_and_tail_paths_agree_with_the_scalar_decode()
    {
        var rng = new Random(7);
        var raw = new byte[2 * 37]; // 37 = two 16-wide vectors + a 5-element tail
        rng.NextBytes(raw);
        var bytes = Raw("""{"b":{"dtype":"BF16","shape":[37],"data_offsets":[0,74]}}""", raw);
        WithMapped(bytes, f =>
        {
            float[] got = f.ReadAsFloat32("b");
            for (int i = 0; i < 37; i++)
                Assert.Equal(BitConverter.SingleToUInt32Bits(SafetensorsConvert.BFloat16ToSingle(BitConverter.ToUInt16(raw, 2 * i))),
                    BitConverter.SingleToUInt32Bits(got[i]));
        });
    }

    public static TheoryData<string, byte[], float[]> Integers => new()
    {
        { "BOOL", [0, 1, 2], [0, 1, 1] },
        { "U8", [0, 255, 7], [0, 255, 7] },
        { "I8", [0, 255, 128], [0, -1, -128] },
        { "I16", [0xFF, 0xFF, 0x00, 0x80], [-1, -32768] },
        { "U16", [0xFF, 0xFF, 0x00, 0x80], [65535, 32768] },
        { "I32", [0xFE, 0xFF, 0xFF, 0xFF], [-2] },
        { "U32", [0x01, 0x00, 0x01, 0x00], [65537] },
        { "I64", [0xFD, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [-3] },
        { "U64", [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], [18446744073709551615f] },
        { "F64", BitConverter.GetBytes(-0.1), [-0.1f] },
        { "F32", BitConverter.GetBytes(3.5f), [3.5f] },
        { "F8_E4M3", [0x38, 0x7E], [1, 448] },
        { "F8_E5M2", [0x3C], [1] },
    };

    [Theory]
    [MemberData(nameof(Integers))]
    public void ReadAsFloat32_decodes_each_convertible_dtype(string dtype, byte[] data, float[] expected)
    {
        int n = expected.Length;
        var bytes = Raw($$$"""{"t":{"dtype":"{{{dtype}}}","shape":[{{{n}}}],"data_offsets":[0,{{{data.Length}}}]}}""", data);
        WithMapped(bytes, f =>
        {
            Assert.Equal(expected, f.ReadAsFloat32("t"));
            var dst = new float[n];
            f.CopyAsFloat32("t", dst);
            Assert.Equal(expected, dst);
            Assert.Throws<R1SharpException>(() => f.CopyAsFloat32("t", new float[n + 1]));
        });
    }

    [Theory]
    [InlineData("F4", 1)]
    [InlineData("F6_E2M3", 3)]
    [InlineData("C64", 8)]
    public void Dtypes_without_a_float32_decode_throw_R1SharpException(string dtype, int bytes)
    {
        int n = dtype == "C64" ? 1 : 4 * bytes / (dtype == "F4" ? 2 : 3);
        var file = Raw($$$"""{"t":{"dtype":"{{{dtype}}}","shape":[{{{n}}}],"data_offsets":[0,{{{bytes}}}]}}""", new byte[bytes]);
        WithMapped(file, f =>
        {
            Assert.Equal(bytes, f.GetBytes("t").Length);
            var ex = Assert.Throws<R1SharpException>(() => f.ReadAsFloat32("t"));
            Assert.Contains("cannot be converted", ex.Message);
        });
    }
}
