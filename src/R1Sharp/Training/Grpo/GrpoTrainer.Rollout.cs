// GRPO rollouts: sample G completions per prompt with the policy's current weights (batched TextGenerator, no_grad),
// score them with the weighted rewards, turn rewards into group advantages, and — with DAPO dynamic sampling —
// drop zero-variance groups and sample more prompts (trl GRPOTrainer._generate_and_score_completions; DAPO §3.2).
using R1Sharp.Generation;
using R1Sharp.Rewards;

using R1Sharp.Data;

namespace R1Sharp.Training.Grpo;

/// <summary>One scored group: a prompt and its G completions.</summary>
internal sealed record GrpoGroup(GrpoPrompt Prompt, GenerationResult[] Results, double[] Rewards, double?[][] PerFunction)
{
    public bool HasZeroStd => GrpoAdvantages.ZeroVarianceGroups(Rewards, Rewards.Length).Length > 0;
}

/// <summary>What one generation batch produced: the groups kept for training and statistics over everything sampled.</summary>
internal sealed record GrpoRollout(IReadOnlyList<GrpoGroup> Groups, double[] Advantages, IReadOnlyList<GrpoSample> Samples,
    IReadOnlyList<GrpoGroup> Sampled, int Rounds, bool Cancelled);

public sealed partial class GrpoTrainer
{
    /// <summary>Samples, scores and weighs one generation batch (PromptsPerGeneration groups when they can be had).</summary>
    private GrpoRollout Rollout(CancellationToken cancellationToken)
    {
        int wanted = _config.PromptsPerGeneration;
        // A cancelled rollout consumes nothing: the checkpoint written next must resume with these prompts and seeds.
        var before = _state;
        var sampled = new List<GrpoGroup>();
        var kept = new List<GrpoGroup>();
        int rounds = 0;
        while (kept.Count < wanted)
        {
            var groups = SampleGroups(NextPrompts(wanted - kept.Count), cancellationToken);
            rounds++;
            if (groups is null) { _state = before; return new GrpoRollout([], [], [], sampled, rounds, Cancelled: true); }
            sampled.AddRange(groups);
            kept.AddRange(_config.DynamicSampling ? groups.Where(g => !g.HasZeroStd) : groups);
            if (!_config.DynamicSampling || rounds > _config.DynamicSamplingMaxRounds) break;
        }
        // Dynamic sampling that found no informative group still trains on the last round (the KL term may act).
        if (kept.Count == 0) kept.AddRange(sampled.TakeLast(wanted));
        if (kept.Count > wanted) kept.RemoveRange(wanted, kept.Count - wanted);

        var rewards = kept.SelectMany(g => g.Rewards).ToArray();
        var advantages = _config.MultiObjectiveAggregation == MultiObjectiveAggregation.NormalizeThenSum
            ? GrpoAdvantages.NormalizeThenSum(Enumerable.Range(0, _rewards.Rewards.Count)
                .Select(f => kept.SelectMany(g => g.PerFunction[f]).ToArray()).ToArray(), _rewards.Rewards.Select(r => r.Weight).ToArray(), _config.NumGenerations)
            : GrpoAdvantages.Compute(rewards, _config.NumGenerations, _config.ScaleRewards, out _);
        return new GrpoRollout(kept, advantages, ToSamples(kept, advantages), sampled, rounds, Cancelled: false);
    }

    /// <summary>The next <paramref name="count"/> prompts of the shuffled stream (a new shuffle each epoch).</summary>
    private List<GrpoPrompt> NextPrompts(int count)
    {
        var batch = new List<GrpoPrompt>(count);
        while (batch.Count < count)
        {
            if (_state.Cursor >= _order.Length) { _state = _state with { Epoch = _state.Epoch + 1, Cursor = 0 }; Reshuffle(); }
            batch.Add(_prompts[_order[_state.Cursor]]);
            _state = _state with { Cursor = _state.Cursor + 1 };
        }
        return batch;
    }

    private void Reshuffle()
    {
        // Seeded xoshiro permutation (as SFT's epochs): the same order in every process, so a resumed run
        // continues exactly. (HashCode.Combine is randomised per process and must not seed anything.)
        _order = Dataset<int>.Permutation(_prompts.Count, unchecked(_config.Seed + _state.Epoch));
    }

    /// <summary>Generates and scores G completions for each prompt; null when cancelled.</summary>
    private List<GrpoGroup>? SampleGroups(List<GrpoPrompt> prompts, CancellationToken cancellationToken)
    {
        int g = _config.NumGenerations;
        var options = new GenerationOptions
        {
            SamplesPerPrompt = g,
            MaxNewTokens = _config.MaxCompletionLength,
            Sampler = new SamplerOptions { Temperature = (float)_config.Temperature, TopP = (float)_config.TopP, TopK = _config.TopK },
            // Distinct, reproducible seeds per generation call: sequence i of call k samples with base + k·2^20 + i.
            Seed = (ulong)(uint)_config.Seed * 1_000_003UL + (ulong)_state.GenerationCalls * (1UL << 20),
            LoopGuard = null,                                    // rollouts must be plain samples of the policy
        };
        _state = _state with { GenerationCalls = _state.GenerationCalls + 1 };
        var requests = prompts.Select(p => new GenerationRequest(p.Ids) { StartsInThinking = p.StartsInThinking }).ToArray();
        IReadOnlyList<GenerationResult> results;
        try
        {
            results = _remote is { } remote ? RemoteGenerate(remote, prompts, options.Seed!.Value, cancellationToken)
                : _generator.Generate(requests, options, null, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { return null; }
        if (cancellationToken.IsCancellationRequested || results.Any(r => r.FinishReason == FinishReason.Cancelled)) return null;

        var inputs = results.Select(r => new RewardInput
        {
            Prompt = prompts[r.PromptIndex].Text,
            Completion = r.Text,
            Gold = prompts[r.PromptIndex].Gold,
            CompletionTokens = r.Tokens.Length,
            MaxCompletionLength = _config.MaxCompletionLength,
            Template = _completionTemplate,
        }).ToArray();
        var scores = _rewards.ScoreBatch(inputs);
        var groups = new List<GrpoGroup>(prompts.Count);
        for (int p = 0; p < prompts.Count; p++)
        {
            var perFunction = scores.PerFunction.Select(f => f.AsSpan(p * g, g).ToArray()).ToArray();
            var totals = new double[g];
            for (int i = 0; i < g; i++)
                // No function could score it: NaN, which the advantages leave out (TRL's all-None reward row).
                totals[i] = perFunction.All(f => f[i] is null) ? double.NaN : scores.Totals[p * g + i];
            groups.Add(new GrpoGroup(prompts[p], results.Skip(p * g).Take(g).ToArray(), totals, perFunction));
        }
        return groups;
    }

    private List<GrpoSample> ToSamples(List<GrpoGroup> groups, double[] advantages)
    {
        var eos = _generator.EosTokenIds;
        var samples = new List<GrpoSample>(advantages.Length);
        int k = 0;
        foreach (var group in groups)
            foreach (var r in group.Results)
                samples.Add(new GrpoSample(group.Prompt.Ids, r.Tokens,
                    GrpoBatch.CompletionMask(r.Tokens, r.Forced, r.FinishReason, eos, _config.MaskTruncatedCompletions),
                    advantages[k++]) { BehaviorLogProbs = r.LogProbs.Length == r.Tokens.Length ? r.LogProbs : null });
        return samples;
    }
}
