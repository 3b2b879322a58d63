// Perplexity over a token stream in non-overlapping windows, as llama.cpp's tools/perplexity does by default:
// each window of N tokens starts with BOS (overwriting its first token) and only its second half is scored.
using R1Sharp.Models;
using static TorchSharp.torch;

namespace R1Sharp.Generation;

/// <summary>How <see cref="Perplexity.Compute"/> windows and scores the text.</summary>
public sealed record PerplexityOptions
{
    /// <summary>Window length N in tokens (llama.cpp -c). Default 512.</summary>
    public int Context { get; init; } = 512;

    /// <summary>
    /// True (default, llama.cpp): score only predictions of tokens N/2+1 … N−1 of each window, so every scored
    /// token sees at least N/2 tokens of context. False: score every token after the first.
    /// </summary>
    public bool ScoreSecondHalf { get; init; } = true;

    /// <summary>Throws a one-line <see cref="R1SharpException"/> for a window that cannot be scored.</summary>
    public PerplexityOptions Validate()
    {
        if (Context < 2) throw new R1SharpException($"--context must be >= 2 tokens, got {Context}");
        if (ScoreSecondHalf && Context < 4) throw new R1SharpException($"--context must be >= 4 tokens when scoring the second half, got {Context}");
        return this;
    }

    /// <summary>Index of the first logit row scored in a window (N/2 or 0).</summary>
    public int FirstScored => ScoreSecondHalf ? Context / 2 : 0;
}

/// <summary>Progress after one window.</summary>
/// <param name="Index">Window index (0-based).</param>
/// <param name="Count">Number of windows.</param>
/// <param name="Nll">Mean negative log-likelihood of this window's scored tokens (nats).</param>
/// <param name="RunningNll">Mean over every token scored so far.</param>
public readonly record struct PerplexityWindow(int Index, int Count, double Nll, double RunningNll)
{
    /// <summary>exp(RunningNll).</summary>
    public double RunningPerplexity => Math.Exp(RunningNll);
}

/// <summary>The outcome: mean NLL (nats per token) and perplexity = exp(mean NLL).</summary>
public sealed record PerplexityResult(double MeanNll, long ScoredTokens, int Windows, int Context, IReadOnlyList<double> WindowNll)
{
    /// <summary>exp(<see cref="MeanNll"/>).</summary>
    public double Perplexity => Math.Exp(MeanNll);
}

/// <summary>Perplexity of a model on a token stream (see file header).</summary>
public static class Perplexity
{
    /// <summary>
    /// Splits <paramref name="tokens"/> into ⌊count/N⌋ windows of N tokens (the remainder is not scored), sets
    /// each window's first token to <paramref name="bosId"/> when given (llama.cpp does this when the vocabulary
    /// adds BOS), runs one forward per window and sums −log p(token[j+1] | window[..j]) for j in
    /// [<see cref="PerplexityOptions.FirstScored"/>, N−1).
    /// </summary>
    /// <exception cref="R1SharpException">Fewer tokens than one window, or a window longer than the model's context.</exception>
    public static PerplexityResult Compute(DecoderModel model, IReadOnlyList<int> tokens, PerplexityOptions options, int? bosId = null,
        Action<PerplexityWindow>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        int n = options.Context;
        if (n > model.Config.MaxPositionEmbeddings)
            throw new R1SharpException($"--context {n} exceeds the model's max_position_embeddings {model.Config.MaxPositionEmbeddings}; use a smaller --context");
        int windows = tokens.Count / n;
        if (windows == 0)
            throw new R1SharpException($"the text has {tokens.Count} tokens, fewer than one window of --context {n}; use a longer file or a smaller --context");
        var perWindow = new double[windows];
        double total = 0;
        long scored = 0;
        int first = options.FirstScored;
        using var noGrad = no_grad();
        var window = new long[n];
        for (int w = 0; w < windows; w++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (int i = 0; i < n; i++) window[i] = tokens[w * n + i];
            if (bosId is int bos) window[0] = bos;
            double sum = WindowNll(model, window, first);
            int count = n - 1 - first;
            perWindow[w] = sum / count;
            total += sum;
            scored += count;
            progress?.Invoke(new PerplexityWindow(w, windows, perWindow[w], total / scored));
        }
        return new PerplexityResult(total / scored, scored, windows, n, perWindow);
    }

    /// <summary>Σ −log softmax(logits[j])[ids[j+1]] for j in [first, T−1), in float64, for one window (one forward, no cache).</summary>
    public static double WindowNll(DecoderModel model, long[] ids, int first)
    {
        using var scope = NewDisposeScope();
        int t = ids.Length;
        var device = model.model.embed_tokens.weight.device;
        var input = tensor(ids, new long[] { 1, t }).to(device);
        var logits = model.Forward(input);                                      // (1, T, V)
        var rows = logits[0].narrow(0, first, t - 1 - first).to(ScalarType.Float64);
        var logProbs = rows.log_softmax(-1);                                   // (T−1−first, V)
        var targets = input[0].narrow(0, first + 1, t - 1 - first).unsqueeze(1);
        return -logProbs.gather(1, targets).sum().item<double>();
    }
}
