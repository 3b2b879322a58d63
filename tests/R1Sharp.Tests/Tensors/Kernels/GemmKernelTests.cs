// The fp32 GEMM (MatMul.Gemm: prefill and rollout-sized batches) against a float64 reference and against its own
// arithmetic stated exactly (one FMA chain per output over k in order, then + bias), for row counts that fill 64-row
// blocks, leave a 32-lane block or a partial 64-lane one, output counts with a partial tile, and strided rows; and the
// lane-sum tree of the attention scores.
using R1Sharp.Tensors.Kernels;

namespace R1Sharp.Tests.Tensors.Kernels;

public sealed unsafe class GemmKernelTests
{
    private static float[] Random(Random rng, int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();

    [Theory]
    [InlineData(32, 256, 12, false)]   // one 32-lane block, one 12-output tile
    [InlineData(40, 300, 13, true)]    // a partial 64-lane block, a 6-output tile pair and one output over
    [InlineData(64, 256, 37, true)]
    [InlineData(65, 257, 18, false)]   // a full block and a 1-row block
    [InlineData(130, 320, 96, true)]   // two full blocks and a 2-row one
    public void Gemm_is_one_fma_chain_per_output_and_matches_a_float64_reference(int batch, int columns, int outputs, bool bias)
    {
        var rng = new Random(batch * 7 + columns);
        int xStride = columns + 5, yStride = outputs + 3;
        float[] w = Random(rng, outputs * columns), x = Random(rng, batch * xStride), b = Random(rng, outputs);
        var y = new float[batch * yStride];
        fixed (float* pw = w, px = x, py = y, pb = b)
            MatMul.Gemm(new WeightMatrix(pw, WeightFormat.F32, outputs, columns, bias ? pb : null), px, xStride, py, yStride, batch);
        for (int i = 0; i < batch; i++)
            for (int o = 0; o < outputs; o++)
            {
                float chain = 0f;
                double reference = bias ? b[o] : 0;
                for (int k = 0; k < columns; k++)
                {
                    chain = MathF.FusedMultiplyAdd(w[o * columns + k], x[i * xStride + k], chain);
                    reference += w[o * columns + k] * (double)x[i * xStride + k];
                }
                if (bias) chain += b[o];
                float got = y[i * yStride + o];
                Assert.Equal(BitConverter.SingleToInt32Bits(chain), BitConverter.SingleToInt32Bits(got));
                Assert.True(Math.Abs(got - reference) <= 1e-5 * Math.Sqrt(columns), $"row {i} output {o}: {got} vs {reference}");
            }
    }

    [Fact]
    public void Run_takes_the_gemm_from_32_rows_and_256_columns_and_a_rows_result_does_not_depend_on_its_batch()
    {
        Assert.False(MatMul.UsesGemm(31, 4096));
        Assert.False(MatMul.UsesGemm(4096, 255));
        Assert.True(MatMul.UsesGemm(32, 256));
        const int columns = 384, outputs = 50, batch = 100;
        var rng = new Random(5);
        float[] w = Random(rng, outputs * columns), x = Random(rng, batch * columns), b = Random(rng, outputs);
        var all = new float[batch * outputs];
        var part = new float[40 * outputs];
        fixed (float* pw = w, px = x, pb = b, pa = all, pp = part)
        {
            var matrix = new WeightMatrix(pw, WeightFormat.F32, outputs, columns, pb);
            MatMul.Run(matrix, px, columns, pa, outputs, batch);
            MatMul.Run(matrix, px + 60 * columns, columns, pp, outputs, 40); // rows 60..99 in a 40-row batch
        }
        Assert.Equal(all.AsSpan(60 * outputs).ToArray(), part);
    }

    [Fact]
    public void Sixteen_vectors_sum_lane_wise_into_one_in_the_stated_order()
    {
        var rng = new Random(2);
        var a = Enumerable.Range(0, 16).Select(_ => System.Runtime.Intrinsics.Vector512.Create(Random(rng, 16))).ToArray();
        var sum = DecodeOps.SumLanes16(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15]);
        for (int q = 0; q < 4; q++)
            for (int l = 0; l < 4; l++)
            {
                double expected = Enumerable.Range(0, 16).Sum(i => (double)a[4 * l + q][i]);
                Assert.True(Math.Abs(sum[4 * q + l] - expected) < 1e-5, $"lane {4 * q + l}: {sum[4 * q + l]} vs {expected}");
            }
    }
}
