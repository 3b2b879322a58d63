// Per-step GRPO logging: metrics from the rollout and the update (TRL's logged set, R1-METHOD.md §1), a progress
// line, metrics.jsonl (one object per step) and completions.jsonl (sample completions every log_completions_steps).
using System.Text;
using System.Text.Json;
using R1Sharp.Generation;
using R1Sharp.Training.Infrastructure;

namespace R1Sharp.Training.Grpo;

public sealed partial class GrpoTrainer
{
    /// <summary>metrics.jsonl in output_dir.</summary>
    public string MetricsPath => Path.Combine(_config.OutputDir, MetricsLog.FileName);
    /// <summary>completions.jsonl in output_dir.</summary>
    public string CompletionsPath => Path.Combine(_config.OutputDir, "completions.jsonl");

    private GrpoStepMetrics StepMetrics(GrpoRollout rollout, GrpoUpdateStats update, double rolloutSeconds, double updateSeconds)
    {
        var sampled = rollout.Sampled;
        var totals = sampled.SelectMany(g => g.Rewards).ToArray();
        var (mean, std) = GrpoAdvantages.NanMeanStd(totals);
        var names = _rewards.Names;
        var perFunction = new RewardStat[names.Count];
        for (int f = 0; f < names.Count; f++)
        {
            var values = sampled.SelectMany(g => g.PerFunction[f]).Select(v => v ?? double.NaN).ToArray();
            var (m, s) = GrpoAdvantages.NanMeanStd(values);
            perFunction[f] = new RewardStat(names[f], m, s);
        }
        var lengths = sampled.SelectMany(g => g.Results).Select(r => r.Tokens.Length).ToArray();
        int truncated = sampled.SelectMany(g => g.Results).Count(r => r.FinishReason != FinishReason.Stop);
        int zeroStd = sampled.Count(g => g.HasZeroStd);
        int thinking = sampled.Sum(g => g.Results.Count(r => GrpoStepMetrics.Thinks(r.Text, g.Prompt.StartsInThinking)));
        return new GrpoStepMetrics
        {
            Step = _state.Step,
            TotalSteps = _totalSteps,
            Epoch = _state.Epoch + (double)_state.Cursor / _prompts.Count,
            Loss = update.Loss,
            Reward = mean,
            RewardStd = std,
            Rewards = perFunction,
            Accuracy = perFunction.FirstOrDefault(r => r.Name == "accuracy") is { Name: not null } a ? a.Mean : double.NaN,
            FracRewardZeroStd = sampled.Count == 0 ? 0 : (double)zeroStd / sampled.Count,
            CompletionMeanLength = lengths.Length == 0 ? 0 : lengths.Average(),
            CompletionMinLength = lengths.Length == 0 ? 0 : lengths.Min(),
            CompletionMaxLength = lengths.Length == 0 ? 0 : lengths.Max(),
            TruncatedRatio = lengths.Length == 0 ? 0 : (double)truncated / lengths.Length,
            ThinkingFraction = lengths.Length == 0 ? double.NaN : (double)thinking / lengths.Length,
            LanguageConsistency = Rewards.RewardFunctions.MeanLanguageConsistency(
                sampled.SelectMany(g => g.Results.Select(r => (g.Prompt.Text, r.Text)))) ?? double.NaN,
            ClipRatioLow = update.ClipLow,
            ClipRatioHigh = update.ClipHigh,
            ClipRatioRegion = update.ClipRegion,
            Kl = update.Kl,
            Entropy = update.Entropy,
            ApproxKl = update.ApproxKl,
            LearningRate = update.LearningRate,
            GradNorm = update.GradNorm,
            GroupsKept = rollout.Groups.Count,
            GroupsSampled = sampled.Count,
            RolloutSeconds = rolloutSeconds,
            UpdateSeconds = updateSeconds,
            MoeLoad = update.MoeLoad,
            AuxLoss = update.AuxLoss,
            Frontier = update.Frontier,
        };
    }

    /// <summary>Reports the step: progress callback, a progress line, metrics.jsonl, and completions.jsonl when due.</summary>
    private void Record(GrpoStepMetrics metrics, GrpoRollout rollout)
    {
        if (!_parallel.IsMain) return;
        _options.Progress?.Report(metrics);
        if (metrics.Step % _config.LoggingSteps == 0 || metrics.Step == 1 || metrics.Step == _totalSteps)
            _options.Log?.Invoke(metrics.ToProgressLine(_totalSteps));
        _metricsLog!.Write(metrics.ToRow());
        if (_config.LogCompletionsSteps is > 0 and int every && metrics.Step % every == 0)
        {
            Directory.CreateDirectory(_config.OutputDir);
            IO.JsonlAppender.AppendText(CompletionsPath, CompletionLines(metrics.Step, rollout));
        }
    }

    /// <summary>One JSON object per trained completion: step, prompt, completion, each reward, total, advantage.</summary>
    private string CompletionLines(int step, GrpoRollout rollout)
    {
        var text = new StringBuilder();
        var names = _rewards.Names;
        int k = 0;
        foreach (var group in rollout.Groups)
        {
            for (int i = 0; i < group.Results.Length; i++, k++)
            {
                using var stream = new MemoryStream();
                using (var w = new Utf8JsonWriter(stream))
                {
                    w.WriteStartObject();
                    w.WriteNumber("step", step);
                    w.WriteString("prompt", group.Prompt.Text);
                    w.WriteString("completion", group.Results[i].Text);
                    w.WriteString("finish_reason", group.Results[i].FinishReason.ToApiString());
                    w.WriteStartObject("rewards");
                    for (int f = 0; f < names.Count; f++)
                    {
                        if (group.PerFunction[f][i] is double v && double.IsFinite(v)) w.WriteNumber(names[f], v);
                        else w.WriteNull(names[f]);
                    }
                    w.WriteEndObject();
                    if (double.IsFinite(group.Rewards[i])) w.WriteNumber("reward", group.Rewards[i]);
                    else w.WriteNull("reward");
                    w.WriteNumber("advantage", rollout.Advantages[k]);
                    w.WriteEndObject();
                }
                text.Append(Encoding.UTF8.GetString(stream.ToArray())).Append('\n');
            }
        }
        return text.ToString();
    }

    /// <summary>The charts drawn beside metrics.jsonl at the end of a run (and on interruption).</summary>
    public static readonly IReadOnlyList<ChartSpec> ChartSpecs =
    [
        new("reward.png", "Reward", ["reward", "accuracy"]),
        new("completion_length.png", "Completion length (tokens)", ["completions/mean_length", "completions/min_length", "completions/max_length"]),
        new("kl_entropy.png", "KL to reference and entropy", ["kl", "entropy"]),
        new("clip_ratio.png", "Clipped tokens and zero-std groups", ["clip_ratio/region_mean", "frac_reward_zero_std", "completions/clipped_ratio"]),
        new("loss_lr.png", "Loss and grad norm", ["loss", "grad_norm"]),
    ];

    private void RenderCharts()
    {
        if (!_parallel.IsMain) return;
        try { Charts.RenderAll(MetricsPath, _options.Charts ?? ChartSpecs); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _options.Log?.Invoke($"charts not written: {e.Message}");
        }
    }
}
