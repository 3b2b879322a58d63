// GrpoConfig: defaults, JSON + --key=value overrides through RecipeConfig, one-line validation messages, derived values.
using R1Sharp.Training;
using R1Sharp.Training.Grpo;

namespace R1Sharp.Tests.Training.Grpo;

public class GrpoConfigTests
{
    private static GrpoConfig Over(params string[] overrides) => GrpoConfig.Load(null, overrides);

    private static string Error(Func<object> act) => Assert.Throws<R1SharpException>(act).Message;

    [Fact]
    public void Defaults_follow_trl_and_validate()
    {
        var c = new GrpoConfig().Validate();
        Assert.Equal(1e-6, c.LearningRate);
        Assert.Equal(8, c.NumGenerations);
        Assert.Equal(0.0, c.Beta);
        Assert.Equal(LossType.Dapo, c.LossType);
        Assert.Equal(ScaleRewards.Group, c.ScaleRewards);
        Assert.Equal(0.2, c.EpsilonHigh);                   // derived from epsilon
        Assert.Equal(8, c.GenerationBatchSize);             // per_device 8 × steps_per_generation 1
        Assert.Equal(1, c.StepsPerGeneration);
        Assert.Equal(1, c.PromptsPerGeneration);
        Assert.Equal(10, c.LogCompletionsSteps);            // follows logging_steps
        Assert.False(c.UsesReferenceModel);
        Assert.False(c.NeedsOldLogProbs);
    }

    [Fact]
    public void Json_file_is_applied_then_overrides_win()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, """{ "beta": 0.001, "num_generations": 16, "loss_type": "grpo", "reward_funcs": ["accuracy", "format"] }""");
            var c = GrpoConfig.Load(path, ["--num_generations=4", "--epsilon_high=0.28"]).Validate();
            Assert.Equal(0.001, c.Beta);
            Assert.Equal(4, c.NumGenerations);
            Assert.Equal(LossType.Grpo, c.LossType);
            Assert.Equal(0.28, c.EpsilonHigh);
            Assert.Equal(["accuracy", "format"], c.RewardFuncs);
            Assert.Equal([1.0, 1.0], c.RewardWeights);     // defaults to one per reward function
            Assert.True(c.UsesReferenceModel);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Unknown_key_in_a_file_names_the_file_and_the_closest_key()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, """{ "num_generation": 4 }""");
            string msg = Error(() => GrpoConfig.Load(path));
            Assert.Contains(path, msg);
            Assert.Contains("unknown key 'num_generation'; did you mean 'num_generations'?", msg);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Unknown_override_suggests_the_closest_key()
    {
        Assert.Contains("did you mean 'learning_rate'?", Error(() => Over("--learnig_rate=1e-5")));
        Assert.Contains("known keys:", Error(() => Over("--zzzzzzzzzzzzzzzzzzzzzz=1")));
    }

    [Fact]
    public void Overrides_are_type_checked()
    {
        Assert.Contains("must be a number, got 'abc'", Error(() => Over("--learning_rate=abc")));
        Assert.Contains("must be an integer, got '2.5'", Error(() => Over("--num_generations=2.5")));
        Assert.Contains("must be true or false", Error(() => Over("--dynamic_sampling=yes")));
        Assert.Contains("not one of grpo|bnpo|dr_grpo|dapo", Error(() => Over("--loss_type=ppo")));
        Assert.Contains("missing '=value'", Error(() => Over("--beta")));
        Assert.Contains("expected --key=value", Error(() => Over("beta=1")));
    }

    [Fact]
    public void Json_values_are_type_checked()
    {
        Assert.Contains("key 'beta' must be a number, got \"0.1\"", Error(() => RecipeConfig.ApplyJson(new GrpoConfig(), """{"beta": "0.1"}""", "x.json")));
        Assert.Contains("key 'reward_funcs' must be a list of a string", Error(() => RecipeConfig.ApplyJson(new GrpoConfig(), """{"reward_funcs": "acc"}""", "x.json")));
        Assert.Contains("key 'num_generations' may not be null", Error(() => RecipeConfig.ApplyJson(new GrpoConfig(), """{"num_generations": null}""", "x.json")));
        Assert.Contains("x.json: not valid JSON", Error(() => RecipeConfig.ApplyJson(new GrpoConfig(), "{", "x.json")));
        Assert.Contains("top level must be a JSON object", Error(() => RecipeConfig.ApplyJson(new GrpoConfig(), "[]", "x.json")));
    }

    [Fact]
    public void Override_forms_dashes_bare_flags_lists_and_null()
    {
        var c = Over("--max-completion-length=64", "--dynamic_sampling", "--reward_funcs=accuracy, format",
            "--reward_weights=[1.0, 0.5]", "--epsilon_high=0.3", "--epsilon_high=null", "--scale_rewards=NONE");
        Assert.Equal(64, c.MaxCompletionLength);
        Assert.True(c.DynamicSampling);
        Assert.Equal(["accuracy", "format"], c.RewardFuncs);
        Assert.Equal([1.0, 0.5], c.RewardWeights);
        Assert.Null(c.EpsilonHigh);
        Assert.Equal(ScaleRewards.None, c.ScaleRewards);
    }

    [Fact]
    public void Overrides_leave_the_original_config_untouched()
    {
        var original = new GrpoConfig();
        var changed = RecipeConfig.ApplyOverrides(original, ["--beta=0.5"]);
        Assert.Equal(0.0, original.Beta);
        Assert.Equal(0.5, changed.Beta);
    }

    [Fact]
    public void Dr_grpo_with_std_scaling_is_rejected_with_what_to_set()
    {
        string msg = Error(() => Over("--loss_type=dr_grpo").Validate());
        Assert.StartsWith("GRPO config: loss_type=dr_grpo with scale_rewards=group", msg);
        Assert.Contains("set --scale_rewards=none", msg);
        Assert.DoesNotContain('\n', msg);
        Assert.Equal(LossType.DrGrpo, Over("--loss_type=dr_grpo", "--scale_rewards=none").Validate().LossType);
    }

    [Theory]
    [InlineData("--num_generations=1", "num_generations must be at least 2")]
    [InlineData("--top_p=0", "top_p must be in (0, 1]")]
    [InlineData("--epsilon=1.5", "epsilon must be in (0, 1)")]
    [InlineData("--beta=-0.1", "beta must be >= 0")]
    [InlineData("--temperature=0", "temperature must be > 0")]
    [InlineData("--max_steps=0", "max_steps must be positive, or -1")]
    [InlineData("--soft_overlong_cache=512", "soft_overlong_cache (512) must be below max_completion_length (512)")]
    [InlineData("--reward_funcs=a,b", null)]
    public void Out_of_range_values_are_named(string arg, string? message)
    {
        if (message is null) { Over(arg).Validate(); return; }
        Assert.Contains(message, Error(() => Over(arg).Validate()));
    }

    [Fact]
    public void Generation_batch_must_hold_whole_groups_and_a_whole_number_of_micro_batches()
    {
        Assert.Contains("must be a multiple of num_generations (4)", Error(() => Over("--per_device_train_batch_size=6", "--num_generations=4").Validate()));
        Assert.Contains("set --generation_batch_size=12", Error(() => Over("--per_device_train_batch_size=6", "--num_generations=4").Validate()));
        Assert.Contains("multiple of per_device_train_batch_size (8)", Error(() => Over("--generation_batch_size=12").Validate()));
        Assert.Contains("cannot both be set", Error(() => Over("--generation_batch_size=16", "--steps_per_generation=2").Validate()));
        Assert.Contains("reward_weights has 1 values but reward_funcs has 2", Error(() => Over("--reward_funcs=a,b", "--reward_weights=1").Validate()));
    }

    [Fact]
    public void Generation_batch_is_derived_from_either_side()
    {
        var a = Over("--generation_batch_size=32", "--num_generations=16").Validate();
        Assert.Equal(4, a.StepsPerGeneration);
        Assert.Equal(2, a.PromptsPerGeneration);
        Assert.True(a.NeedsOldLogProbs);                    // 4 micro-batches per generation, 1 per optimizer step
        var b = Over("--steps_per_generation=2", "--gradient_accumulation_steps=2").Validate();
        Assert.Equal(16, b.GenerationBatchSize);
        Assert.False(b.NeedsOldLogProbs);
        Assert.True(Over("--num_iterations=2").Validate().NeedsOldLogProbs);
    }

    [Fact]
    public void Warmup_steps_win_over_the_ratio()
    {
        Assert.Equal(10, Over("--warmup_ratio=0.1").WarmupStepsFor(95));     // ⌈9.5⌉
        Assert.Equal(5, Over("--warmup_ratio=0.1", "--warmup_steps=5").WarmupStepsFor(95));
        Assert.Equal(0, new GrpoConfig().WarmupStepsFor(100));
    }

    [Fact]
    public void ToJson_writes_snake_case_keys_and_round_trips()
    {
        var c = Over("--loss_type=dr_grpo", "--scale_rewards=none", "--reward_funcs=accuracy", "--beta=0.001").Validate();
        string json = c.ToJson();
        Assert.Contains("\"loss_type\": \"dr_grpo\"", json);
        Assert.Contains("\"epsilon_high\": 0.2", json);
        Assert.Contains("\"reward_weights\": [", json);
        Assert.DoesNotContain("epsilon_low", json);
        Assert.DoesNotContain("EpsilonLow", json);
        var back = RecipeConfig.ApplyJson(new GrpoConfig(), json, "resolved.json");
        Assert.Equal(json, back.ToJson());
    }

    [Fact]
    public void Every_key_is_a_documented_snake_case_name()
    {
        var keys = RecipeConfig.Keys<GrpoConfig>();
        Assert.Equal(keys.Count, keys.Distinct().Count());
        // snake_case, or group.snake_case for a group of keys (rollout.endpoints, as the issue names them).
        Assert.All(keys, k => Assert.Matches(@"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$", k));
        Assert.Contains("num_iterations", keys);
        Assert.Contains("soft_overlong_cache", keys);
        Assert.Equal("learning_rate", keys[0]);
    }

    [Fact]
    public void Closest_key_needs_a_near_match()
    {
        Assert.Equal("top_p", RecipeConfig.ClosestKey("top-p", ["top_p", "top_k"]));
        Assert.Null(RecipeConfig.ClosestKey("gamma", ["learning_rate", "num_generations"]));
    }

    [Fact]
    public void Unreadable_config_file_is_a_one_line_error()
    {
        Assert.Contains("cannot read the recipe config", Error(() => GrpoConfig.Load("/nonexistent/grpo.json")));
    }
}
