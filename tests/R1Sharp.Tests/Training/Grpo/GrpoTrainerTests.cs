// End-to-end GRPO runs on the tiny model: every parameter moves, μ = 2 reuses stored old log-probs, β > 0 keeps a
// reference and logs KL, dynamic sampling drops zero-variance groups, metrics/completions files, interruption.
using R1Sharp.Training.Grpo;
using R1Sharp.Rewards;
using static R1Sharp.Tests.Training.Grpo.GrpoTrainerTestKit;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Training.Grpo;

public sealed class GrpoTrainerTests
{
    [Fact]
    public void Two_steps_give_a_finite_loss_and_change_every_trainable_parameter()
    {
        string dir = TempDir();
        using var policy = Policy();
        var before = policy.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        using var trainer = new GrpoTrainer(Config(dir), policy, Tokenizer, Prompts(8), LengthRewards());
        var result = trainer.Train();

        Assert.Equal(2, result.Steps);
        Assert.False(result.Interrupted);
        Assert.All(result.History, m => Assert.True(double.IsFinite(m.Loss) && double.IsFinite(m.GradNorm) && m.GradNorm > 0));
        var unchanged = policy.named_parameters().Where(p => p.parameter.requires_grad && p.parameter.allclose(before[p.name], 0, 0))
            .Select(p => p.name).ToList();
        Assert.Empty(unchanged);
        Assert.True(File.Exists(Path.Combine(result.LastCheckpoint!, "model.safetensors")));
        Assert.All(result.History, m => Assert.Null(m.Memory));   // skip_memory_metrics defaults to true (HF's default)
        foreach (var t in before.Values) t.Dispose();
    }

    [Fact]
    public void Metrics_jsonl_has_one_line_per_step_with_the_logged_set()
    {
        string dir = TempDir();
        using var policy = Policy();
        using var trainer = new GrpoTrainer(Config(dir, "--log_completions_steps=2", "--skip_memory_metrics=false"), policy, Tokenizer, Prompts(8), LengthRewards());
        trainer.Train();

        var rows = ReadJsonl(trainer.MetricsPath);
        Assert.Equal([1, 2], rows.Select(r => r.GetProperty("step").GetInt32()));
        foreach (string key in new[] { "loss", "reward", "reward_std", "rewards/len_mod5/mean", "rewards/len_mod5/std",
                     "frac_reward_zero_std", "completions/mean_length", "completions/min_length", "completions/max_length",
                     "completions/clipped_ratio", "clip_ratio/low_mean", "clip_ratio/high_mean", "clip_ratio/region_mean",
                     "entropy", "learning_rate", "grad_norm", "time/rollout_s", "time/update_s" })
            Assert.Equal(System.Text.Json.JsonValueKind.Number, rows[0].GetProperty(key).ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, rows[0].GetProperty("kl").ValueKind);   // β = 0: no reference
        Assert.True(rows[0].GetProperty("entropy").GetDouble() > 0);
        int max = rows[0].GetProperty("completions/max_length").GetInt32();
        Assert.InRange(max, 1, 8);
        // skip_memory_metrics false: resident memory per phase (one rollout per step here, so both peaks), the run's
        // peak covering them, and the load's peak on the first step only.
        foreach (var row in rows)
        {
            double start = row.GetProperty("memory/start_gb").GetDouble(), peak = row.GetProperty("memory/peak_gb").GetDouble();
            double rollout = row.GetProperty("memory/rollout_peak_gb").GetDouble(), update = row.GetProperty("memory/update_peak_gb").GetDouble();
            Assert.True(start > 0.01 && rollout > 0.01 && update > 0.01, $"memory/start_gb {start}, rollout {rollout}, update {update}");
            Assert.True(peak >= Math.Max(rollout, update), $"memory/peak_gb {peak} below a phase's peak");
        }
        Assert.True(rows[0].GetProperty("memory/load_peak_gb").GetDouble() > 0.01);
        Assert.False(rows[1].TryGetProperty("memory/load_peak_gb", out _));

        // Step 2 only (every 2 steps): 2 prompts × 4 completions, advantages centred per group.
        var completions = ReadJsonl(trainer.CompletionsPath);
        Assert.Equal(8, completions.Count);
        Assert.All(completions, c => Assert.Equal(2, c.GetProperty("step").GetInt32()));
        Assert.All(completions, c => Assert.Equal(c.GetProperty("reward").GetDouble(), c.GetProperty("rewards").GetProperty("len_mod5").GetDouble()));
        foreach (var group in completions.Chunk(4))
            Assert.Equal(0.0, group.Sum(c => c.GetProperty("advantage").GetDouble()), 6);
        Assert.All(completions, c => Assert.Equal(c.GetProperty("rewards").GetProperty("len_mod5").GetDouble(),
            c.GetProperty("completion").GetString()!.Length % 5));
    }

    [Fact]
    public void Two_iterations_reuse_stored_old_log_probs_so_the_ratio_moves_in_the_second()
    {
        string dir = TempDir();
        using var policy = Policy();
        // One optimizer step per pass over the generation batch of 8: step 1 = iteration 0, step 2 = iteration 1.
        var config = Config(dir, "--num_iterations=2", "--per_device_train_batch_size=8", "--gradient_accumulation_steps=1", "--learning_rate=1e-2");
        using var trainer = new GrpoTrainer(config, policy, Tokenizer, Prompts(8), LengthRewards());
        var history = trainer.Train().History;

        Assert.Equal(0.0, history[0].ApproxKl);                  // π_old = π_θ in the first pass: ρ = 1
        Assert.True(history[1].ApproxKl > 1e-8, $"approx_kl {history[1].ApproxKl}");
        Assert.Equal(history[0].Reward, history[1].Reward);        // same generation batch, not re-sampled
    }

    [Fact]
    public void Beta_above_zero_keeps_a_frozen_reference_and_logs_kl()
    {
        string dir = TempDir();
        using var policy = Policy();
        using var trainer = new GrpoTrainer(Config(dir, "--beta=0.1", "--learning_rate=1e-2"), policy, Tokenizer, Prompts(8), LengthRewards());
        Assert.NotNull(trainer.ReferenceModel);
        Assert.All(trainer.ReferenceModel!.parameters(), p => Assert.False(p.requires_grad));
        var refBefore = trainer.ReferenceModel.parameters().First().detach().clone();
        var history = trainer.Train().History;

        Assert.Equal(0.0, history[0].Kl, 9);                      // the policy starts as the reference
        Assert.True(history[1].Kl > 0, $"kl {history[1].Kl}");
        Assert.True(trainer.ReferenceModel.parameters().First().allclose(refBefore, 0, 0));

        using var noRef = new GrpoTrainer(Config(TempDir()), policy, Tokenizer, Prompts(8), LengthRewards());
        Assert.Null(noRef.ReferenceModel);
    }

    [Fact]
    public void Dynamic_sampling_drops_zero_variance_groups_and_refills()
    {
        // Prompts starting with "Same" always get reward 1 (zero std); the others vary with the completion.
        var prompts = Prompts(4).Select((p, i) => i % 2 == 0 ? Prompt("Same " + p.Text) : p).ToArray();
        var rewards = new WeightedRewards([new WeightedReward("mixed", input =>
            input.Prompt.StartsWith("Same", StringComparison.Ordinal) ? 1.0 : input.Completion.Length % 5)]);
        string dir = TempDir();
        using var policy = Policy();
        var config = Config(dir, "--dynamic_sampling", "--max_steps=1", "--log_completions_steps=1");
        using var trainer = new GrpoTrainer(config, policy, Tokenizer, prompts, rewards);
        var m = trainer.Train().History.Single();

        Assert.Equal(2, m.GroupsKept);
        Assert.True(m.GroupsSampled > 2, $"sampled {m.GroupsSampled}");
        Assert.True(m.FracRewardZeroStd > 0);
        var logged = ReadJsonl(trainer.CompletionsPath);
        Assert.Equal(8, logged.Count);
        Assert.DoesNotContain(logged, c => c.GetProperty("prompt").GetString()!.StartsWith("Same", StringComparison.Ordinal));

        using var plain = new GrpoTrainer(Config(TempDir(), "--max_steps=1"), policy, Tokenizer, prompts, rewards);
        Assert.Equal(2, plain.Train().History.Single().GroupsSampled);
    }

    [Fact]
    public void Cancelling_writes_a_checkpoint_and_reports_interrupted()
    {
        string dir = TempDir();
        using var policy = Policy();
        using var cts = new CancellationTokenSource();
        var options = new GrpoRunOptions { Progress = new SyncProgress(_ => cts.Cancel()) };
        using var trainer = new GrpoTrainer(Config(dir, "--max_steps=5"), policy, Tokenizer, Prompts(8), LengthRewards(), options);
        var result = trainer.Train(cts.Token);

        Assert.True(result.Interrupted);
        Assert.Equal(1, result.Steps);
        Assert.Equal(Path.Combine(dir, "checkpoint-1"), result.LastCheckpoint);
        Assert.True(File.Exists(Path.Combine(dir, "checkpoint-1", "config.json")));
    }

    [Fact]
    public void Cancelling_during_an_update_drops_the_step_and_the_resumed_run_matches_the_uninterrupted_one()
    {
        string dir = TempDir();
        using var cts = new CancellationTokenSource();
        bool armed = false;   // set when step 1 is reported; step 2's rollout then cancels while it is scored
        var rewards = new WeightedRewards([new WeightedReward("len_mod5", input =>
        {
            if (armed) cts.Cancel();
            return input.Completion.Length % 5;
        })]);
        using (var policy = Policy())
        using (var first = new GrpoTrainer(Config(dir, "--max_steps=3"), policy, Tokenizer, Prompts(8), rewards,
            new GrpoRunOptions { Progress = new SyncProgress(_ => armed = true) }))
        {
            var interrupted = first.Train(cts.Token);
            Assert.True(interrupted.Interrupted);
            Assert.Equal(1, interrupted.Steps);   // step 2's update stopped before its first micro-batch
        }
        using var resumedPolicy = Policy();
        using var resumed = new GrpoTrainer(Config(dir, "--max_steps=3"), resumedPolicy, Tokenizer, Prompts(8), LengthRewards(),
            new GrpoRunOptions { Resume = true });
        var tail = resumed.Train().History;
        using var straightPolicy = Policy();
        using var straight = new GrpoTrainer(Config(TempDir(), "--max_steps=3"), straightPolicy, Tokenizer, Prompts(8), LengthRewards());
        var all = straight.Train().History;

        Assert.Equal([2, 3], tail.Select(m => m.Step));
        Assert.Equal(all.Skip(1).Select(m => (m.Reward, m.Loss)), tail.Select(m => (m.Reward, m.Loss)));
        foreach (var ((name, a), (_, b)) in straightPolicy.CheckpointParameters().Zip(resumedPolicy.CheckpointParameters()))
            Assert.True(a.equal(b).all().item<bool>(), name);
    }

    [Fact]
    public void Resume_continues_from_the_latest_checkpoint_and_keeps_metrics_consistent()
    {
        string dir = TempDir();
        using (var policy = Policy())
        using (var first = new GrpoTrainer(Config(dir), policy, Tokenizer, Prompts(8), LengthRewards()))
            Assert.Equal(2, first.Train().Steps);

        using var resumed = Policy();
        var options = new GrpoRunOptions { Resume = true };
        using var second = new GrpoTrainer(Config(dir, "--max_steps=3"), resumed, Tokenizer, Prompts(8), LengthRewards(), options);
        var result = second.Train();

        Assert.Equal(3, result.Steps);
        Assert.Equal([3], result.History.Select(m => m.Step));
        Assert.Equal([1, 2, 3], ReadJsonl(second.MetricsPath).Select(r => r.GetProperty("step").GetInt32()));
        Assert.True(File.Exists(Path.Combine(dir, "checkpoint-3", "trainer_state.json")));
        Assert.True(File.Exists(Path.Combine(dir, "reward.png")));
    }

    [Fact]
    public void A_reward_for_one_token_raises_its_probability()
    {
        // tiny-qwen2's weights are nearly uniform (entropy ≈ ln 600); a larger init gives a peaked policy whose
        // runner-up first token is sampled often enough for 20 small steps to learn from.
        using var policy = new R1Sharp.Models.DecoderModel(Policy().Config);
        policy.InitializeWeights(5, std: 0.3);
        var prompt = Prompt("Compute 3 + 4 =");
        var ranked = FirstTokenDistribution(policy, prompt).Select((p, id) => (p, id)).OrderByDescending(x => x.p).Take(20);
        var (before, target) = ranked.Skip(1).First(x => Tokenizer.Decode([x.id]).Trim().Length > 0 && x.p < 0.5);
        string text = Tokenizer.Decode([target]);
        var rewards = new WeightedRewards([new WeightedReward("target", input => CountOf(input.Completion, text))]);
        var config = Config(TempDir(), "--max_steps=20", "--num_generations=8", "--per_device_train_batch_size=8",
            "--gradient_accumulation_steps=1", "--max_completion_length=4", "--learning_rate=1e-2", "--lr_scheduler_type=constant");
        using var trainer = new GrpoTrainer(config, policy, Tokenizer, [prompt], rewards);
        var history = trainer.Train().History;
        double after = FirstTokenDistribution(policy, prompt)[target];

        Assert.True(after > before + 0.1, $"p({text}) {before:0.0000} -> {after:0.0000}");
        Assert.True(history.Skip(15).Average(m => m.Reward) > history.Take(5).Average(m => m.Reward));
    }

    private static double CountOf(string haystack, string needle)
    {
        int count = 0;
        for (int i = haystack.IndexOf(needle, StringComparison.Ordinal); i >= 0; i = haystack.IndexOf(needle, i + needle.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    private static float[] FirstTokenDistribution(R1Sharp.Models.DecoderModel model, GrpoPrompt prompt)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var ids = tensor(prompt.Ids.Select(i => (long)i).ToArray(), [1, prompt.Ids.Count]);
        return nn.functional.softmax(model.Forward(ids, lastOnly: true)[0, 0], 0).data<float>().ToArray();
    }

    /// <summary>IProgress that reports synchronously (Progress&lt;T&gt; posts to the thread pool).</summary>
    internal sealed class SyncProgress(Action<GrpoStepMetrics> report) : IProgress<GrpoStepMetrics>
    {
        public void Report(GrpoStepMetrics value) => report(value);
    }
}
