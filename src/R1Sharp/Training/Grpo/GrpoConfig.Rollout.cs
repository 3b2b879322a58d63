// Remote rollouts (issue 18): the keys that send GRPO's sampling to a pool of OpenAI-compatible inference servers that
// reload the policy through SGLang's POST /update_weights_from_disk (TRL vllm_mode="server", veRL/OpenRLHF/slime's
// rollout workers). Empty rollout.endpoints (the default) keeps the in-process generator.
using System.Text.Json.Serialization;

namespace R1Sharp.Training.Grpo;

public sealed partial record GrpoConfig
{
    /// <summary>Base URLs of the rollout workers (<c>http://host:port</c>, SGLang, vLLM or <c>r1 serve</c>); each step's
    /// prompts go to them over <c>/v1/completions</c>. Empty (default): rollouts in-process.</summary>
    [JsonPropertyName("rollout.endpoints")] public IReadOnlyList<string> RolloutEndpoints { get; init; } = [];

    /// <summary>Push the policy's weights to the workers before every this many optimizer steps (default 1: every step,
    /// on-policy). Above 1 the rollouts are stale and need importance_sampling_correction (TRL/veRL's truncated IS).</summary>
    [JsonPropertyName("rollout.sync_steps")] public int RolloutSyncSteps { get; init; } = 1;

    /// <summary>The <c>model</c> field of the requests; null asks the first worker's /v1/models.</summary>
    [JsonPropertyName("rollout.model_name")] public string? RolloutModelName { get; init; }

    /// <summary>Where the trainer writes the weights the workers load (must be the same path on the workers' file
    /// system: a shared disk on a cluster). Null: output_dir/rollout-weights.</summary>
    [JsonPropertyName("rollout.weights_dir")] public string? RolloutWeightsDir { get; init; }

    /// <summary>Seconds one request (a prompt's G samples, or a weight update) may take before it is retried on another worker.</summary>
    [JsonPropertyName("rollout.timeout_s")] public double RolloutTimeoutSeconds { get; init; } = 600;

    /// <summary>True when rollouts go to remote workers.</summary>
    [JsonIgnore] public bool UsesRemoteRollouts => RolloutEndpoints.Count > 0;

    /// <summary>The directory of the synced weights.</summary>
    [JsonIgnore] public string RolloutWeightsDirectory => RolloutWeightsDir ?? Path.Combine(OutputDir, "rollout-weights");

    private void CheckRollout()
    {
        Check.AtLeast("rollout.sync_steps", RolloutSyncSteps, 1);
        Check.Positive("rollout.timeout_s", RolloutTimeoutSeconds);
        foreach (string e in RolloutEndpoints)
            if (!Uri.TryCreate(e, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                Check.Fail($"rollout.endpoints: '{e}' is not an http(s) URL; give base URLs such as http://10.0.0.5:30000");
        if (RolloutEndpoints.Distinct(StringComparer.OrdinalIgnoreCase).Count() != RolloutEndpoints.Count)
            Check.Fail("rollout.endpoints lists a worker twice; give each server once");
        if (UsesRemoteRollouts && UsePeft)
            Check.Fail("rollout.endpoints with use_peft: the workers load full weights and the trainer would push the base without its adapters; merging adapters for the sync is not implemented, so drop one of the two");
        if (UsesRemoteRollouts && RolloutSyncSteps > 1 && ImportanceSamplingCorrection == ImportanceSamplingCorrection.None)
            Check.Fail($"rollout.sync_steps = {RolloutSyncSteps} samples with weights up to {RolloutSyncSteps - 1} steps old; set importance_sampling_correction (token_truncate, as TRL) so the stale rollouts are reweighted, or sync every step");
    }
}
