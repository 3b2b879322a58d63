// Q4_K / Q5_K / Q6_K (and the Q4_1 / Q5_0 / Q5_1 fallbacks) decoding: one hand-built block each with values worked out from ggml's formulas, and random
// blocks bit-exact against ggml's own dequantize_row_q{4,5,6}_K (GgmlNative).
using System.Buffers.Binary;
using R1Sharp.Formats.Gguf;

namespace R1Sharp.Tests.Formats.Gguf;

public class GgmlKQuantsTests
{
    // Q4_K and Q5_K share the header: d = 1, dmin = 0.5, six-bit (scale, min) pairs in 12 bytes.
    private static byte[] KHeader(int blockBytes)
    {
        var b = new byte[blockBytes];
        BinaryPrimitives.WriteUInt16LittleEndian(b, 0x3C00);      // d = 1.0
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(2), 0x3800); // dmin = 0.5
        Span<byte> s = b.AsSpan(4, 12);
        s[0] = 2 | 0x40; // sub-block 0: scale 2; its top bits (1) become bits 4-5 of sub-block 4's scale
        s[4] = 4 | 0x80; // sub-block 0: min 4; top bits (2) → sub-block 4's min
        s[1] = 3;        // sub-block 1: scale 3
        s[5] = 1;        // sub-block 1: min 1
        s[8] = 0x21;     // sub-block 4: scale low nibble 1 → 1 | 1 << 4 = 17; min high nibble 2 → 2 | 2 << 4 = 34
        return b;
    }

    [Fact]
    public void Q4_K_block_decodes_per_ggml()
    {
        var b = KHeader(GgmlKQuants.Q4KBytes);
        b[16 + 0] = 0x75;  // element 0 ← 5 (sub-block 0), element 32 ← 7 (sub-block 1)
        b[16 + 64] = 0x03; // element 128 ← 3 (sub-block 4)
        var y = new float[256];
        GgmlKQuants.DequantizeQ4_K(b, y);
        Assert.Equal(2f * 5 - 0.5f * 4, y[0]);    // 8
        Assert.Equal(-2f, y[1]);                  // q = 0: −dmin·min
        Assert.Equal(3f * 7 - 0.5f * 1, y[32]);   // 20.5
        Assert.Equal(-0.5f, y[33]);
        Assert.Equal(17f * 3 - 0.5f * 34, y[128]); // 34
        Assert.Equal(-17f, y[129]);
        Assert.Equal(0f, y[64]);                  // sub-block 2: scale and min 0
    }

    [Fact]
    public void Q5_K_block_adds_the_fifth_bit_per_ggml()
    {
        var b = KHeader(GgmlKQuants.Q5KBytes);
        b[16 + 0] = 0x13;  // qh[0]: bit 0 → element 0, bit 1 → element 32, bit 4 → element 128 (+16 each)
        b[48 + 0] = 0x75;
        b[48 + 64] = 0x03;
        var y = new float[256];
        GgmlKQuants.DequantizeQ5_K(b, y);
        Assert.Equal(2f * (5 + 16) - 2f, y[0]);      // 40
        Assert.Equal(-2f, y[1]);
        Assert.Equal(3f * (7 + 16) - 0.5f, y[32]);   // 68.5
        Assert.Equal(17f * (3 + 16) - 17f, y[128]);  // 306
        Assert.Equal(-17f, y[129]);
    }

    [Fact]
    public void Q6_K_block_decodes_per_ggml()
    {
        var b = new byte[GgmlKQuants.Q6KBytes];
        b[0] = 0x21;  // ql[0]: element 0 low 4 bits 1, element 64 low bits 2
        b[32] = 0x43; // ql[32]: element 32 low bits 3, element 96 low bits 4
        b[128] = 0x4E; // qh[0]: high bits 2 (el. 0), 3 (el. 32), 0 (el. 64), 1 (el. 96)
        b[192] = 2; b[194] = unchecked((byte)-3); b[196] = 1; b[198] = 4; // int8 scales of elements 0-15, 32-, 64-, 96-
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(208), 0x3800); // d = 0.5
        var y = new float[256];
        GgmlKQuants.DequantizeQ6_K(b, y);
        Assert.Equal(0.5f * 2 * ((1 | 2 << 4) - 32), y[0]);   // 1
        Assert.Equal(0.5f * -3 * ((3 | 3 << 4) - 32), y[32]); // −28.5
        Assert.Equal(0.5f * 1 * (2 - 32), y[64]);             // −15
        Assert.Equal(0.5f * 4 * ((4 | 1 << 4) - 32), y[96]);  // −24
        Assert.Equal(0.5f * 2 * -32, y[1]);                   // q = 0 − 32
        Assert.Equal(0f, y[200]);                             // second half: scales 0
    }

    [Fact]
    public void Q5_0_block_takes_the_fifth_bit_from_the_u32_per_ggml()
    {
        var b = new byte[22];
        BinaryPrimitives.WriteUInt16LittleEndian(b, 0x3C00);              // d = 1
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(2), 1u | 1u << 16); // fifth bits of elements 0 and 16
        b[6] = 0x53;                                                      // element 0 ← 3, element 16 ← 5
        var y = new float[32];
        GgmlLegacyQuants.DequantizeQ5_0(b, y);
        Assert.Equal(3f + 16 - 16, y[0]);  // 3
        Assert.Equal(5f + 16 - 16, y[16]); // 5
        Assert.Equal(-16f, y[1]);          // nibble 0, bit clear
    }

    [Theory]
    [InlineData(GgmlType.Q8_0)]
    [InlineData(GgmlType.Q4_0)]
    [InlineData(GgmlType.Q4_1)]
    [InlineData(GgmlType.Q5_0)]
    [InlineData(GgmlType.Q5_1)]
    [InlineData(GgmlType.Q4_K)]
    [InlineData(GgmlType.Q5_K)]
    [InlineData(GgmlType.Q6_K)]
    public void Random_blocks_decode_bit_exact_with_ggml(GgmlType type)
    {
        const int blocks = 64;
        int size = GgmlTypes.TypeSize(type);
        var random = new Random(11);
        var bytes = new byte[blocks * size];
        random.NextBytes(bytes);
        for (int i = 0; i < blocks; i++)
        {
            // Finite f16 scales (exponent below 31), signs and magnitudes varied: d (and dmin / m where the type has one).
            int at = i * size + (type == GgmlType.Q6_K ? 208 : 0);
            for (int h = 0; h < (type is GgmlType.Q6_K or GgmlType.Q5_0 or GgmlType.Q8_0 or GgmlType.Q4_0 ? 1 : 2); h++)
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at + 2 * h), (ushort)(random.Next(0, 0x7800) | (random.Next(2) << 15)));
        }
        var ours = new float[blocks * GgmlTypes.BlockSize(type)];
        GgmlQuants.Decode(type, bytes, ours);
        float[] ggml = GgmlNative.Dequantize(type, bytes, ours.Length);
        int first = Enumerable.Range(0, ours.Length).FirstOrDefault(i => BitConverter.SingleToInt32Bits(ours[i]) != BitConverter.SingleToInt32Bits(ggml[i]), -1);
        Assert.True(first < 0, $"{type}: element {first}: ours {(first < 0 ? 0 : ours[first])}, ggml {(first < 0 ? 0 : ggml[first])}");
    }
}
