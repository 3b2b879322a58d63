// The pure parts of data-parallel training (Training/Distributed, Training/Grpo/GrpoShards): row shares, all-reduce
// buckets, checksums, and that the ranks' rescaled GRPO losses add up to the one-process loss for every loss_type.
using R1Sharp.Training.Distributed;
using R1Sharp.Training.Grpo;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Training.Distributed;

public class DataParallelMathTests
{
    [Theory]
    [InlineData(5, 2, new[] { 0, 3, 3, 2 })]
    [InlineData(1, 2, new[] { 0, 1, 1, 0 })]
    [InlineData(6, 3, new[] { 0, 2, 2, 2, 4, 2 })]
    public void Row_shares_are_contiguous_and_balanced(int rows, int size, int[] expected)
    {
        for (int r = 0; r < size; r++)
            Assert.Equal((expected[2 * r], expected[2 * r + 1]), RowShares.Of(rows, r, size));
    }

    [Fact]
    public void Buckets_group_consecutive_parameters_under_the_cap()
    {
        var buckets = GradientBuckets.Plan([3, 4, 2, 9], 6);
        Assert.Equal([new GradientBucket(0, 1, 3), new GradientBucket(1, 2, 6), new GradientBucket(3, 1, 9)], buckets);
        Assert.Empty(GradientBuckets.Plan([], 6));
        Assert.Equal([new GradientBucket(0, 3, 3)], GradientBuckets.Plan([1, 1, 1], 100));
    }

    [Fact]
    public void Checksum_is_fnv1a_64_of_the_values_bytes()
    {
        Assert.Equal(0xcbf29ce484222325UL, ParameterChecksum.Fnv1a([]));
        Assert.Equal(0xaf63dc4c8601ec8cUL, ParameterChecksum.Fnv1a("a"u8));
        using var a = tensor(new float[] { 1, 2, 3 });
        using var b = tensor(new float[] { 1, 2, 3.0000002f });
        Assert.Equal(ParameterChecksum.Of(a), ParameterChecksum.Of(a.clone()));
        Assert.NotEqual(ParameterChecksum.Of(a), ParameterChecksum.Of(b));
    }

    [Theory]
    [InlineData(LossType.Grpo, 3, 5, 4, 10, 0.6)]
    [InlineData(LossType.DrGrpo, 2, 5, 4, 10, 0.4)]
    [InlineData(LossType.Bnpo, 3, 5, 3, 10, 0.3)]
    [InlineData(LossType.Bnpo, 1, 5, 0, 10, 0.1)]
    [InlineData(LossType.Dapo, 3, 5, 3, 10, 1.0)]
    public void Loss_scale_by_loss_type(LossType type, int shareRows, int rows, int shareTokens, int tokens, double expected) =>
        Assert.Equal(expected, GrpoShards.LossScale(type, shareRows, rows, shareTokens, tokens), 12);

    [Theory]
    [InlineData(LossType.Grpo, 2)]
    [InlineData(LossType.Bnpo, 2)]
    [InlineData(LossType.DrGrpo, 3)]
    [InlineData(LossType.Dapo, 3)]
    [InlineData(LossType.Bnpo, 6)]
    public void Ranks_rescaled_losses_add_up_to_the_one_process_loss(LossType type, int size)
    {
        // 5 rows of per-token losses with ragged masks (row 3 fully masked); over `size` ranks (6 > 5 rows: one rank empty).
        var values = new float[] { 0.5f, -1, 2, 0, 1.5f, 0.25f, 3, -2, 1, 1, 0.75f, 0.5f, -0.5f, 2, 4, 1, 1, 1, 1, 1 };
        var maskValues = new float[] { 1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0 };
        using var loss = tensor(values, [5, 4]);
        using var mask = tensor(maskValues, [5, 4]);
        int tokens = (int)maskValues.Sum();
        double whole = GrpoLoss.Aggregate(loss, mask, type, 4, tokens, 2).item<float>();
        double sum = 0;
        for (int r = 0; r < size; r++)
        {
            var (start, count) = RowShares.Of(5, r, size);
            if (count == 0) continue;
            using var l = loss.narrow(0, start, count);
            using var m = mask.narrow(0, start, count);
            int shareTokens = (int)m.sum().item<float>();
            sum += GrpoLoss.Aggregate(l, m, type, 4, tokens, 2).item<float>() * GrpoShards.LossScale(type, count, 5, shareTokens, tokens);
        }
        Assert.Equal(whole, sum, 5);
    }
}
