// Hand-computed tables for the F16 / BF16 / Q8_0 / Q4_0 encoders (ggml reference semantics, gguf-py quants.py).
using R1Sharp.Formats.Gguf;

namespace R1Sharp.Tests.Formats.Gguf;

public class GgmlQuantsTests
{
    [Theory]
    [InlineData(1.0f, 0x3C00)]
    [InlineData(-0.0f, 0x8000)]
    [InlineData(65504f, 0x7BFF)]          // largest finite half
    [InlineData(65519f, 0x7BFF)]          // below the halfway point to 65536
    [InlineData(65520f, 0x7C00)]          // tie between 65504 and "65536": even mantissa is infinity
    [InlineData(1.00048828125f, 0x3C00)]  // 1 + 2^-11: tie, rounds to even 1.0
    [InlineData(1.00146484375f, 0x3C02)]  // 1 + 3·2^-11: tie between 0x3C01 (odd) and 0x3C02
    [InlineData(5.9604645e-8f, 0x0001)]   // 2^-24, smallest subnormal
    [InlineData(2.9802322e-8f, 0x0000)]   // 2^-25: tie with 0, rounds to even 0
    public void F16_rounds_to_nearest_even(float x, int bits)
    {
        Assert.Equal((ushort)bits, GgmlQuants.ToF16Bits(x));
    }

    [Fact]
    public void F16_fast_path_equals_the_Half_cast_for_random_bit_patterns()
    {
        var rng = new Random(99);
        for (int i = 0; i < 2_000_000; i++)
        {
            float x = BitConverter.UInt32BitsToSingle((uint)rng.NextInt64(0, 1L << 32));
            Assert.Equal(BitConverter.HalfToUInt16Bits((Half)x), GgmlQuants.ToF16Bits(x));
        }
        // every float that rounds into the half subnormal / normal boundary region, exhaustively
        for (uint b = 0x32000000; b < 0x39000000; b += 7)
        {
            float x = BitConverter.UInt32BitsToSingle(b);
            Assert.Equal(BitConverter.HalfToUInt16Bits((Half)x), GgmlQuants.ToF16Bits(x));
        }
    }

    [Theory]
    [InlineData(0x3F800000u, 0x3F80)] // 1.0
    [InlineData(0x3F808000u, 0x3F80)] // tie, lower half even
    [InlineData(0x3F818000u, 0x3F82)] // tie, lower half odd: rounds up to even
    [InlineData(0x3F808001u, 0x3F81)] // just above the tie
    [InlineData(0x3F807FFFu, 0x3F80)] // just below the tie
    [InlineData(0x7F7FFFFFu, 0x7F80)] // float max rounds to infinity
    [InlineData(0x80000000u, 0x8000)] // -0
    [InlineData(0x7FC00000u, 0x7FC0)] // quiet NaN stays
    [InlineData(0x7F800001u, 0x7FC0)] // signalling NaN is made quiet, not rounded to infinity
    [InlineData(0xFFFFFFFFu, 0xFFFF)] // NaN with all bits set does not carry into the sign
    public void BF16_rounds_to_nearest_even_and_keeps_NaN(uint floatBits, int bits)
    {
        Assert.Equal((ushort)bits, GgmlQuants.ToBF16Bits(BitConverter.UInt32BitsToSingle(floatBits)));
    }

    [Fact]
    public void BF16_and_F16_decode_exactly()
    {
        Assert.Equal(1.0f, GgmlQuants.FromBF16Bits(0x3F80));
        Assert.Equal(-2.0f, GgmlQuants.FromBF16Bits(0xC000));
        Assert.Equal(0.00787353515625f, GgmlQuants.FromF16Bits(0x2008));
        Assert.Equal(65504f, GgmlQuants.FromF16Bits(0x7BFF));
    }

    [Fact]
    public void Q8_0_matches_hand_computed_blocks()
    {
        var x = new float[96];
        // Block 0: max |x| = 127 so d = 1; roundf rounds halves away from zero (np.round would give -64→-64, 2.5→2).
        x[0] = 127f; x[1] = -63.5f; x[2] = 0.5f; x[3] = -0.5f; x[4] = 1.49f; x[5] = 2.5f;
        // Block 1: all zero → d = 0, q = 0 (no division by zero).
        // Block 2: max magnitude is negative: -254 → d = 2, q = -127; 100 → 50.
        x[64] = -254f; x[65] = 100f; x[66] = 1f;
        var y = new byte[3 * 34];
        GgmlQuants.QuantizeQ8_0(x, y);

        var expected = new byte[3 * 34];
        expected[0] = 0x00; expected[1] = 0x3C; // f16 1.0
        byte[] q0 = [0x7F, 0xC0, 0x01, 0xFF, 0x01, 0x03];
        q0.CopyTo(expected, 2);
        expected[68] = 0x00; expected[69] = 0x40; // f16 2.0
        expected[70] = 0x81; expected[71] = 50; expected[72] = 0x01; // 1/2 = 0.5 rounds away to 1
        Assert.Equal(expected, y);
    }

    [Fact]
    public void Q8_0_scale_is_stored_as_f16_of_max_over_127()
    {
        var x = new float[32];
        x[0] = 1f; x[1] = 0.25f; x[2] = -0.25f;
        var y = new byte[34];
        GgmlQuants.QuantizeQ8_0(x, y);
        Assert.Equal(0x08, y[0]); Assert.Equal(0x20, y[1]); // f16(1/127) = 0x2008 = 0.00787353515625
        Assert.Equal(127, (sbyte)y[2]);
        Assert.Equal(32, (sbyte)y[3]);  // 0.25·127 = 31.75 → 32
        Assert.Equal(-32, (sbyte)y[4]);
        var back = new float[32];
        GgmlQuants.DequantizeQ8_0(y, back);
        Assert.Equal(127 * 0.00787353515625f, back[0]);
        Assert.Equal(32 * 0.00787353515625f, back[1]);
        Assert.Equal(0f, back[5]);
    }

    [Fact]
    public void Q8_0_dequantised_error_is_within_half_a_step()
    {
        var rng = new Random(1234);
        var x = new float[32 * 64];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1) * (1 + i / 32);
        var y = new byte[64 * 34];
        GgmlQuants.QuantizeQ8_0(x, y);
        var back = new float[x.Length];
        GgmlQuants.DequantizeQ8_0(y, back);
        for (int b = 0; b < 64; b++)
        {
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = Math.Max(amax, Math.Abs(x[b * 32 + j]));
            float d = amax / 127f;
            // half a quantisation step, plus 127 steps times the f16 relative error (2^-11) of d.
            float bound = d * 0.5f + 127f * d * (1f / 2048f) + 1e-7f;
            for (int j = 0; j < 32; j++) Assert.InRange(Math.Abs(back[b * 32 + j] - x[b * 32 + j]), 0f, bound);
        }
    }

    [Fact]
    public void Q4_0_matches_hand_computed_block()
    {
        var x = new float[32];
        x[0] = -8f;  // first largest |x|: d = -8 / -8 = 1
        x[1] = 8f;   // same |x| later: not chosen; 8 + 8.5 = 16.5 → 16 → clipped to 15
        x[16] = 7f;  // 15.5 → 15
        x[17] = 1.4f; // 9.9 → 9
        var y = new byte[18];
        GgmlQuants.QuantizeQ4_0(x, y);
        byte[] expected = new byte[18];
        expected[0] = 0x00; expected[1] = 0x3C;
        expected[2] = 0xF0; // q0 = 0 (low), q16 = 15 (high)
        expected[3] = 0x9F; // q1 = 15, q17 = 9
        for (int j = 4; j < 18; j++) expected[j] = 0x88; // zeros → 8
        Assert.Equal(expected, y);
        var back = new float[32];
        GgmlQuants.DequantizeQ4_0(y, back);
        Assert.Equal(-8f, back[0]);
        Assert.Equal(7f, back[1]);
        Assert.Equal(7f, back[16]);
        Assert.Equal(1f, back[17]);
        Assert.Equal(0f, back[2]);
    }

    [Fact]
    public void Block_types_refuse_lengths_that_are_not_whole_blocks()
    {
        Assert.Throws<ArgumentException>(() => GgmlQuants.QuantizeQ8_0(new float[33], new byte[68]));
    }

    [Theory]
    [InlineData(GgmlType.F32, 1, 4)]
    [InlineData(GgmlType.F16, 1, 2)]
    [InlineData(GgmlType.BF16, 1, 2)]
    [InlineData(GgmlType.Q8_0, 32, 34)]
    [InlineData(GgmlType.Q4_0, 32, 18)]
    [InlineData(GgmlType.Q4_K, 256, 144)]
    [InlineData(GgmlType.Q6_K, 256, 210)]
    public void Type_sizes_follow_ggml(GgmlType type, int block, int size)
    {
        Assert.Equal(block, GgmlTypes.BlockSize(type));
        Assert.Equal(size, GgmlTypes.TypeSize(type));
    }

    [Fact]
    public void WithFallback_uses_F16_when_the_row_is_not_whole_blocks()
    {
        Assert.Equal(GgmlType.Q8_0, GgmlTypes.WithFallback(GgmlType.Q8_0, 1536));
        Assert.Equal(GgmlType.F16, GgmlTypes.WithFallback(GgmlType.Q8_0, 100));
        Assert.Equal(GgmlType.F32, GgmlTypes.WithFallback(GgmlType.F32, 7));
        Assert.Equal(3 * 34L, GgmlTypes.ByteCount(GgmlType.Q8_0, [32, 3]));
    }
}
