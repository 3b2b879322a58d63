// `r1 train sft|grpo|reward --help` (the real r1): the standard help, then every config key with its default, generated
// from the config records (RecipeConfig.KeyDefaults), so the help cannot drift from the code.
using R1Sharp.Training;
using R1Sharp.Training.Grpo;
using R1Sharp.Training.Reward;
using R1Sharp.Training.Sft;

namespace R1Sharp.Tests.Cli.Commands;

public class TrainHelpTests
{
    static void ListsEveryKey(string recipe, IReadOnlyList<(string Key, string Default)> keys)
    {
        var r = R1Process.Run("train", recipe, "--help");
        Assert.Equal(0, r.ExitCode);
        var lines = r.Stdout.Replace("\r\n", "\n").Split('\n');
        int section = Array.FindIndex(lines, l => l.StartsWith("Config keys (", StringComparison.Ordinal));
        Assert.True(section > 0, r.Stdout);
        Assert.Contains(lines[..section], l => l.Trim() == "--config <config>  Recipe config JSON (keys as in TRL)");
        var listed = lines[(section + 1)..].Where(l => l.Length > 0)
            .Select(l => l.Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries)).Select(p => (p[0], p[1].Trim())).ToArray();
        Assert.Equal(keys, listed);
    }

    [Fact]
    public void Train_sft_help_lists_the_config_keys_with_defaults() => ListsEveryKey("sft", RecipeConfig.KeyDefaults<SftConfig>());

    [Fact]
    public void Train_grpo_help_lists_the_config_keys_with_defaults() => ListsEveryKey("grpo", RecipeConfig.KeyDefaults<GrpoConfig>());

    [Fact]
    public void Train_reward_help_lists_the_config_keys_with_defaults() => ListsEveryKey("reward", RecipeConfig.KeyDefaults<RewardConfig>());

    [Fact]
    public void Other_verbs_help_has_no_keys_section() =>
        Assert.DoesNotContain("Config keys", R1Process.Run("run", "--help").Stdout);
}
