// The managed decode kernels against float64 references: matrix–vector products (fp32 and bf16 weights, row counts
// that are not multiples of 4, inner sizes that are not multiples of the vector width, batches, bias), bf16 rounding
// against torch, RMSNorm, RoPE, SiLU·up, single-query attention with a validity mask, and the thread pool.
using R1Sharp.Tensors.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Tensors.Kernels;

public sealed unsafe class KernelTests
{
    private static float[] Random(Random rng, int n, double scale = 1) =>
        Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();

    [Theory]
    [InlineData(1, 1, 1, false)]
    [InlineData(7, 13, 1, true)]
    [InlineData(64, 96, 3, false)]
    [InlineData(33, 100, 2, true)]
    [InlineData(257, 896, 5, true)]
    [InlineData(36, 50, 9, true)]     // two 4×4 input blocks and one row over
    public void MatMul_matches_a_float64_reference_for_f32_and_bf16_weights(int rows, int columns, int batch, bool bias)
    {
        var rng = new Random(rows * 31 + columns);
        float[] w = Random(rng, rows * columns), x = Random(rng, batch * (columns + 3)), b = Random(rng, rows);
        ushort[] w16 = w.Select(Bf16.FromSingle).ToArray();
        foreach (var format in new[] { WeightFormat.F32, WeightFormat.Bf16 })
        {
            var y = new float[batch * (rows + 1)];
            fixed (float* pw = w, px = x, py = y, pb = b)
            fixed (ushort* pw16 = w16)
            {
                var matrix = new WeightMatrix(format == WeightFormat.F32 ? pw : pw16, format, rows, columns, bias ? pb : null);
                MatMul.Run(matrix, px, columns + 3, py, rows + 1, batch);
            }
            for (int i = 0; i < batch; i++)
                for (int r = 0; r < rows; r++)
                {
                    double expected = bias ? b[r] : 0;
                    for (int k = 0; k < columns; k++)
                        expected += (format == WeightFormat.F32 ? w[r * columns + k] : Bf16.ToSingle(w16[r * columns + k])) * (double)x[i * (columns + 3) + k];
                    Assert.True(Math.Abs(y[i * (rows + 1) + r] - expected) <= 1e-5 * Math.Max(1, Math.Sqrt(columns)),
                        $"{format} row {r} batch {i}: {y[i * (rows + 1) + r]} vs {expected}");
                }
        }
    }

    [Theory]
    [InlineData(WeightFormat.F32)]
    [InlineData(WeightFormat.Bf16)]
    public void A_rows_products_do_not_depend_on_the_batch_around_it(WeightFormat format)
    {
        const int rows = 37, columns = 83, batch = 11; // 4×4 blocks, leftover input rows, a leftover weight row, a tail
        var rng = new Random(17);
        float[] w = Random(rng, rows * columns), x = Random(rng, batch * columns), b = Random(rng, rows);
        ushort[] w16 = w.Select(Bf16.FromSingle).ToArray();
        var together = new float[batch * rows];
        var alone = new float[batch * rows];
        fixed (float* pw = w, px = x, pb = b, pt = together, pa = alone)
        fixed (ushort* pw16 = w16)
        {
            var matrix = new WeightMatrix(format == WeightFormat.F32 ? pw : pw16, format, rows, columns, pb);
            MatMul.Run(matrix, px, columns, pt, rows, batch);
            for (int i = 0; i < batch; i++) MatMul.Run(matrix, px + i * columns, columns, pa + i * rows, rows, 1);
        }
        Assert.Equal(alone, together);
    }

    [Fact]
    public void Bf16_rounding_equals_torch()
    {
        var rng = new Random(3);
        float[] values = [.. Random(rng, 4000, 1e3), 0f, -0f, 1f, float.MaxValue, float.Epsilon, float.PositiveInfinity, float.NegativeInfinity,
            BitConverter.Int32BitsToSingle(0x3F808000), BitConverter.Int32BitsToSingle(0x3F818000), BitConverter.Int32BitsToSingle(0x3F80C000)];
        using var t = tensor(values);
        using var rounded = t.to_type(ScalarType.BFloat16).to_type(ScalarType.Float32);
        float[] expected = rounded.data<float>().ToArray();
        for (int i = 0; i < values.Length; i++)
            Assert.Equal(BitConverter.SingleToInt32Bits(expected[i]), BitConverter.SingleToInt32Bits(Bf16.ToSingle(Bf16.FromSingle(values[i]))));
        Assert.True(float.IsNaN(Bf16.ToSingle(Bf16.FromSingle(float.NaN))));
    }

    [Fact]
    public void RmsNorm_rope_and_silu_follow_the_hf_formulas()
    {
        // RMSNorm: x = [3, 4], eps = 0, weight = [1, 2] → [3/√12.5, 8/√12.5].
        float[] x = [3, 4], w = [1, 2], y = new float[2];
        fixed (float* px = x, pw = w, py = y) DecodeOps.RmsNorm(px, pw, WeightFormat.F32, 2, 0f, py);
        Assert.Equal(3 / Math.Sqrt(12.5), y[0], 5);
        Assert.Equal(8 / Math.Sqrt(12.5), y[1], 5);

        // RoPE, dim 4, theta 10000: inverse frequencies [1, 0.01]; position 2 rotates (x0, x2) by 2 rad and (x1, x3) by 0.02.
        float[] v = [1, 2, 3, 4], cos = new float[4], sin = new float[4];
        fixed (float* pv = v, pc = cos, ps = sin)
        {
            DecodeOps.RopeTables(2, [1f, 0.01f], pc, ps);
            DecodeOps.Rope(pv, 1, 4, pc, ps);
        }
        Assert.Equal(1 * Math.Cos(2) - 3 * Math.Sin(2), v[0], 5);
        Assert.Equal(3 * Math.Cos(2) + 1 * Math.Sin(2), v[2], 5);
        Assert.Equal(2 * Math.Cos(0.02) - 4 * Math.Sin(0.02), v[1], 5);
        Assert.Equal(4 * Math.Cos(0.02) + 2 * Math.Sin(0.02), v[3], 5);

        var rng = new Random(4);
        float[] gate = Random(rng, 37, 8), up = Random(rng, 37), output = new float[37];
        fixed (float* g = gate, u = up, o = output) DecodeOps.SiluMul(g, u, o, 37);
        for (int i = 0; i < 37; i++) Assert.Equal(gate[i] / (1 + Math.Exp(-gate[i])) * up[i], output[i], 5);
    }

    [Theory]
    [InlineData(WeightFormat.F32, 16)]
    [InlineData(WeightFormat.Bf16, 16)]
    [InlineData(WeightFormat.F32, 24)]   // not a multiple of 16: the generic dot and axpy
    [InlineData(WeightFormat.Bf16, 48)]
    [InlineData(WeightFormat.F32, 64)]
    [InlineData(WeightFormat.Bf16, 64)]
    [InlineData(WeightFormat.F32, 128)]  // values in two 64-wide chunks
    [InlineData(WeightFormat.Bf16, 128)]
    [InlineData(WeightFormat.F32, 64, 37)] // 64 and 128: scores 16 slots at a time (two blocks and a tail)
    [InlineData(WeightFormat.Bf16, 64, 37)]
    [InlineData(WeightFormat.F32, 128, 37)]
    [InlineData(WeightFormat.Bf16, 128, 33)]
    public void Attention_matches_a_float64_softmax_and_skips_invalid_slots(WeightFormat format, int dim, int length = 7)
    {
        const int rows = 2, heads = 4, kvHeads = 2, capacity = 40;
        var rng = new Random(5);
        float[] q = Random(rng, rows * heads * dim), keys = Random(rng, rows * kvHeads * capacity * dim, 2), values = Random(rng, rows * kvHeads * capacity * dim);
        if (format == WeightFormat.Bf16)
        {
            keys = keys.Select(k => Bf16.ToSingle(Bf16.FromSingle(k))).ToArray();
            values = values.Select(k => Bf16.ToSingle(Bf16.FromSingle(k))).ToArray();
        }
        ushort[] k16 = keys.Select(Bf16.FromSingle).ToArray(), v16 = values.Select(Bf16.FromSingle).ToArray();
        bool[] valid = new bool[rows * capacity];
        for (int s = 0; s < capacity; s++) { valid[s] = true; valid[capacity + s] = s >= 3; } // row 1: 3 padding slots
        var output = new float[rows * heads * dim];
        fixed (float* pq = q, pk = keys, pv = values, po = output)
        fixed (ushort* pk16 = k16, pv16 = v16)
        fixed (bool* pvalid = valid)
        {
            var view = format == WeightFormat.F32
                ? new DecodeOps.CacheView(pk, pv, format, pvalid, kvHeads, capacity, dim, dim)
                : new DecodeOps.CacheView(pk16, pv16, format, pvalid, kvHeads, capacity, dim, dim);
            DecodeOps.Attention(pq, heads * dim, view, rows, heads, length, 0.25f, po, heads * dim);
        }
        for (int b = 0; b < rows; b++)
            for (int h = 0; h < heads; h++)
            {
                int kv = h / (heads / kvHeads);
                var slots = Enumerable.Range(0, length).Where(s => valid[b * capacity + s]).ToArray();
                double[] scores = slots.Select(s => 0.25 * Enumerable.Range(0, dim).Sum(d =>
                    (double)q[(b * heads + h) * dim + d] * keys[((b * kvHeads + kv) * capacity + s) * dim + d])).ToArray();
                double max = scores.Max();
                double[] p = scores.Select(s => Math.Exp(s - max)).ToArray();
                double sum = p.Sum();
                for (int d = 0; d < dim; d++)
                {
                    double expected = slots.Select((s, i) => p[i] / sum * values[((b * kvHeads + kv) * capacity + s) * dim + d]).Sum();
                    Assert.True(Math.Abs(output[(b * heads + h) * dim + d] - expected) < 1e-5, $"row {b} head {h} dim {d}");
                }
            }
    }

    [Fact]
    public void A_bf16_cache_attends_as_the_fp32_cache_of_its_values_bit_for_bit_over_any_split()
    {
        // Seven query heads per KV head over shared prompt slots and causal own lengths (a prefill chunk): the bf16 cache
        // (keys and values widened 64 slots at a time, shared by the seven heads) against an fp32 cache holding the same
        // values, and the queries split over 1, 2 and 3 threads by their slot counts.
        const int rows = 5, heads = 14, kvHeads = 2, dim = 64, capacity = 160, promptLength = 70;
        var rng = new Random(9);
        float[] Rounded(int n, double scale) => Random(rng, n, scale).Select(v => Bf16.ToSingle(Bf16.FromSingle(v))).ToArray();
        float[] q = Random(rng, rows * heads * dim), keys = Rounded(rows * kvHeads * capacity * dim, 2), values = Rounded(rows * kvHeads * capacity * dim, 1);
        float[] promptKeys = Rounded(kvHeads * capacity * dim, 2), promptValues = Rounded(kvHeads * capacity * dim, 1);
        ushort[] Bits(float[] a) => a.Select(Bf16.FromSingle).ToArray();
        ushort[] k16 = Bits(keys), v16 = Bits(values), pk16 = Bits(promptKeys), pv16 = Bits(promptValues);
        bool[] promptValid = Enumerable.Range(0, capacity).Select(s => s % 11 != 4).ToArray();
        int[] cacheRows = [0, 1, 2, 3, 4], lengths = [150, 1, 64, 65, 129], rowPrompt = [0, 0, 0, 0, 0];
        float[] Run(WeightFormat format, KernelPool pool)
        {
            var output = new float[rows * heads * dim];
            fixed (float* pq = q, pk = keys, pv = values, ppk = promptKeys, ppv = promptValues, po = output)
            fixed (ushort* k = k16, v = v16, pk2 = pk16, pv2 = pv16)
            fixed (bool* pvalid = promptValid)
            fixed (int* pr = cacheRows, pl = lengths, prp = rowPrompt)
            {
                bool f32 = format == WeightFormat.F32;
                var prompts = new DecodeOps.PromptView(f32 ? ppk : pk2, f32 ? ppv : pv2, pvalid, capacity, promptLength, prp);
                var view = new DecodeOps.CacheView(f32 ? pk : k, f32 ? pv : v, format, null, kvHeads, capacity, dim, dim, prompts);
                DecodeOps.Attention(pq, heads * dim, view, rows, heads, lengths.Max(), 0.125f, po, heads * dim, pool, pr, pl);
            }
            return output;
        }
        var expected = Run(WeightFormat.F32, new KernelPool(1));
        Assert.Equal(expected, Run(WeightFormat.Bf16, new KernelPool(1)));
        Assert.Equal(expected, Run(WeightFormat.Bf16, new KernelPool(2)));
        Assert.Equal(expected, Run(WeightFormat.Bf16, new KernelPool(3)));
        Assert.Equal(expected, Run(WeightFormat.F32, new KernelPool(3)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(37)]
    [InlineData(1000)]
    public void Softmax_matches_float64_and_gives_masked_slots_zero(int n)
    {
        var rng = new Random(n);
        float[] x = Random(rng, n, 30);
        for (int i = 1; i < n; i += 3) x[i] = float.NegativeInfinity;
        double max = x.Where(v => !float.IsNegativeInfinity(v)).Max();
        double[] e = x.Select(v => float.IsNegativeInfinity(v) ? 0 : Math.Exp(v - max)).ToArray();
        double sum = e.Sum();
        fixed (float* p = x) DecodeOps.Softmax(p, n);
        for (int i = 0; i < n; i++) Assert.True(Math.Abs(x[i] - e[i] / sum) < 1e-6, $"{i}: {x[i]} vs {e[i] / sum}");
    }

    [Fact]
    public void Pool_runs_every_part_once_and_reports_a_failing_part()
    {
        var pool = new KernelPool(3);
        for (int round = 0; round < 200; round++)
        {
            var seen = new int[3];
            pool.Run((part, parts) => { Assert.Equal(3, parts); Interlocked.Increment(ref seen[part]); });
            Assert.All(seen, count => Assert.Equal(1, count));
            if (round % 50 == 0) Thread.Sleep(5); // let the workers fall asleep and wake them again
        }
        var error = Assert.Throws<AggregateException>(() => pool.Run((part, _) => { if (part == 2) throw new InvalidOperationException("part 2"); }));
        Assert.Contains("part 2", error.InnerException!.Message);
        Assert.Equal((0, 4), KernelPool.Split(10, 0, 2, 4));
        Assert.Equal((4, 10), KernelPool.Split(10, 1, 2, 4));
    }
}
