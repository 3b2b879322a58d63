// `r1 train reward --config FILE.json [--key=value ...] [--resume | --overwrite]`: a reward model (scalar head on the
// decoder) trained with the Bradley-Terry loss on chosen/rejected pairs (TRL RewardTrainer semantics and config names).
using System.CommandLine;
using System.Globalization;
using R1Sharp.Cli.Progress;
using R1Sharp.Training.Reward;

namespace R1Sharp.Cli.Commands;

internal static class TrainRewardCommand
{
    public static Command Create()
    {
        var command = new Command("reward", "Reward model (TRL RewardTrainer semantics: Bradley-Terry on chosen/rejected pairs, pairwise accuracy on a held-out split): r1 train reward --config reward.json [--key=value ...] [--resume | --overwrite]");
        var options = TrainCommand.RecipeOptions.AddTo(command);
        ConfigKeysHelp.Register<RewardConfig>(command);
        CliAction.SetTraining(command, (parse, interrupt) =>
        {
            var config = RewardConfig.Load(parse.GetValue(options.Config), options.Overrides(parse)).Validate();
            Console.WriteLine("resolved config:");
            Console.WriteLine(config.ToJson());
            var result = TrainingProgress.Run("reward", p => RewardTrainer.Run(config, null, interrupt.Token, p));
            string accuracy = double.IsNaN(result.EvalAccuracy) ? "no held-out pairs"
                : string.Create(CultureInfo.InvariantCulture, $"held-out pairwise accuracy {result.EvalAccuracy * 100:0.0}%");
            Console.WriteLine($"done: {result.Steps} steps, {accuracy}" + (result.LastCheckpoint is { } c ? $", last checkpoint {c}" : ""));
            return result.Interrupted ? interrupt.ExitCode : 0;
        });
        return command;
    }
}
