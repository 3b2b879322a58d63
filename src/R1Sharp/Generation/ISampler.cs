// One stage of a sampler chain (llama.cpp llama_sampler_i: apply/accept/reset), plus the simple stages:
// temperature, greedy and seeded distribution sampling.
using R1Sharp.Numerics;

namespace R1Sharp.Generation;

/// <summary>What a stage does to the candidate set; the chain uses it to validate order and to know
/// where the log-prob distribution is taken (just before the first truncating or selecting stage).</summary>
public enum SamplerStageKind
{
    /// <summary>Changes logits, keeps every candidate (penalties, temperature).</summary>
    Transform,
    /// <summary>Removes candidates, leaves logits unchanged (top-k, top-p, min-p).</summary>
    Truncate,
    /// <summary>Picks one candidate (greedy, distribution); must be the chain's last stage.</summary>
    Select,
}

/// <summary>A stage of a <see cref="SamplerChain"/>. Stages hold per-sequence state (token counts, RNG).</summary>
public interface ISampler
{
    /// <summary>What this stage does to the candidates.</summary>
    SamplerStageKind Kind { get; }

    /// <summary>Transforms, truncates or selects from the candidates in place.</summary>
    void Apply(ref CandidateSet candidates);

    /// <summary>Records a token appended to the output (sampled or forced).</summary>
    void Accept(int token);

    /// <summary>Records prompt tokens (only the repetition penalty looks at them).</summary>
    void AcceptPrompt(ReadOnlySpan<int> tokens) { }

    /// <summary>Returns to the state right after construction (same seed → same stream again).</summary>
    void Reset();
}

/// <summary>Divides every live logit by the temperature (&gt; 0).</summary>
public sealed class TemperatureSampler(float temperature) : ISampler
{
    /// <summary>The divisor.</summary>
    public float Temperature { get; } = temperature > 0f && float.IsFinite(temperature)
        ? temperature : throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "must be finite and > 0");

    public SamplerStageKind Kind => SamplerStageKind.Transform;

    public void Apply(ref CandidateSet candidates)
    {
        if (Temperature != 1f) VectorMath.Scale(candidates.Logits, 1f / Temperature);
    }

    public void Accept(int token) { }

    public void Reset() { }
}

/// <summary>Picks the highest logit; ties go to the lowest token id.</summary>
public sealed class GreedySampler : ISampler
{
    public SamplerStageKind Kind => SamplerStageKind.Select;

    public void Apply(ref CandidateSet candidates)
    {
        if (candidates.Sorted) { candidates.Selected = 0; return; }
        var logits = candidates.Logits;
        var ids = candidates.Ids;
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best] || (logits[i] == logits[best] && ids[i] < ids[best])) best = i;
        }
        candidates.Selected = best;
    }

    public void Accept(int token) { }

    public void Reset() { }
}

/// <summary>
/// Draws a candidate with probability softmax(live logits), using this sequence's own xoshiro256**
/// stream. One uniform double per draw, scanned in candidate order, so same seed + same logits → same token.
/// </summary>
public sealed class DistributionSampler(ulong seed) : ISampler
{
    private Xoshiro256 _rng = new(seed);

    /// <summary>The seed the stream restarts from on <see cref="Reset"/>.</summary>
    public ulong Seed { get; } = seed;

    public SamplerStageKind Kind => SamplerStageKind.Select;

    public void Apply(ref CandidateSet candidates)
    {
        var logits = candidates.Logits;
        float max = VectorMath.Max(logits);
        double u = _rng.NextDouble();
        if (float.IsNegativeInfinity(max) || float.IsNaN(max))
            throw new InvalidOperationException("every candidate logit is -inf or NaN; nothing can be sampled");
        var weights = candidates.Workspace.Scratch.AsSpan(0, logits.Length);
        double target = u * VectorMath.ExpInto(logits, max, weights);
        double cum = 0;
        int last = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            if (weights[i] <= 0f) continue;
            cum += weights[i];
            last = i;
            if (cum > target) break;
        }
        // Rounding can leave target ≥ cum at the very end; `last` is then the last positive candidate.
        candidates.Selected = last;
    }

    public void Accept(int token) { }

    public void Reset() => _rng = new Xoshiro256(Seed);
}
