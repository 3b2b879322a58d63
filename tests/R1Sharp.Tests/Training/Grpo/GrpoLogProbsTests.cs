// SelectiveLogSoftmax equals log_softmax + gather (values and gradients, any chunking); entropy on known distributions.
using R1Sharp.Training.Grpo;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Training.Grpo;

public class GrpoLogProbsTests
{
    [Fact]
    public void Selective_log_softmax_of_a_two_token_vocabulary_is_hand_computable()
    {
        // logits [0, ln 3] → p = [1/4, 3/4].
        using var scope = NewDisposeScope();
        var logits = tensor(new[] { 0.0, Math.Log(3) }, [1, 1, 2], ScalarType.Float64);
        Assert.Equal(Math.Log(0.75), GrpoLoss.SelectiveLogSoftmax(logits, tensor(new long[] { 1 }, [1, 1])).item<double>(), 12);
        Assert.Equal(Math.Log(0.25), GrpoLoss.SelectiveLogSoftmax(logits, tensor(new long[] { 0 }, [1, 1])).item<double>(), 12);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]     // 6 rows → chunks of 4 and 2
    [InlineData(256)]
    public void Selective_log_softmax_equals_log_softmax_then_gather_in_value_and_gradient(int chunkRows)
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        var logits = (randn(2, 3, 11, float64) * 3).requires_grad_();
        var ids = randint(0, 11, [2, 3]);
        var reference = nn.functional.log_softmax(logits, 2).gather(2, ids.unsqueeze(2)).squeeze(2);
        var ours = GrpoLoss.SelectiveLogSoftmax(logits, ids, chunkRows);
        Assert.Equal(new long[] { 2, 3 }, ours.shape);
        Assert.True(allclose(reference, ours, 1e-12, 1e-12));
        var w = randn(2, 3, float64);
        var g1 = autograd.grad([(reference * w).sum()], [logits])[0];
        var g2 = autograd.grad([(ours * w).sum()], [logits])[0];
        Assert.True(allclose(g1, g2, 1e-12, 1e-12));
        using (no_grad())                                   // the no-autograd path (old/ref log-probs) agrees too
            Assert.True(allclose(reference.detach(), GrpoLoss.SelectiveLogSoftmax(logits, ids, chunkRows), 1e-12, 1e-12));
    }

    [Fact]
    public void Selective_log_softmax_rejects_mismatched_shapes()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => GrpoLoss.SelectiveLogSoftmax(zeros(2, 3, 5), zeros(2, 4, int64)));
        Assert.Throws<ArgumentException>(() => GrpoLoss.SelectiveLogSoftmax(zeros(6, 5), zeros(6, int64)));
        Assert.Throws<ArgumentOutOfRangeException>(() => GrpoLoss.SelectiveLogSoftmax(zeros(1, 1, 5), zeros(1, 1, int64), 0));
    }

    [Fact]
    public void Entropy_of_uniform_distributions_is_log_of_the_vocabulary()
    {
        // row 0: uniform over 4 → ln 4; row 1: one token dominates → ~0.
        using var scope = NewDisposeScope();
        var logits = tensor(new[] { 0.0, 0, 0, 0, 100, 0, 0, 0 }, [2, 1, 4], ScalarType.Float64);
        var h = GrpoLoss.PerTokenEntropy(logits, chunkRows: 1).data<double>().ToArray();
        Assert.Equal(Math.Log(4), h[0], 12);
        Assert.InRange(h[1], 0.0, 1e-12);
    }

    [Fact]
    public void Masked_entropy_averages_only_the_unmasked_positions()
    {
        // positions: uniform over 4 (ln 4), uniform over 2 of 4 (ln 2, masked out), uniform (ln 4).
        using var scope = NewDisposeScope();
        var logits = tensor(new[] { 0.0, 0, 0, 0, 0, 0, -1e9, -1e9, 1, 1, 1, 1 }, [1, 3, 4], ScalarType.Float64);
        Assert.Equal(Math.Log(4), GrpoLoss.Entropy(logits, tensor(new[] { 1.0, 0, 1 }, [1, 3])), 12);
        Assert.Equal((2 * Math.Log(4) + Math.Log(2)) / 3, GrpoLoss.Entropy(logits, ones(1, 3)), 12);
    }

    [Fact]
    public void Entropy_matches_the_unchunked_formula_on_random_logits()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var logits = randn(3, 5, 17, float64);
        var p = nn.functional.softmax(logits, 2);
        var reference = -(p * p.log()).sum(2);
        Assert.True(allclose(reference, GrpoLoss.PerTokenEntropy(logits, 4), 1e-12, 1e-12));
        var withGrad = logits.clone().requires_grad_();
        var h = GrpoLoss.PerTokenEntropy(withGrad, 4);
        Assert.True(allclose(reference, h.detach(), 1e-12, 1e-12));
        h.sum().backward();                                 // differentiable: an entropy bonus can use it
        Assert.NotNull(withGrad.grad);
    }
}
