// Per-token log-probabilities of an answer as the OpenAI API reports them (choices[].logprobs.content[]: token,
// logprob, bytes, top_logprobs), recorded by the generator when GenerationOptions.TopLogProbs is set.
namespace R1Sharp.Generation;

/// <summary>One candidate token and its log-probability.</summary>
/// <param name="Token">Token id.</param>
/// <param name="LogProb">log π(token) under the sampling distribution (see <see cref="SamplerChain.Sample(ReadOnlySpan{float}, out float)"/>).</param>
/// <param name="Bytes">What the token writes (UTF-8 bytes; a token may hold part of a character).</param>
public readonly record struct TopLogProb(int Token, float LogProb, byte[] Bytes);

/// <summary>A generated answer token with its log-probability and the most likely alternatives at its step (most likely first).</summary>
public sealed record TokenLogProbs(int Token, float LogProb, byte[] Bytes, TopLogProb[] Top);

public sealed partial class SamplerChain
{
    private (int Id, float Logit)[] _top = [];

    /// <summary>How many most likely tokens <see cref="LastTop"/> reports after each sample (0 = none, the default; at most 20 in the API).</summary>
    public int TopLogProbs
    {
        get => _top.Length;
        set => _top = new (int, float)[Math.Max(0, value)];
    }

    /// <summary>The <see cref="TopLogProbs"/> most likely tokens of the last sampled distribution with their log-probabilities,
    /// most likely first (ties: lower id first). Only after <see cref="Sample(ReadOnlySpan{float}, out float)"/>.</summary>
    public IEnumerable<(int Token, float LogProb)> LastTop() =>
        _top.Where(t => t.Id >= 0).Select(t => (t.Id, t.Logit - LastLogNormalizer));

    // Keeps the k largest live logits in _top, descending (k ≤ 20: one insertion pass over the vocabulary).
    private void RecordTop(in CandidateSet candidates)
    {
        Array.Fill(_top, (-1, float.NegativeInfinity));
        var logits = candidates.Logits;
        var ids = candidates.Ids;
        for (int i = 0; i < logits.Length; i++)
        {
            float x = logits[i];
            if (float.IsNegativeInfinity(x) || !Beats(x, ids[i], _top[^1])) continue;
            int j = _top.Length - 1;
            while (j > 0 && Beats(x, ids[i], _top[j - 1])) { _top[j] = _top[j - 1]; j--; }
            _top[j] = (ids[i], x);
        }
    }

    private static bool Beats(float x, int id, (int Id, float Logit) slot) => slot.Id < 0 || x > slot.Logit || (x == slot.Logit && id < slot.Id);
}
