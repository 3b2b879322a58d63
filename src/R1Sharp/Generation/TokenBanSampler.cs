// A logit-bias stage that bans tokens (−∞), as llama.cpp's server does for every end-of-generation token when a request
// sets ignore_eos (llama_sampler_init_logit_bias, first in its chain).
namespace R1Sharp.Generation;

/// <summary>Sets the logit of every banned token to −∞, so no later stage can pick it. Put it first in a chain.</summary>
public sealed class TokenBanSampler : ISampler
{
    private readonly HashSet<int> _banned;
    private readonly int[] _sorted;

    /// <summary>Bans <paramref name="tokens"/> (ids outside the vocabulary are ignored).</summary>
    public TokenBanSampler(IEnumerable<int> tokens)
    {
        _banned = [.. tokens];
        _sorted = [.. _banned.Order()];
    }

    /// <summary>The banned ids, ascending.</summary>
    public IReadOnlyList<int> Banned => _sorted;

    /// <inheritdoc/>
    public SamplerStageKind Kind => SamplerStageKind.Transform;

    /// <inheritdoc/>
    public void Apply(ref CandidateSet candidates)
    {
        var logits = candidates.Logits;
        if (candidates.InIdOrder)
        {
            foreach (int id in _sorted)
                if ((uint)id < (uint)logits.Length) logits[id] = float.NegativeInfinity;
            return;
        }
        var ids = candidates.Ids;
        for (int i = 0; i < ids.Length; i++)
            if (_banned.Contains(ids[i])) logits[i] = float.NegativeInfinity;
    }

    /// <inheritdoc/>
    public void Accept(int token) { }

    /// <inheritdoc/>
    public void Reset() { }
}
