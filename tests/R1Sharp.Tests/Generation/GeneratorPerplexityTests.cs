// Perplexity: windows, llama.cpp's second-half scoring and BOS overwrite, checked against a direct
// log-softmax computation over full forwards written out in the test.
using R1Sharp.Generation;
using R1Sharp.Models;
using static R1Sharp.Tests.Generation.GeneratorTestKit;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Generation;

public class GeneratorPerplexityTests
{
    // Σ −log p(ids[j+1] | ids[..j]) for j in [first, T−1), through LogProbs on a plain full forward.
    static (double Sum, int Count) Direct(DecoderModel model, long[] ids, int first)
    {
        using var noGrad = no_grad();
        using var input = tensor(ids, new long[] { 1, ids.Length });
        using var logits = model.Forward(input);
        var rows = logits[0].data<float>().ToArray();
        int v = (int)logits.shape[2];
        double sum = 0;
        var row = new float[v];
        for (int j = first; j < ids.Length - 1; j++)
        {
            LogProbs.LogSoftmax(rows.AsSpan(j * v, v), row);
            sum -= row[ids[j + 1]];
        }
        return (sum, ids.Length - 1 - first);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Mean_nll_equals_a_direct_computation_over_the_windows(bool secondHalf)
    {
        using var model = RandomModel(seed: 12);
        var tokens = RandomPrompt(new Random(14), 3 * 10 + 7);  // 3 windows of 10; 7 tokens left over
        const int bos = 7;
        var result = Perplexity.Compute(model, tokens, new PerplexityOptions { Context = 10, ScoreSecondHalf = secondHalf }, bos);

        int first = secondHalf ? 5 : 0;
        double total = 0;
        int count = 0;
        for (int w = 0; w < 3; w++)
        {
            var window = tokens.Skip(w * 10).Take(10).Select(t => (long)t).ToArray();
            window[0] = bos;
            var (sum, n) = Direct(model, window, first);
            Assert.Equal(sum / n, result.WindowNll[w], 4);
            total += sum;
            count += n;
        }
        Assert.Equal((3, count), (result.Windows, (int)result.ScoredTokens));
        Assert.Equal(secondHalf ? 12 : 27, count);
        Assert.Equal(total / count, result.MeanNll, 4);
        Assert.Equal(Math.Exp(total / count), result.Perplexity, 3);
    }

    [Fact]
    public void Progress_reports_each_window_with_the_running_mean()
    {
        using var model = RandomModel(seed: 13);
        var seen = new List<PerplexityWindow>();
        var result = Perplexity.Compute(model, RandomPrompt(new Random(15), 24), new PerplexityOptions { Context = 8 }, null, seen.Add);
        Assert.Equal([0, 1, 2], seen.Select(p => p.Index));
        Assert.All(seen, p => Assert.Equal(3, p.Count));
        Assert.Equal(result.MeanNll, seen[^1].RunningNll, 9);
        Assert.Equal(seen[0].Nll, seen[0].RunningNll, 9);
    }

    [Fact]
    public void Too_short_a_text_or_too_long_a_window_is_a_one_line_error()
    {
        using var model = RandomModel(seed: 13, context: 64);
        var e = Assert.Throws<R1SharpException>(() => Perplexity.Compute(model, [1, 2, 3], new PerplexityOptions { Context = 8 }));
        Assert.Contains("fewer than one window of --context 8", e.Message);
        Assert.Throws<R1SharpException>(() => Perplexity.Compute(model, new int[200], new PerplexityOptions { Context = 128 }));
        Assert.Throws<R1SharpException>(() => Perplexity.Compute(model, new int[200], new PerplexityOptions { Context = 3 }));
    }
}
