// Quantized matrices (int8 / int4 blocks of 32, llama.cpp's Q8_0 / Q4_0 rounding with fp32 scales): hand-computed
// blocks, round trips within half a step, outlier channels confined to their block, and the quantized matvec against
// a float64 product of the dequantized weights (its only extra error is the 15-bit rounding of the activations).
using R1Sharp.Tensors.Kernels;

namespace R1Sharp.Tests.Tensors.Kernels;

public sealed unsafe class QuantizedKernelTests
{
    private static float[] Random(Random rng, int n, double scale = 1) =>
        Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();

    private static QuantizedMatrix Quantize(float[] w, int rows, int columns, QuantFormat format)
    {
        fixed (float* p = w) return QuantizedMatrix.Quantize(p, WeightFormat.F32, rows, columns, format);
    }

    [Fact]
    public void Int8_blocks_follow_q8_0_rounding()
    {
        // max|w| = 31.75 → d = 0.25; 12.625 / 0.25 = 50.5 rounds away from zero to 51; −0.375 / 0.25 = −1.5 → −2.
        var w = new float[32];
        w[0] = 31.75f; w[1] = 12.625f; w[2] = -0.375f; w[3] = -31.75f;
        using var m = Quantize(w, 1, 32, QuantFormat.Int8);
        Assert.Equal(0.25f, m.Scales[0]);
        Assert.Equal([127, 51, -2, -127, 0], Enumerable.Range(0, 5).Select(i => m.Value(0, i)));
    }

    [Fact]
    public void Int4_blocks_follow_q4_0_rounding_and_nibble_order()
    {
        // The largest magnitude is −1.6 → d = −1.6 / −8 = 0.2; q = min(15, ⌊w/d + 8.5⌋) − 8: −1.6 → −8, 0.5 → 2
        // (⌊2.5 + 8.5⌋ = 11), 1.5 → 7 (⌊7.5 + 8.5⌋ = 16, clamped to 15); weight 16 sits in byte 0's high nibble.
        var w = new float[32];
        w[0] = -1.6f; w[1] = 0.5f; w[2] = 1.5f; w[16] = 0.2f;
        using var m = Quantize(w, 1, 32, QuantFormat.Int4);
        Assert.Equal(0.2f, m.Scales[0], 6);
        Assert.Equal([-8, 3, 7], new[] { m.Value(0, 0), m.Value(0, 1), m.Value(0, 2) });
        Assert.Equal(1, m.Value(0, 16));
        Assert.Equal(0, m.Data[0] & 0xF);          // −8 + 8
        Assert.Equal(9, m.Data[0] >> 4);           // 1 + 8
    }

    [Theory]
    [InlineData(QuantFormat.Int8, 0.5 / 127)]
    [InlineData(QuantFormat.Int4, 1.0 / 8)] // a full step: +max clamps from 8 to 7 steps when the extreme is negative
    public void Round_trips_stay_within_a_step_of_their_own_block_maximum_so_an_outlier_costs_only_its_block(QuantFormat format, double halfStep)
    {
        const int rows = 5, columns = 128;
        var rng = new Random(3);
        var w = Random(rng, rows * columns);
        for (int r = 0; r < rows; r++) w[r * columns + 70] *= 20; // an outlier input channel, in block 2
        using var m = Quantize(w, rows, columns, format);
        var back = new float[rows * columns];
        fixed (float* p = back) m.Dequantize(0, rows, p);
        for (int r = 0; r < rows; r++)
            for (int b = 0; b < columns / 32; b++)
            {
                double max = Enumerable.Range(b * 32, 32).Max(i => Math.Abs(w[r * columns + i]));
                for (int i = b * 32; i < b * 32 + 32; i++)
                    Assert.True(Math.Abs(back[r * columns + i] - w[r * columns + i]) <= halfStep * max * 1.0001 + 1e-7,
                        $"{format} ({r}, {i}): {back[r * columns + i]} vs {w[r * columns + i]}");
            }
    }

    [Theory]
    [InlineData(QuantFormat.Int8, 1, 32, 1)]
    [InlineData(QuantFormat.Int8, 7, 96, 3)]
    [InlineData(QuantFormat.Int8, 257, 896, 2)]
    [InlineData(QuantFormat.Int4, 1, 32, 1)]
    [InlineData(QuantFormat.Int4, 9, 160, 3)]
    [InlineData(QuantFormat.Int4, 257, 896, 2)]
    public void Quantized_matvec_matches_a_float64_product_of_the_dequantized_weights(QuantFormat format, int rows, int columns, int batch)
    {
        var rng = new Random(rows + columns);
        float[] w = Random(rng, rows * columns), x = Random(rng, batch * (columns + 5), 3), bias = Random(rng, rows);
        x[7] = 40; // an activation outlier: the 15-bit row scale still resolves the rest
        using var m = Quantize(w, rows, columns, format);
        var dq = new float[rows * columns];
        var y = new float[batch * (rows + 2)];
        fixed (float* pdq = dq, px = x, py = y, pb = bias)
        {
            m.Dequantize(0, rows, pdq);
            MatMul.Run(m, pb, px, columns + 5, py, rows + 2, batch);
        }
        for (int b = 0; b < batch; b++)
        {
            double xmax = Enumerable.Range(0, columns).Max(i => Math.Abs(x[b * (columns + 5) + i]));
            for (int r = 0; r < rows; r++)
            {
                double expected = bias[r], bound = 0;
                for (int i = 0; i < columns; i++)
                {
                    expected += dq[r * columns + i] * (double)x[b * (columns + 5) + i];
                    bound += Math.Abs(dq[r * columns + i]);
                }
                bound = bound * xmax / 32767 + 1e-4 * Math.Max(1, Math.Abs(expected)); // half a step of x per weight, plus fp32 sums
                Assert.True(Math.Abs(y[b * (rows + 2) + r] - expected) <= bound, $"{format} ({b}, {r}): {y[b * (rows + 2) + r]} vs {expected}");
            }
        }
    }

    [Fact]
    public void Columns_that_are_not_whole_blocks_are_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => Quantize(new float[40], 1, 40, QuantFormat.Int8));
        Assert.Contains("multiple of 32", ex.Message);
    }
}
