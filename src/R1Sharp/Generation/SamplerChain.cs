// A sequence's sampler: an ordered list of stages run over one logits row per step (llama.cpp
// llama_sampler_chain), plus FromOptions, which builds the standard HF-order chain from SamplerOptions.
namespace R1Sharp.Generation;

/// <summary>
/// Per-sequence sampler. <see cref="FromOptions"/> builds, in order:
/// penalties → temperature → top-k → top-p → min-p → sample (greedy when temperature is 0: penalties → argmax).
/// <para>
/// Why this order: it is HF transformers' (repetition processor, then the TemperatureLogitsWarper before the
/// TopK/TopP/MinP warpers) and vLLM's (penalties, temperature, then top-k/top-p/min-p). DeepSeek-R1's evals
/// (temperature 0.6, top-p 0.95) ran on that stack, so truncating the *tempered* distribution matches them.
/// llama.cpp's default chain differs: it truncates first (top-k, top-p, min-p on untempered logits) and divides
/// by the temperature last, so at T &lt; 1 its top-p keeps more tokens than HF's. Penalties come first in all three.
/// </para>
/// Holds per-sequence state (token counts, RNG): one chain per sequence; chains may share a
/// <see cref="SamplerWorkspace"/> when sampled on the same thread. Not thread-safe.
/// </summary>
public sealed partial class SamplerChain
{
    private readonly ISampler[] _stages;
    private readonly int _logProbAt;

    /// <summary>Builds a chain from explicit stages; the last must be a selecting stage.</summary>
    public SamplerChain(IEnumerable<ISampler> stages, int vocabSize, SamplerWorkspace? workspace = null)
    {
        _stages = [.. stages];
        if (_stages.Length == 0 || _stages[^1].Kind != SamplerStageKind.Select)
            throw new ArgumentException("a sampler chain must end with a selecting stage (greedy or distribution)", nameof(stages));
        if (Array.FindIndex(_stages, s => s.Kind == SamplerStageKind.Select) != _stages.Length - 1)
            throw new ArgumentException("only the last stage of a sampler chain may select a token", nameof(stages));
        Workspace = workspace ?? new SamplerWorkspace(vocabSize);
        if (Workspace.VocabSize != vocabSize)
            throw new ArgumentException($"workspace holds {Workspace.VocabSize} tokens, the chain {vocabSize}", nameof(workspace));
        _logProbAt = Array.FindIndex(_stages, s => s.Kind != SamplerStageKind.Transform);
    }

    /// <summary>
    /// The standard chain for <paramref name="options"/> (validated here). Stages that would be no-ops
    /// (penalties at their defaults, top-k 0, top-p 1, min-p 0, temperature 1) are left out.
    /// <paramref name="bannedTokens"/> (e.g. EOS ids for ignore_eos) get a −∞ logit before every other stage;
    /// <paramref name="constraint"/> (structured output) runs first of all.
    /// </summary>
    public static SamplerChain FromOptions(SamplerOptions options, int vocabSize, SamplerWorkspace? workspace = null,
        IReadOnlyCollection<int>? bannedTokens = null, ISampler? constraint = null)
    {
        options.Validate();
        var stages = new List<ISampler>(8);
        if (constraint is not null) stages.Add(constraint);
        if (options.LogitBias is { Count: > 0 } bias)
        {
            foreach (int id in bias.Keys)
                if ((uint)id >= (uint)vocabSize) throw new R1SharpException($"logit_bias token id {id} is outside the vocabulary 0..{vocabSize - 1}");
            stages.Add(new LogitBiasSampler(bias));
        }
        if (bannedTokens is { Count: > 0 }) stages.Add(new TokenBanSampler(bannedTokens));
        if (options.RepetitionPenalty != 1f || options.PresencePenalty != 0f || options.FrequencyPenalty != 0f)
            stages.Add(new PenaltySampler(vocabSize, options.RepetitionPenalty, options.PresencePenalty, options.FrequencyPenalty, options.RepetitionWindow));
        if (options.IsGreedy)
        {
            stages.Add(new GreedySampler());
            return new SamplerChain(stages, vocabSize, workspace);
        }
        if (options.Temperature != 1f) stages.Add(new TemperatureSampler(options.Temperature));
        if (options.TopK > 0) stages.Add(new TopKSampler(options.TopK));
        if (options.TopP < 1f) stages.Add(new TopPSampler(options.TopP));
        if (options.MinP > 0f) stages.Add(new MinPSampler(options.MinP));
        stages.Add(new DistributionSampler(options.Seed ?? (ulong)Random.Shared.NextInt64()));
        return new SamplerChain(stages, vocabSize, workspace);
    }

    /// <summary>The stages, in the order they run.</summary>
    public IReadOnlyList<ISampler> Stages => _stages;

    /// <summary>The buffers this chain samples in.</summary>
    public SamplerWorkspace Workspace { get; }

    /// <summary>Vocabulary size: the length every logits row must have.</summary>
    public int VocabSize => Workspace.VocabSize;

    /// <summary>Samples a token from one logits row and <see cref="Accept"/>s it. Allocation-free.</summary>
    public int Sample(ReadOnlySpan<float> logits) => Run(logits, wantLogProb: false, out _);

    /// <summary>
    /// Samples and accepts a token, and returns its log-probability under the chain's distribution just
    /// before the first truncating stage: for <see cref="FromOptions"/> chains, log softmax((penalised logits) / T)
    /// over the whole vocabulary — the sampling distribution GRPO's importance ratio needs (TRL recomputes it
    /// as log_softmax(logits / T)). Greedy chains report it at T = 1. Costs one extra exp pass over the vocabulary.
    /// </summary>
    public int Sample(ReadOnlySpan<float> logits, out float logProb) => Run(logits, wantLogProb: true, out logProb);

    /// <summary>Records a token appended without sampling (e.g. forced by <see cref="ThinkingBudget"/>).</summary>
    public void Accept(int token)
    {
        foreach (var stage in _stages) stage.Accept(token);
    }

    /// <summary>Records the prompt tokens (the repetition penalty counts them).</summary>
    public void AcceptPrompt(ReadOnlySpan<int> tokens)
    {
        foreach (var stage in _stages) stage.AcceptPrompt(tokens);
    }

    /// <summary>Forgets every accepted token and restarts the RNG from its seed.</summary>
    public void Reset()
    {
        foreach (var stage in _stages) stage.Reset();
    }

    /// <summary>log Σ exp of the last sample's distribution (set when a log-prob was asked for): <see cref="LastTop"/> takes it.</summary>
    public float LastLogNormalizer { get; private set; }

    private int Run(ReadOnlySpan<float> logits, bool wantLogProb, out float logProb)
    {
        var candidates = Workspace.Load(logits);
        float logNormalizer = 0f;
        for (int i = 0; i < _stages.Length; i++)
        {
            if (wantLogProb && i == _logProbAt)
            {
                logNormalizer = LogProbs.LogSumExp(candidates.Logits);
                LastLogNormalizer = logNormalizer;
                if (_top.Length > 0) RecordTop(candidates);
            }
            _stages[i].Apply(ref candidates);
        }
        if (candidates.Selected < 0) throw new InvalidOperationException("the last sampler stage selected no candidate");
        // Truncating stages move logits but never change them, so the selected value is still the tempered one.
        logProb = wantLogProb ? candidates.Logits[candidates.Selected] - logNormalizer : 0f;
        int token = candidates.SelectedToken;
        Accept(token);
        return token;
    }
}
