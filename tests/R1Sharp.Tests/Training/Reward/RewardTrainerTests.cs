// `r1 train reward` as a library: a reward model on models/chain-sum-base learns a preference (worked solutions over
// direct answers) to high held-out pairwise accuracy, saves a loadable directory, resumes exactly, and serves as a
// GRPO reward function that sees the final answer only.
using R1Sharp.Rewards;
using R1Sharp.Tasks;
using R1Sharp.Text.ChatTemplates;
using R1Sharp.Training.Grpo;
using R1Sharp.Training.Infrastructure;
using R1Sharp.Training.Reward;
using static R1Sharp.Tests.Training.Grpo.GrpoTrainerTestKit;

namespace R1Sharp.Tests.Training.Reward;

public class RewardTrainerTests
{
    static string Base => Path.Combine(RepoPaths.Root, "models", "chain-sum-base");

    /// <summary>Chosen: the worked solution; rejected: a direct answer (both right), so the preference is "show the work".</summary>
    internal static List<PreferencePair> Pairs(int count) => [.. ChainSumTask.Problems(count, seed: 11).Select(p => new PreferencePair(
        R1ZeroTemplate.Prompt(p.Question) + ChainSumTask.WorkedCompletion(p), R1ZeroTemplate.Prompt(p.Question) + ChainSumTask.DirectCompletion(p)))];

    internal static RewardConfig Config(string output, params string[] overrides) => RewardConfig.Load(null, new[]
    {
        $"--model_name_or_path={Base}", $"--output_dir={output}", "--per_device_train_batch_size=8", "--learning_rate=1e-3",
        "--max_steps=12", "--eval_fraction=0.2", "--save_steps=0", "--logging_steps=1", "--seed=3", "--lr_scheduler_type=constant",
    }.Concat(overrides));

    sealed class Sync(Action<TrainingStepReport> report) : IProgress<TrainingStepReport>
    {
        public void Report(TrainingStepReport value) => report(value);
    }

    [Fact]
    public void Learns_the_preference_and_saves_a_loadable_reward_model()
    {
        string output = TempDir();
        var result = RewardTrainer.Run(Config(output), Pairs(120));

        Assert.Equal(12, result.Steps);
        Assert.False(result.Interrupted);
        Assert.True(result.EvalAccuracy >= 0.9, $"held-out pairwise accuracy {result.EvalAccuracy}");
        Assert.True(result.History[^1]["loss"] < result.History[0]["loss"]);
        Assert.True(File.Exists(Path.Combine(output, RewardModel.HeadFile)));
        Assert.True(File.Exists(Path.Combine(output, "metrics.jsonl")));
        Assert.True(File.Exists(Path.Combine(output, "accuracy.png")));
        using var loaded = RewardModel.Load(output);
        var tokenizer = R1Sharp.Text.HfTokenizer.Load(output);
        var pair = Pairs(121)[^1];
        var scores = loaded.ScoreTexts(tokenizer, [pair.Chosen, pair.Rejected]);
        Assert.True(scores[0] > scores[1]);
        Assert.Contains("not a reward model", Assert.Throws<R1SharpException>(() => RewardModel.Load(Base)).Message);
    }

    [Fact]
    public void An_interrupted_run_resumes_to_the_same_model_as_an_uninterrupted_one()
    {
        string whole = TempDir(), split = TempDir();
        var straight = RewardTrainer.Run(Config(whole, "--max_steps=6"), Pairs(80));

        using (var cts = new CancellationTokenSource())
        {
            var first = RewardTrainer.Run(Config(split, "--max_steps=6"), Pairs(80), cts.Token,
                new Sync(r => { if (r.Step == 3 && r.Message is null) cts.Cancel(); }));
            Assert.True(first.Interrupted);
            Assert.Equal(3, first.Steps);
            Assert.EndsWith("checkpoint-3", first.LastCheckpoint);
        }
        var resumed = RewardTrainer.Run(Config(split, "--max_steps=6", "--resume_from_checkpoint=latest"), Pairs(80));

        Assert.Equal(6, resumed.Steps);
        Assert.Equal([1.0, 2, 3, 4, 5, 6], resumed.History.Select(r => r["step"]));
        Assert.Equal(straight.History[^1]["loss"], resumed.History[^1]["loss"], 5);
        Assert.Equal(straight.EvalAccuracy, resumed.EvalAccuracy, 9);
    }

    [Fact]
    public void Config_keys_follow_trl_and_bad_values_are_named()
    {
        var c = RewardConfig.Load(null, [$"--model_name_or_path={Base}", "--center_rewards_coefficient=0.01", "--max_length=512"]).Validate();
        Assert.Equal(0.01, c.CenterRewardsCoefficient);
        Assert.Equal(512, c.MaxLength);
        Assert.Equal(1e-4, RewardConfig.Load(null).LearningRate);
        Assert.Null(RewardConfig.Load(null).CenterRewardsCoefficient);
        Assert.Contains("disable_dropout", Assert.Throws<R1SharpException>(() =>
            RewardConfig.Load(null, [$"--model_name_or_path={Base}", "--disable_dropout=false"]).Validate()).Message);
        Assert.Contains("center_rewards_coefficient", Assert.Throws<R1SharpException>(() =>
            RewardConfig.Load(null, [$"--model_name_or_path={Base}", "--center_rewards_coefficient=-1"]).Validate()).Message);
        Assert.Contains("cannot fill one optimizer step", Assert.Throws<R1SharpException>(() =>
            RewardTrainer.Run(Config(TempDir(), "--per_device_train_batch_size=64"), Pairs(20))).Message);
    }

    [Fact]
    public void A_reward_model_is_a_grpo_reward_function_on_the_final_answer()
    {
        string rm = TempDir();
        RewardTrainer.Run(Config(rm, "--max_steps=4"), Pairs(60));

        var registry = new RewardRegistry();
        RewardModelReward.Register(registry);
        var (name, score) = registry.CreateFromSpec($"reward_model:path={rm}");
        Assert.Equal("reward_model", name);
        const string prompt = "Last digit of a7 + b5 =";
        double a = score(new RewardInput { Prompt = prompt, Completion = " <think> a7 + b5 = 2 </think> <answer> 2 </answer>" })!.Value;
        double b = score(new RewardInput { Prompt = prompt, Completion = " <think> anything else </think> <answer> 2 </answer>" })!.Value;
        double c = score(new RewardInput { Prompt = prompt, Completion = " <think> a7 + b5 = 2 </think> <answer> 9 </answer>" })!.Value;
        Assert.Equal(a, b, 6);      // the thinking is not scored
        Assert.NotEqual(a, c, 6);   // the answer is
        Assert.Equal(" <answer> 2 </answer>", RewardModelReward.FinalAnswer(" <think> x </think> <answer> 2 </answer>"));
        Assert.Equal("", RewardModelReward.FinalAnswer(" <think> never closed"));
        Assert.Contains("'path' is required", Assert.Throws<R1SharpException>(() => registry.CreateFromSpec("reward_model")).Message);

        // In a GRPO run on the tiny policy, named by the config's reward_funcs like any other reward.
        string output = TempDir();
        var config = R1Sharp.Tests.Training.Grpo.GrpoTrainerTestKit.Config(output, $"--reward_funcs=[\"accuracy\", \"reward_model:path={rm}\"]", "--max_steps=1");
        using var policy = Policy();
        using var trainer = new GrpoTrainer(config.Validate(), policy, Tokenizer, Prompts(4), GrpoTrainer.RewardsFromConfig(config));
        trainer.Train();
        var row = ReadJsonl(trainer.MetricsPath)[0];
        Assert.True(double.IsFinite(row.GetProperty("rewards/reward_model/mean").GetDouble()));
    }
}
