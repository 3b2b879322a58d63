// Depth-1 MTP targets (DeepSeek-V3 report §2.2): position t learns token t+2; no target past the end, in padding, in
// the prompt, or across a packed example boundary.
using R1Sharp.Models.DeepSeekV3;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Models.DeepSeekV3;

public sealed class MtpTargetsTests
{
    static long[] Shift(long[] labels, long[]? positions = null)
    {
        using var l = tensor(labels).unsqueeze(0);
        using var p = positions is null ? null : tensor(positions).unsqueeze(0);
        using var m = MtpTargets.Labels(l, p);
        return m.data<long>().ToArray();
    }

    [Fact]
    public void Position_t_targets_token_t_plus_2_and_the_last_column_is_ignored()
    {
        // ids [1 5 6 7]: labels [5 6 7 −100] → MTP [6 7 −100 −100].
        Assert.Equal([6, 7, -100, -100], Shift([5, 6, 7, -100]));
    }

    [Fact]
    public void Prompt_and_padding_columns_stay_ignored()
    {
        // prompt 2 tokens, completion 2 tokens, 2 pads: labels [−100 c1 c2 −100 −100 −100].
        Assert.Equal([6, -100, -100, -100, -100, -100], Shift([-100, 6, -100, -100, -100, -100]));
        Assert.Equal([6, 7, -100, -100, -100, -100], Shift([-100, 6, 7, -100, -100, -100]));
    }

    [Fact]
    public void No_target_crosses_a_packed_example_boundary()
    {
        // examples [a b][c d e] packed: positions [0 1 0 1 2], labels [b −100 d e −100].
        // Without positions column 1 (b) would learn d from the other example.
        Assert.Equal([-100, 7, 8, -100, -100], Shift([5, -100, 7, 8, -100]));
        Assert.Equal([-100, -100, 8, -100, -100], Shift([5, -100, 7, 8, -100], [0, 1, 0, 1, 2]));
    }

    [Fact]
    public void Count_counts_targets_and_one_token_rows_have_none()
    {
        using var l = tensor(new long[] { 5, 6, 7, -100 }).unsqueeze(0);
        using var m = MtpTargets.Labels(l);
        Assert.Equal(2, MtpTargets.Count(m));
        using var one = tensor(new long[] { 5 }).unsqueeze(0);
        using var m1 = MtpTargets.Labels(one);
        Assert.Equal([-100L], m1.data<long>().ToArray());
    }
}
