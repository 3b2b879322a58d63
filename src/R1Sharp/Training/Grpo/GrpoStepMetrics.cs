// What every GRPO step logs (the set R1-METHOD.md §1 lists; key names follow TRL's GRPOTrainer log keys:
// reward, reward_std, rewards/{name}/mean, frac_reward_zero_std, completions/*, clip_ratio/*, kl, entropy).
using System.Globalization;

namespace R1Sharp.Training.Grpo;

/// <summary>Mean and std of one reward function over the scored completions (nulls skipped).</summary>
public readonly record struct RewardStat(string Name, double Mean, double Std);

/// <summary>One optimizer step's metrics. NaN means "not measured" (written as null).</summary>
public sealed record GrpoStepMetrics
{
    /// <summary>Optimizer steps done (1-based).</summary>
    public required int Step { get; init; }
    /// <summary>Optimizer steps of the whole run.</summary>
    public required int TotalSteps { get; init; }
    /// <summary>Passes over the prompts so far (fractional).</summary>
    public required double Epoch { get; init; }
    /// <summary>The aggregated loss back-propagated in this step (summed over its micro-batches).</summary>
    public required double Loss { get; init; }
    /// <summary>Mean weighted reward over every completion sampled for this step's generation batch.</summary>
    public required double Reward { get; init; }
    /// <summary>Unbiased std of those rewards.</summary>
    public required double RewardStd { get; init; }
    /// <summary>Per reward function mean/std.</summary>
    public required IReadOnlyList<RewardStat> Rewards { get; init; }
    /// <summary>Mean of the "accuracy" reward when one is configured, else NaN.</summary>
    public required double Accuracy { get; init; }
    /// <summary>Share of sampled groups whose rewards were all equal.</summary>
    public required double FracRewardZeroStd { get; init; }
    /// <summary>Completion length (tokens) mean over the sampled completions.</summary>
    public required double CompletionMeanLength { get; init; }
    /// <summary>Shortest completion.</summary>
    public required int CompletionMinLength { get; init; }
    /// <summary>Longest completion.</summary>
    public required int CompletionMaxLength { get; init; }
    /// <summary>Share of completions cut by max_completion_length (TRL completions/clipped_ratio).</summary>
    public required double TruncatedRatio { get; init; }
    /// <summary>Tokens with ρ below 1 − ε and A &lt; 0.</summary>
    public required double ClipRatioLow { get; init; }
    /// <summary>Tokens with ρ above 1 + ε_high and A &gt; 0.</summary>
    public required double ClipRatioHigh { get; init; }
    /// <summary>Either of the two.</summary>
    public required double ClipRatioRegion { get; init; }
    /// <summary>Mean k3 KL to the reference (NaN when β = 0).</summary>
    public required double Kl { get; init; }
    /// <summary>Mean policy entropy over the completion tokens, nats.</summary>
    public required double Entropy { get; init; }
    /// <summary>Mean ½(log ρ)² (PPO approx_kl): 0 in the first pass over a generation batch, &gt; 0 once μ &gt; 1 moved the policy.</summary>
    public required double ApproxKl { get; init; }
    /// <summary>The learning rate used in this step.</summary>
    public required double LearningRate { get; init; }
    /// <summary>Gradient norm before clipping.</summary>
    public required double GradNorm { get; init; }
    /// <summary>Groups trained on / groups sampled (dynamic sampling drops some) for this generation batch.</summary>
    public required int GroupsKept { get; init; }
    /// <summary>Groups sampled for this generation batch (all rounds).</summary>
    public required int GroupsSampled { get; init; }
    /// <summary>Seconds spent generating and scoring (charged to the first step of a generation batch; else 0).</summary>
    public required double RolloutSeconds { get; init; }
    /// <summary>Seconds in this step's forward/backward/optimizer work (old/ref log-probs included).</summary>
    public required double UpdateSeconds { get; init; }
    /// <summary>Seconds spent writing the weights and having the rollout workers load them (rollout.endpoints; 0 when
    /// rollouts are local or no sync was due).</summary>
    public double WeightSyncSeconds { get; init; }

    /// <summary>Resident memory at the step's start and at the peaks of its rollout and update; null when not measured.</summary>
    public R1Sharp.Diagnostics.StepMemory? Memory { get; init; }

    /// <summary>Share of sampled completions that reason: non-empty text inside &lt;think&gt;…&lt;/think&gt; (see <see cref="Thinks"/>).</summary>
    public double ThinkingFraction { get; init; } = double.NaN;

    /// <summary>Mean share of the reasoning written in the prompt's language over the sampled completions that reason
    /// in words (<see cref="R1Sharp.Rewards.RewardFunctions.MeanLanguageConsistency"/>); NaN when none does.</summary>
    public double LanguageConsistency { get; init; } = double.NaN;

    /// <summary>Expert loads of this step and the balancing bias (DeepSeekMoE models only; null for dense models).</summary>
    public R1Sharp.Models.DeepSeekV3.MoeLoadStats? MoeLoad { get; init; }

    /// <summary>The sequence-wise balance loss added this step (α-weighted); NaN when seq_aux_loss_alpha is 0 (not logged).</summary>
    public double AuxLoss { get; init; } = double.NaN;

    /// <summary>IS-weight, off-policy mask, trained-token entropy, entropy coefficient and reference-reset figures of the
    /// issue-16 options; null when none is on (nothing extra is logged).</summary>
    public FrontierStepStats? Frontier { get; init; }

    /// <summary>The metrics.jsonl row, TRL key names in a fixed order (NaN is written as null).</summary>
    public Dictionary<string, double> ToRow()
    {
        var row = new Dictionary<string, double>
        {
            ["step"] = Step, ["epoch"] = Epoch, ["loss"] = Loss, ["reward"] = Reward, ["reward_std"] = RewardStd,
        };
        foreach (var r in Rewards) { row[$"rewards/{r.Name}/mean"] = r.Mean; row[$"rewards/{r.Name}/std"] = r.Std; }
        row["accuracy"] = Accuracy;
        row["frac_reward_zero_std"] = FracRewardZeroStd;
        row["completions/mean_length"] = CompletionMeanLength;
        row["completions/min_length"] = CompletionMinLength;
        row["completions/max_length"] = CompletionMaxLength;
        row["completions/clipped_ratio"] = TruncatedRatio;
        row["completions/thinking_fraction"] = ThinkingFraction;
        row["language_consistency"] = LanguageConsistency;
        row["clip_ratio/low_mean"] = ClipRatioLow;
        row["clip_ratio/high_mean"] = ClipRatioHigh;
        row["clip_ratio/region_mean"] = ClipRatioRegion;
        row["kl"] = Kl;
        row["entropy"] = Entropy;
        row["approx_kl"] = ApproxKl;
        row["learning_rate"] = LearningRate;
        row["grad_norm"] = GradNorm;
        row["groups_kept"] = GroupsKept;
        row["groups_sampled"] = GroupsSampled;
        row["time/rollout_s"] = RolloutSeconds;
        row["time/update_s"] = UpdateSeconds;
        row["time/weight_sync_s"] = WeightSyncSeconds;
        double total = RolloutSeconds + WeightSyncSeconds + UpdateSeconds;
        row["time/rollout_share"] = total > 0 ? RolloutSeconds / total : double.NaN;
        row["time/weight_sync_share"] = total > 0 ? WeightSyncSeconds / total : double.NaN;
        row["time/update_share"] = total > 0 ? UpdateSeconds / total : double.NaN;
        if (Memory is { } m)
        {
            row["memory/start_gb"] = m.StartBytes / 1e9;
            row["memory/rollout_peak_gb"] = m.RolloutPeakBytes > 0 ? m.RolloutPeakBytes / 1e9 : double.NaN;
            row["memory/update_peak_gb"] = m.UpdatePeakBytes / 1e9;
            row["memory/peak_gb"] = m.RunPeakBytes / 1e9;
            if (m.LoadPeakBytes > 0) row["memory/load_peak_gb"] = m.LoadPeakBytes / 1e9;
        }
        if (!double.IsNaN(AuxLoss)) row["aux_loss"] = AuxLoss;
        foreach (var (key, value) in Frontier?.Rows() ?? []) row[key] = value;
        foreach (var (key, value) in MoeLoad?.ToMetrics() ?? []) row[key] = value;
        return row;
    }

    /// <summary>The progress line: step, loss, reward, accuracy, length, KL, lr, times.</summary>
    public string ToProgressLine(int totalSteps)
    {
        string accuracy = double.IsNaN(Accuracy) ? "" : Inv($"  acc {Accuracy:0.000}");
        string kl = double.IsNaN(Kl) ? "" : Inv($"  kl {Kl:0.0000}");
        return Inv($"step {Step}/{totalSteps}  loss {Loss:0.0000}  reward {Reward:0.000}±{RewardStd:0.000}{accuracy}") +
            Inv($"  len {CompletionMeanLength:0.0} [{CompletionMinLength}-{CompletionMaxLength}]  trunc {TruncatedRatio:0.00}  zero-std {FracRewardZeroStd:0.00}{kl}") +
            Inv($"  ent {Entropy:0.000}  lr {LearningRate:0.00e+0}  gnorm {GradNorm:0.000}  rollout {RolloutSeconds:0.00}s  update {UpdateSeconds:0.00}s") +
            (WeightSyncSeconds > 0 ? Inv($"  sync {WeightSyncSeconds:0.00}s") : "");
    }

    /// <summary>
    /// True when the completion writes something between &lt;think&gt; and &lt;/think&gt; (or never closes it); a
    /// completion of a prompt that ends inside &lt;think&gt; (<paramref name="startsInThinking"/>) is read as opened.
    /// " &lt;think&gt; 7 + 5 = 12 &lt;/think&gt; …" thinks, " &lt;think&gt; &lt;/think&gt; &lt;answer&gt; 12 &lt;/answer&gt;" does not.
    /// </summary>
    public static bool Thinks(string completion, bool startsInThinking = false)
    {
        const string Open = "<think>", Close = "</think>";
        int start = 0;
        if (!startsInThinking)
        {
            int open = completion.IndexOf(Open, StringComparison.Ordinal);
            if (open < 0) return false;
            start = open + Open.Length;
        }
        int close = completion.IndexOf(Close, start, StringComparison.Ordinal);
        var inside = close < 0 ? completion.AsSpan(start) : completion.AsSpan(start, close - start);
        return !inside.IsWhiteSpace();
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
