// OpenAI's logit_bias: a value in [-100, 100] added to chosen tokens' logits before sampling (−100 in effect bans a
// token, +100 in effect forces it); llama.cpp's llama_sampler_init_logit_bias, early in the chain like there.
namespace R1Sharp.Generation;

/// <summary>Adds a fixed bias to the logits of some tokens. Put it before penalties and temperature.</summary>
public sealed class LogitBiasSampler : ISampler
{
    private readonly (int Id, float Bias)[] _bias;
    private readonly Dictionary<int, float> _byId;

    /// <summary>Biases <paramref name="bias"/>'s tokens (ids outside the vocabulary are ignored here; callers check them).</summary>
    public LogitBiasSampler(IReadOnlyDictionary<int, float> bias)
    {
        ArgumentNullException.ThrowIfNull(bias);
        _byId = new Dictionary<int, float>(bias);
        _bias = [.. bias.Select(kv => (kv.Key, kv.Value)).OrderBy(b => b.Key)];
    }

    /// <inheritdoc/>
    public SamplerStageKind Kind => SamplerStageKind.Transform;

    /// <inheritdoc/>
    public void Apply(ref CandidateSet candidates)
    {
        var logits = candidates.Logits;
        if (candidates.InIdOrder)
        {
            foreach (var (id, bias) in _bias)
                if ((uint)id < (uint)logits.Length) logits[id] += bias;
            return;
        }
        var ids = candidates.Ids;
        for (int i = 0; i < ids.Length; i++)
            if (_byId.TryGetValue(ids[i], out float bias)) logits[i] += bias;
    }

    /// <inheritdoc/>
    public void Accept(int token) { }

    /// <inheritdoc/>
    public void Reset() { }
}
