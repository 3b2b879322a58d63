// GrpoTrainer with the issue-16 terms on the tiny model: they train, log their metrics, and the defaults log none.
using R1Sharp.Training.Grpo;
using static R1Sharp.Tests.Training.Grpo.GrpoTrainerTestKit;

namespace R1Sharp.Tests.Training.Grpo;

public class GrpoFrontierTrainerTests
{
    [Fact]
    public void Every_term_at_once_trains_and_logs_its_metrics()
    {
        string dir = TempDir();
        using var policy = Policy();
        var config = Config(dir, "--num_iterations=2", "--per_device_train_batch_size=8", "--gradient_accumulation_steps=1",
            "--max_steps=4", "--loss_type=sapo", "--importance_sampling_level=sequence", "--top_entropy_quantile=0.5",
            "--use_adaptive_entropy", "--entropy_target=100", "--importance_sampling_correction=token_truncate",
            "--off_policy_mask_threshold=0.5", "--beta=0.05", "--use_bias_correction_kl", "--ref_model_reset_steps=2");
        using var trainer = new GrpoTrainer(config, policy, Tokenizer, Prompts(8), LengthRewards());
        var history = trainer.Train().History;
        Assert.All(history, m => Assert.True(double.IsFinite(m.Loss), $"loss {m.Loss}"));
        var f = Assert.IsType<FrontierStepStats>(history[^1].Frontier);
        Assert.InRange(f.IsMean, 0.5, 1.5);                               // same engine: weights near 1
        Assert.InRange(f.IsMax, 0.5, 3.0);
        Assert.InRange(f.OffPolicyMasked, 0, 1);
        Assert.True(f.TrainedEntropy > 0);
        Assert.Equal(4 * 0.005, f.EntropyCoef, 9);                        // entropy ≤ target every step: +Δ each
        Assert.Equal(2, f.RefResets);                                     // after steps 2 and 4
        Assert.Equal(0.0, history[2].Kl, 6);                              // reset after step 2: step 3 (new rollout) has ref = policy
        var row = history[^1].ToRow();
        foreach (var key in new[] { "is/mean", "is/max", "is/frac_corrected", "off_policy/frac_masked", "entropy/trained_tokens", "entropy_coef", "ref_resets" })
            Assert.True(row.ContainsKey(key), key);
    }

    [Fact]
    public void Resume_restores_the_adaptive_entropy_coefficient()
    {
        string dir = TempDir();
        string[] adaptive = ["--use_adaptive_entropy", "--entropy_target=100"];
        using (var policy = Policy())
        using (var first = new GrpoTrainer(Config(dir, adaptive), policy, Tokenizer, Prompts(8), LengthRewards()))
            Assert.Equal(2 * 0.005, first.Train().History[^1].Frontier!.EntropyCoef, 12);
        using var resumed = Policy();
        using var second = new GrpoTrainer(Config(dir, [.. adaptive, "--max_steps=3"]), resumed, Tokenizer, Prompts(8), LengthRewards(),
            new GrpoRunOptions { Resume = true });
        Assert.Equal(3 * 0.005, second.Train().History.Single().Frontier!.EntropyCoef, 12);
    }

    [Fact]
    public void Defaults_log_no_frontier_keys_and_rollouts_carry_behaviour_log_probs()
    {
        string dir = TempDir();
        using var policy = Policy();
        using var trainer = new GrpoTrainer(Config(dir, "--max_steps=1"), policy, Tokenizer, Prompts(8), LengthRewards());
        var m = trainer.Train().History.Single();
        Assert.Null(m.Frontier);
        Assert.DoesNotContain(m.ToRow().Keys, k => k.StartsWith("is/") || k == "entropy_coef");
    }

    [Fact]
    public void Micro_batch_carries_behaviour_log_probs_only_when_every_sample_has_them()
    {
        var with = new GrpoSample([1, 2], [5, 6], [true, true], 1.0) { BehaviorLogProbs = [-0.5f, -1.5f] };
        var without = new GrpoSample([1], [7], [true], -1.0);
        using (var mb = GrpoBatch.Build([with, with]))
            Assert.Equal([-0.5f, -1.5f, -0.5f, -1.5f], mb.BehaviorLogProbs!.data<float>().ToArray());
        using (var mb = GrpoBatch.Build([with, without]))
            Assert.Null(mb.BehaviorLogProbs);
    }

    [Fact]
    public void Normalize_then_sum_trains_with_two_rewards()
    {
        string dir = TempDir();
        using var policy = Policy();
        var rewards = new R1Sharp.Rewards.WeightedRewards([
            new("len_mod5", input => input.Completion.Length % 5),
            new("len_mod3", input => 10 * (input.Completion.Length % 3), 0.5)]);
        using var trainer = new GrpoTrainer(Config(dir, "--max_steps=1", "--multi_objective_aggregation=normalize_then_sum"),
            policy, Tokenizer, Prompts(8), rewards);
        Assert.True(double.IsFinite(trainer.Train().History.Single().Loss));
    }
}
