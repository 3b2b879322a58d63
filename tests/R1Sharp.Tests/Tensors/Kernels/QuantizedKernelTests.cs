// Quantized matrices (int8: Q8_0's integers with an fp32 least-squares scale; int4: asymmetric d·u + m blocks of 32):
// hand-computed blocks, errors against llama.cpp's Q4_0 and Q4_1 rules, round trips within about half a step, outlier
// channels confined to their block, and the quantized matvec against a float64 product of the dequantized weights (its
// only extra error is the 15-bit rounding of the activations).
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
    public void Activations_round_to_int16_as_the_scalar_rule_with_ties_to_even()
    {
        // The vectorised rows (16 lanes, then a scalar tail) against round(x·32767/max|x|) in float arithmetic, for lengths
        // around the vector width; one row is built of exact halves (max 32767 → inverse 1, so 2.5 → 2 and −3.5 → −4).
        var rng = new Random(5);
        foreach (int n in new[] { 1, 15, 16, 17, 31, 32, 33, 896, 4864 + 3 })
        {
            var x = Random(rng, n, 3);
            if (n == 33) { for (int i = 0; i < n; i++) x[i] = i % 2 == 0 ? i + 0.5f : -(i + 0.5f); x[7] = 32767; }
            var q = new short[n];
            float scale;
            fixed (float* px = x) fixed (short* pq = q) scale = MatMul.QuantizeRow(px, n, pq);
            float amax = x.Max(MathF.Abs), expectedScale = amax / 32767, inverse = 1 / expectedScale;
            Assert.Equal(expectedScale, scale);
            Assert.Equal(x.Select(v => (short)MathF.Round(v * inverse)), q);
            if (n == 33) Assert.Equal([0, -2, 2, -4], q.Take(4).Select(v => (int)v));
        }
    }

    [Fact]
    public void Int8_blocks_take_q8_0_integers_and_the_least_squares_scale()
    {
        // max|w| = 31.75 → q = round(4·w): 127, 50.5 → 50 (ties to even), −1.5 → −2, −127; d = Σ w·q / Σ q².
        var w = new float[32];
        w[0] = 31.75f; w[1] = 12.625f; w[2] = -0.375f; w[3] = -31.75f;
        using var m = Quantize(w, 1, 32, QuantFormat.Int8);
        Assert.Equal([127, 50, -2, -127, 0], Enumerable.Range(0, 5).Select(i => m.Value(0, i)));
        double d = (31.75 * 127 * 2 + 12.625 * 50 + 0.375 * 2) / (127.0 * 127 * 2 + 50 * 50 + 4);
        Assert.Equal(d, m.Scales[0], 6);
    }

    [Fact]
    public void An_int4_block_of_two_values_takes_the_ends_of_the_grid_with_a_bf16_scale_and_an_offset_refit_for_it()
    {
        // −1 and 3, 16 of each: u = 0 and 15, d = 4/15 = 0.2667 → bf16 0.267578125 (1.0703125 · 2⁻²); m refit for that d:
        // (16·(−1) + 16·3 − d·16·15) / 32 = −1.0068359, in units of d/256: round(−963.24) = −963.
        var w = Enumerable.Range(0, 32).Select(i => i % 2 == 0 ? -1f : 3f).ToArray();
        using var m = Quantize(w, 1, 32, QuantFormat.Int4);
        Assert.Equal(Enumerable.Range(0, 32).Select(i => i % 2 == 0 ? 0 : 15), Enumerable.Range(0, 32).Select(i => m.Value(0, i)));
        Assert.Equal(0.267578125f, m.Scale(0, 0));
        Assert.Equal(-963, m.Int4Offsets[0]);
        Assert.Equal(0.267578125f * -963 / 256, m.Offset(0, 0), 7);
        Assert.Equal(15 * 0.267578125f + m.Offset(0, 0), m.Weight(0, 1), 6);
        Assert.Equal(m.Value(0, 0), m.Data[0] & 0xF);   // weight 0 in byte 0's low nibble
        Assert.Equal(m.Value(0, 16), m.Data[0] >> 4);   // weight 16 in its high nibble
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // one weight ×20, as in a block holding an outlier channel
    public void Int4_blocks_are_no_worse_than_the_q4_0_and_q4_1_rules_and_far_better_with_an_outlier(bool outlier)
    {
        var rng = new Random(2);
        double ourTotal = 0, q40Total = 0, q41Total = 0;
        for (int trial = 0; trial < 200; trial++)
        {
            var w = Random(rng, 32);
            if (outlier) w[rng.Next(32)] *= 20;
            using var m = Quantize(w, 1, 32, QuantFormat.Int4);
            // Q4_0: d = m / −8 for the signed value m of largest magnitude, q = min(15, ⌊w/d + 8.5⌋) − 8.
            float max = w.MaxBy(MathF.Abs), d0 = max / -8;
            double q40 = w.Sum(x => Math.Pow(x - (Math.Min(15, (int)(x / d0 + 8.5f)) - 8) * d0, 2));
            // Q4_1: d = (max − min) / 15, u = min(15, ⌊(w − min)/d + 0.5⌋), w ≈ d·u + min.
            float lo = w.Min(), d1 = (w.Max() - lo) / 15;
            double q41 = w.Sum(x => Math.Pow(x - (Math.Min(15, (int)((x - lo) / d1 + 0.5f)) * d1 + lo), 2));
            double ours = Enumerable.Range(0, 32).Sum(i => Math.Pow(w[i] - m.Weight(0, i), 2));
            // The least-squares fit covers both rules' integers; storing d in bf16 may cost up to ~1 % of a block's error.
            Assert.True(ours <= Math.Min(q40, q41) * 1.01, $"trial {trial}: {ours} vs Q4_0 {q40}, Q4_1 {q41}");
            (ourTotal, q40Total, q41Total) = (ourTotal + ours, q40Total + q40, q41Total + q41);
        }
        // A lopsided block spends its 16 levels on its own range: with an outlier, well under half of Q4_0's error.
        Assert.True(ourTotal < (outlier ? 0.5 : 1.0) * q40Total, $"{ourTotal} vs Q4_0 {q40Total}");
        Assert.True(ourTotal < 0.95 * q41Total, $"{ourTotal} vs Q4_1 {q41Total}");
    }

    [Theory]
    [InlineData(QuantFormat.Int8, 1.0 / 127)] // a step (the least-squares scale trades the largest error for the mean)
    [InlineData(QuantFormat.Int4, 0.1)]       // half a step of (max − min)/15 ≤ 2·max/15, and a little for the fit
    public void Round_trips_stay_within_a_step_of_their_own_block_maximum_so_an_outlier_costs_only_its_block(QuantFormat format, double bound)
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
                    Assert.True(Math.Abs(back[r * columns + i] - w[r * columns + i]) <= bound * max + 1e-7,
                        $"{format} ({r}, {i}): {back[r * columns + i]} vs {w[r * columns + i]}");
            }
    }

    [Theory]
    [InlineData(QuantFormat.Int8, 1, 32, 1)]
    [InlineData(QuantFormat.Int8, 7, 96, 3)]
    [InlineData(QuantFormat.Int8, 257, 896, 2)]
    [InlineData(QuantFormat.Int8, 5, 96, 9)]  // input rows four at a time (odd block count), one left over
    [InlineData(QuantFormat.Int8, 9, MatMul.LongRowColumns + 32, 2)] // long rows, four at a time, and a leftover row
    [InlineData(QuantFormat.Int4, 1, 32, 1)]
    [InlineData(QuantFormat.Int4, 9, 160, 3)]
    [InlineData(QuantFormat.Int4, 257, 896, 2)]
    [InlineData(QuantFormat.Int4, 5, 1056, 1)] // 17 block pairs: two steps of eight, then the odd pair
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

    [Theory]
    [InlineData(QuantFormat.Int8, 128)]
    [InlineData(QuantFormat.Int8, 160)]
    [InlineData(QuantFormat.Int4, 160)]
    public void A_rows_products_do_not_depend_on_the_batch_around_it(QuantFormat format, int columns)
    {
        const int rows = 6, batch = 11;
        var rng = new Random(columns);
        float[] w = Random(rng, rows * columns), x = Random(rng, batch * columns), bias = Random(rng, rows);
        using var m = Quantize(w, rows, columns, format);
        var together = new float[batch * rows];
        var alone = new float[batch * rows];
        fixed (float* px = x, pb = bias, pt = together, pa = alone)
        {
            MatMul.Run(m, pb, px, columns, pt, rows, batch);
            for (int b = 0; b < batch; b++) MatMul.Run(m, pb, px + b * columns, columns, pa + b * rows, rows, 1);
        }
        Assert.Equal(alone, together);
    }

    [Fact]
    public void Bf16_dequantization_rounds_the_fp32_values_like_the_scalar_conversion()
    {
        var rng = new Random(4);
        var w = Random(rng, 3 * 96, 5);
        using var m = Quantize(w, 3, 96, QuantFormat.Int4);
        var f32 = new float[3 * 96];
        var bf16 = new ushort[3 * 96];
        fixed (float* pf = f32) m.Dequantize(0, 3, pf);
        fixed (ushort* pb = bf16) m.Dequantize(0, 3, pb, WeightFormat.Bf16);
        Assert.Equal(f32.Select(Bf16.FromSingle), bf16);
        // The vectorised conversion on its own: ties to even, NaN kept, infinities, the scalar tail.
        float[] special = [.. Enumerable.Range(0, 40).Select(i => BitConverter.Int32BitsToSingle(0x3F808000 + (i << 16) + (i % 3 == 0 ? 0 : 1))),
            float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0f, 1e-40f];
        var converted = new ushort[special.Length];
        fixed (float* ps = special) fixed (ushort* pc = converted) DecodeOps.FromSingle(ps, special.Length, pc, WeightFormat.Bf16);
        Assert.Equal(special.Select(Bf16.FromSingle), converted);
    }

    [Fact]
    public void Columns_that_are_not_whole_blocks_are_refused()
    {
        var ex = Assert.Throws<ArgumentException>(() => Quantize(new float[40], 1, 40, QuantFormat.Int8));
        Assert.Contains("multiple of 32", ex.Message);
    }
}
