// The real r1 on issue 15's verbs: `r1 train reward` trains and reports held-out pairwise accuracy (bad keys exit 2),
// and `r1 eval --task chain-sum-bilingual` prints language consistency and writes the summary JSON beside the records.
using System.Text.Json;

namespace R1Sharp.Tests.Cli.Commands;

public class RewardAndBilingualCliTests
{
    static string ChainSumBase => Path.Combine(RepoPaths.Root, "models", "chain-sum-base");

    [Fact]
    public void Train_reward_reports_pairwise_accuracy_and_refuses_bad_keys()
    {
        string dir = Directory.CreateTempSubdirectory("rm-cli").FullName;
        string config = Path.Combine(RepoPaths.Root, "examples", "reward.json");
        var r = R1Process.Run("train", "reward", "--config", config, $"--dataset_path={Path.Combine(RepoPaths.Root, "examples", "reward.jsonl")}",
            $"--model_name_or_path={ChainSumBase}", $"--output_dir={Path.Combine(dir, "rm")}", "--max_steps=2", "--save_steps=0");
        Assert.True(r.ExitCode == 0, r.Stderr + r.Stdout);
        Assert.Contains("done: 2 steps, held-out pairwise accuracy", r.Stdout);
        Assert.True(File.Exists(Path.Combine(dir, "rm", "reward_head.safetensors")));
        var bad = R1Process.Run("train", "reward", "--config", config, $"--model_name_or_path={ChainSumBase}", "--center_reward_coefficient=0.1");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("center_rewards_coefficient", bad.Stderr);
    }

    [Fact]
    public void Eval_of_the_bilingual_task_reports_language_consistency_in_the_table_and_the_json()
    {
        string dir = Directory.CreateTempSubdirectory("eval-bi").FullName;
        string records = Path.Combine(dir, "bi.jsonl");
        var r = R1Process.Run("eval", "--model", ChainSumBase, "--task", "chain-sum-bilingual", "--limit", "2", "--samples", "2", "--out", records);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("chain-sum-bilingual — chain-sum-base", r.Stdout);
        Assert.Contains("heldout-1-zh", r.Stderr);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "bi.summary.json")));
        Assert.Equal(2, summary.RootElement.GetProperty("problems").GetInt32());
        Assert.True(summary.RootElement.TryGetProperty("language_consistency", out _));
        var distill = R1Process.Run("distill", "--teacher", ChainSumBase, "--task", "chain-sum-bilingual", "--samples", "1", "--out", Path.Combine(dir, "d.jsonl"));
        Assert.Equal(2, distill.ExitCode);
        Assert.Contains("r1 distill does not take it yet", distill.Stderr);
    }
}
