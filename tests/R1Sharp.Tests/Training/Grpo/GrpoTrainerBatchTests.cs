// Layout of GRPO micro-batches and the loss mask: forced tokens, tokens after EOS and (optionally) truncated
// completions carry no loss — checked on the mask and on the gradient that reaches the log-probs.
using R1Sharp.Generation;
using R1Sharp.Training.Grpo;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Training.Grpo;

public sealed class GrpoTrainerBatchTests
{
    private const int Eos = 9;

    [Theory]
    [InlineData(new[] { 5, 6, 9 }, new[] { false, false, false }, FinishReason.Stop, false, "111")]
    [InlineData(new[] { 5, 6, 9, 7 }, new[] { false, false, false, false }, FinishReason.Stop, false, "1110")]    // after EOS
    [InlineData(new[] { 5, 6, 7, 9 }, new[] { false, true, true, false }, FinishReason.Stop, false, "1001")]       // forced
    [InlineData(new[] { 5, 6, 7 }, new[] { false, false, false }, FinishReason.Length, false, "111")]
    [InlineData(new[] { 5, 6, 7 }, new[] { false, false, false }, FinishReason.Length, true, "000")]               // truncated
    [InlineData(new[] { 5, 6, 9 }, new[] { false, false, false }, FinishReason.Stop, true, "111")]
    [InlineData(new[] { 5, 6, 7 }, new[] { false, false, false }, FinishReason.Loop, true, "000")]
    public void Completion_mask_drops_forced_after_eos_and_truncated_tokens(int[] tokens, bool[] forced, FinishReason finish,
        bool maskTruncated, string expected)
    {
        var mask = GrpoBatch.CompletionMask(tokens, forced, finish, [Eos], maskTruncated);
        Assert.Equal(expected, string.Concat(mask.Select(m => m ? '1' : '0')));
    }

    [Fact]
    public void Build_left_pads_prompts_so_completions_start_at_one_column()
    {
        var samples = new[]
        {
            new GrpoSample([1, 2, 3], [4, 5], [true, false], 0.5),
            new GrpoSample([7], [8, 9, 10], [true, true, true], -1.0),
        };
        using var mb = GrpoBatch.Build(samples);
        Assert.Equal(3, mb.PromptLength);
        Assert.Equal(3, mb.CompletionLength);
        Assert.Equal(new long[] { 1, 2, 3, 4, 5, 0, 0, 0, 7, 8, 9, 10 }, mb.InputIds.data<long>().ToArray());
        Assert.Equal(new long[] { 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1 }, mb.AttentionMask.data<long>().ToArray());
        Assert.Equal(new long[] { 0, 1, 2, 3, 4, 0, 0, 0, 0, 1, 2, 3 }, mb.Positions.data<long>().ToArray());
        Assert.Equal(new long[] { 4, 5, 0, 8, 9, 10 }, mb.CompletionIds.data<long>().ToArray());
        Assert.Equal(new float[] { 1, 0, 0, 1, 1, 1 }, mb.CompletionMask.data<float>().ToArray());
        Assert.Equal(4, mb.MaskedTokens);
        Assert.Equal(new float[] { 0.5f, -1f }, mb.Advantages.data<float>().ToArray());
    }

    [Theory]
    [InlineData(LossType.Grpo)]
    [InlineData(LossType.Bnpo)]
    [InlineData(LossType.DrGrpo)]
    [InlineData(LossType.Dapo)]
    public void Masked_tokens_get_no_gradient_whatever_the_loss_type(LossType lossType)
    {
        var forced = new[] { false, true, false, false };
        var samples = new[]
        {
            new GrpoSample([1], [5, 6, 7, Eos], GrpoBatch.CompletionMask([5, 6, 7, Eos], forced, FinishReason.Stop, [Eos], true), 1.0),
            new GrpoSample([1], [5, Eos, 7, 8], GrpoBatch.CompletionMask([5, Eos, 7, 8], new bool[4], FinishReason.Stop, [Eos], true), -1.0),
            new GrpoSample([1], [5, 6, 7, 8], GrpoBatch.CompletionMask([5, 6, 7, 8], new bool[4], FinishReason.Length, [Eos], true), 1.0),
        };
        using var mb = GrpoBatch.Build(samples);
        using var logp = full(new long[] { 3, 4 }, -1.0f).requires_grad_(true);
        var old = logp.detach() - 0.05;                         // ρ ≠ 1, inside the clip range
        var perToken = GrpoLoss.PerToken(logp, old, null, mb.Advantages, mb.CompletionMask, 0.2, 0.2, 0.0);
        GrpoLoss.Aggregate(perToken.Loss, mb.CompletionMask, lossType, 4, mb.MaskedTokens).backward();
        var grad = logp.grad!.data<float>().ToArray();
        var expectNonZero = new[] { 1, 0, 1, 1, /* after EOS */ 1, 1, 0, 0, /* truncated */ 0, 0, 0, 0 };
        for (int i = 0; i < grad.Length; i++)
            Assert.True((grad[i] != 0) == (expectNonZero[i] == 1), $"position {i}: gradient {grad[i]}");
    }
}
