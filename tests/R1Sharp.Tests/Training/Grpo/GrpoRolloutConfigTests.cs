// The rollout.* keys of the GRPO config: JSON and --key=value spellings, and the one-line refusals of bad values
// (including stale rollouts without an importance-sampling correction); `r1 zero --rollout-endpoints` maps onto them.
using R1Sharp.Tests.Cli;
using R1Sharp.Training;
using R1Sharp.Training.Grpo;

namespace R1Sharp.Tests.Training.Grpo;

public class GrpoRolloutConfigTests
{
    [Fact]
    public void Rollout_keys_load_from_json_and_overrides()
    {
        var config = RecipeConfig.ApplyJson(new GrpoConfig(), """{"rollout.endpoints": ["http://10.0.0.5:30000", "http://10.0.0.6:30000"], "rollout.sync_steps": 1}""", "grpo.json");
        Assert.Equal(["http://10.0.0.5:30000", "http://10.0.0.6:30000"], config.RolloutEndpoints);
        config = RecipeConfig.ApplyOverrides(config, ["--rollout.endpoints=http://a:1,http://b:2", "--rollout.model_name=m"]).Validate();
        Assert.Equal(["http://a:1", "http://b:2"], config.RolloutEndpoints);
        Assert.True(config.UsesRemoteRollouts);
        Assert.Equal(Path.Combine("runs/grpo", "rollout-weights"), config.RolloutWeightsDirectory);
        Assert.False(new GrpoConfig().Validate().UsesRemoteRollouts);
    }

    [Theory]
    [InlineData("--rollout.endpoints=localhost:8000", "rollout.endpoints: 'localhost:8000' is not an http(s) URL")]
    [InlineData("--rollout.endpoints=http://a:1,http://a:1", "rollout.endpoints lists a worker twice")]
    [InlineData("--rollout.sync_steps=0", "rollout.sync_steps must be")]
    [InlineData("--rollout.timeout_s=0", "rollout.timeout_s must be")]
    public void Bad_rollout_values_are_refused_by_key(string setting, string message)
    {
        var e = Assert.Throws<R1SharpException>(() => GrpoConfig.Load(null, [setting]).Validate());
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Stale_rollouts_need_an_importance_sampling_correction()
    {
        var e = Assert.Throws<R1SharpException>(() => GrpoConfig.Load(null, ["--rollout.endpoints=http://a:1", "--rollout.sync_steps=4"]).Validate());
        Assert.Contains("rollout.sync_steps = 4 samples with weights up to 3 steps old; set importance_sampling_correction", e.Message);
        GrpoConfig.Load(null, ["--rollout.endpoints=http://a:1", "--rollout.sync_steps=4", "--importance_sampling_correction=token_truncate"]).Validate();
    }

    [Fact]
    public void Lora_policies_cannot_sync_to_workers_yet()
    {
        var e = Assert.Throws<R1SharpException>(() => GrpoConfig.Load(null, ["--rollout.endpoints=http://a:1", "--use_peft"]).Validate());
        Assert.Contains("rollout.endpoints with use_peft", e.Message);
    }

    [Fact]
    public void Zero_rollout_endpoints_is_the_config_key()
    {
        var r = R1Process.Run("zero", "--steps", "1", "--out", Path.Combine(Path.GetTempPath(), "r1-zero-" + Guid.NewGuid().ToString("N")[..8]),
            "--rollout-endpoints", "localhost:8000");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("rollout.endpoints: 'localhost:8000' is not an http(s) URL", r.Stderr);
    }
}
