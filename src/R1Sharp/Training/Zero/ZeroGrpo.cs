// The GRPO loop of `r1 zero` (R1-METHOD.md §1, §4.1): rollouts with the batched Generator, rule rewards,
// group-relative advantages, the clipped per-token loss with μ = 1, one AdamW step per generation batch.
// A compact stand-in until the general GrpoTrainer lands; it uses the same GrpoConfig, math and rewards.
using System.Diagnostics;
using System.Text.Json;
using R1Sharp.Generation;
using R1Sharp.Training.Data;
using R1Sharp.Training.Grpo;
using R1Sharp.Training.Rewards;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Training.Zero;

/// <summary>One step's logged values (a metrics.jsonl line).</summary>
public sealed record ZeroStepMetrics(int Step, double Reward, double RewardStd, double Accuracy, double Format,
    double CompletionLength, int CompletionLengthMax, double ThinkingFraction, double ClippedFraction,
    double FracZeroStdGroups, double Loss, double GradNorm, double LearningRate, double Seconds);

/// <summary>GRPO over a fixed problem list with a live model (see file header).</summary>
public sealed class ZeroGrpo
{
    private readonly R1Sharp.Generation.Generator _generator;
    private readonly GrpoConfig _config;
    private readonly IReadOnlyList<Problem> _problems;
    private readonly WeightedRewards _rewards;
    private readonly optim.Optimizer _optimizer;
    private readonly Dictionary<string, int[]> _promptIds = new(StringComparer.Ordinal);

    /// <param name="generator">Wraps the policy model (trained in place).</param>
    /// <param name="config">Validated GRPO config: learning_rate, num_generations (G), generation_batch_size (prompts × G),
    /// beta must be 0 (no reference model here), epsilon(_high), loss_type, scale_rewards, max_completion_length,
    /// temperature, top_p, max_steps, seed, reward_funcs/reward_weights.</param>
    /// <param name="problems">Training prompts, taken in order (cycled).</param>
    public ZeroGrpo(R1Sharp.Generation.Generator generator, GrpoConfig config, IReadOnlyList<Problem> problems)
    {
        if (config.Beta != 0) throw new R1SharpException("beta: r1 zero trains without a reference model; set beta 0");
        if (config.NumIterations != 1) throw new R1SharpException("num_iterations: r1 zero uses one optimizer step per generation batch (μ = 1)");
        _generator = generator;
        _config = config;
        _problems = problems;
        var registry = new RewardRegistry();
        _rewards = new WeightedRewards(config.RewardFuncs.Select((name, i) =>
            new WeightedReward(name, registry.Create(name), config.RewardWeights![i])));
        _optimizer = optim.AdamW(generator.Model.parameters(), config.LearningRate, config.AdamBeta1, config.AdamBeta2,
            config.AdamEpsilon, config.WeightDecay);
    }

    /// <summary>Prompts per step.</summary>
    public int PromptsPerStep => _config.GenerationBatchSize!.Value / _config.NumGenerations;

    /// <summary>
    /// One GRPO step (1-based <paramref name="step"/>): sample, score, update. Rollout seeds derive from the config
    /// seed and the step, so a resumed run samples what an uninterrupted one would have.
    /// </summary>
    public (ZeroStepMetrics Metrics, IReadOnlyList<object> Completions) Step(int step, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        int prompts = PromptsPerStep, g = _config.NumGenerations;
        var batch = Enumerable.Range(0, prompts).Select(i => _problems[((step - 1) * prompts + i) % _problems.Count]).ToList();
        var requests = batch.Select(p => new GenerationRequest(PromptIds(p.Question))).ToList();
        _generator.Model.eval();
        var results = _generator.Generate(requests, new GenerationOptions
        {
            MaxNewTokens = _config.MaxCompletionLength, SamplesPerPrompt = g, LoopGuard = null,
            Sampler = new SamplerOptions { Temperature = (float)_config.Temperature, TopP = (float)_config.TopP, TopK = _config.TopK },
            Seed = (ulong)_config.Seed * 1_000_003UL + (ulong)step * (ulong)(prompts * g),
        }, cancellationToken: ct).OrderBy(r => r.PromptIndex).ThenBy(r => r.SampleIndex).ToList();
        // Rollouts cut short by Ctrl+C come back marked cancelled: never train on them.
        ct.ThrowIfCancellationRequested();

        var inputs = results.Select(r => new RewardInput
        {
            Prompt = "", Completion = r.Text, Gold = batch[r.PromptIndex].Answer, CompletionTokens = r.Tokens.Length,
            MaxCompletionLength = _config.MaxCompletionLength, Template = CompletionTemplate.R1Zero,
        }).ToList();
        var scores = _rewards.ScoreBatch(inputs);
        var advantages = GrpoAdvantages.Compute(scores.Totals, g, _config.ScaleRewards, out var stats);
        var (loss, gradNorm, lr) = Update(step, batch, results, advantages);

        int accIndex = _rewards.Names.ToList().IndexOf("accuracy"), fmtIndex = _rewards.Names.ToList().IndexOf("format");
        double Mean(int f) => f < 0 ? double.NaN : scores.PerFunction[f].Average(v => v ?? 0);
        var metrics = new ZeroStepMetrics(step, stats.RewardMean, stats.RewardStd, Mean(accIndex), Mean(fmtIndex),
            results.Average(r => r.Tokens.Length), results.Max(r => r.Tokens.Length),
            results.Average(r => ZeroText.Thinks(r.Text) ? 1.0 : 0.0),
            results.Average(r => r.FinishReason == FinishReason.Length ? 1.0 : 0.0),
            stats.FracZeroStdGroups, loss, gradNorm, lr, clock.Elapsed.TotalSeconds);
        var completions = results.Select((r, i) => (object)new
        {
            step, question = batch[r.PromptIndex].Question, gold = batch[r.PromptIndex].Answer, completion = r.Text,
            reward = scores.Totals[i], advantage = advantages[i], tokens = r.Tokens.Length,
        }).ToList();
        return (metrics, completions);
    }

    private (double Loss, double GradNorm, double Lr) Update(int step, List<Problem> batch, List<GenerationResult> results, double[] advantages)
    {
        using var scope = NewDisposeScope();
        var model = _generator.Model;
        model.train();
        double lr = ZeroSchedule.Cosine(step, Math.Max(_config.MaxSteps, 1), _config.WarmupSteps, _config.LearningRate, 1.0);
        foreach (var group in _optimizer.ParamGroups) group.LearningRate = lr;
        using var tokens = CompletionBatch.Create([.. results.Select(r => (IReadOnlyList<int>)PromptIds(batch[r.PromptIndex].Question))],
            [.. results.Select(r => (IReadOnlyList<int>)(r.Tokens.Length > 0 ? r.Tokens : [_generator.EosTokenIds[0]]))]);
        _optimizer.zero_grad();
        var logp = tokens.TokenLogProbs(model);                                             // (B, T)
        var adv = tensor(advantages.Select(a => (float)a).ToArray());                       // (B)
        var perToken = GrpoLoss.PerToken(logp, null, null, adv, tokens.Mask, _config.EpsilonLow,
            _config.EpsilonHigh ?? _config.Epsilon, 0, computeMetrics: false);
        var loss = GrpoLoss.Aggregate(perToken.Loss, tokens.Mask, _config.LossType, _config.MaxCompletionLength,
            numItemsInBatch: tokens.CompletionTokens);
        loss.backward();
        double norm = nn.utils.clip_grad_norm_(model.parameters(), _config.MaxGradNorm);
        _optimizer.step();
        model.eval();
        return (loss.item<float>(), norm, lr);
    }

    private int[] PromptIds(string question)
    {
        if (!_promptIds.TryGetValue(question, out var ids))
            _promptIds[question] = ids = _generator.Tokenizer.Encode(ZeroTask.Template.Render([Text.ChatTemplates.ChatMessage.User(question)]));
        return ids;
    }

    /// <summary>One metrics.jsonl line.</summary>
    public static string ToJsonLine(object value) => JsonSerializer.Serialize(value, ZeroText.Json);
}
