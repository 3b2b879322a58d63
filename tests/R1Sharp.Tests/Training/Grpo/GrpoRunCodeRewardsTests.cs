// GrpoTrainer.Run with reward functions given in code (TRL's reward_funcs of callables): a C# lambda scores every
// completion, and reward_funcs from the config is not needed.
using System.Text.Json;
using R1Sharp.Rewards;
using R1Sharp.Training.Grpo;
using static R1Sharp.Tests.Training.Grpo.GrpoTrainerTestKit;

namespace R1Sharp.Tests.Training.Grpo;

public sealed class GrpoRunCodeRewardsTests
{
    [Fact]
    public void Run_scores_every_completion_with_a_lambda_and_logs_it_by_name()
    {
        string output = TempDir();
        var config = GrpoConfig.Load(null, [$"--model_name_or_path={ModelDir}", "--task=chain-sum", "--task_size=8", "--chat_template=r1-zero",
            "--num_generations=2", "--per_device_train_batch_size=4", "--max_completion_length=6", "--max_steps=1",
            "--logging_steps=1", "--save_steps=0", $"--output_dir={output}"]).Validate();
        Assert.Empty(config.RewardFuncs);
        int calls = 0;
        RewardFunction oddLength = input => { Interlocked.Increment(ref calls); return input.Completion.Length % 2; };

        var result = GrpoTrainer.Run(config, new WeightedRewards([new WeightedReward("odd_length", oddLength, Weight: 2)]));

        Assert.Equal(1, result.Steps);
        Assert.Equal(4, calls); // 2 prompts × 2 generations
        var step = result.History.Single();
        Assert.Equal("odd_length", Assert.Single(step.Rewards).Name);
        Assert.Equal(2 * step.Rewards[0].Mean, step.Reward, 9);
        using var metrics = JsonDocument.Parse(File.ReadLines(Path.Combine(output, "metrics.jsonl")).First());
        Assert.True(metrics.RootElement.TryGetProperty("rewards/odd_length/mean", out _));
    }

    [Fact]
    public void Run_from_the_config_alone_still_needs_reward_funcs()
    {
        var config = GrpoConfig.Load(null, [$"--model_name_or_path={ModelDir}", "--task=chain-sum", $"--output_dir={TempDir()}"]);
        var e = Assert.Throws<R1SharpException>(() => GrpoTrainer.Run(config));
        Assert.Contains("reward_funcs is empty", e.Message);
    }
}
