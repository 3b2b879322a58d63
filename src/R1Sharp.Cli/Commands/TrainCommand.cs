// `r1 train <recipe> --config FILE.json [--key=value ...] [--resume]`: training recipes as subcommands of one verb.
// Each recipe is one entry of Recipes (sft, grpo, reward). Ctrl+C or SIGTERM stops after the step and checkpoints (exit 130 / 143).
// An output_dir that holds an earlier run needs --resume (continue it) or --overwrite (replace it).
using System.CommandLine;
using R1Sharp.Cli.Progress;
using R1Sharp.Training.Infrastructure;
using R1Sharp.Training.Sft;

namespace R1Sharp.Cli.Commands;

internal static class TrainCommand
{
    /// <summary>The recipes of `r1 train`, by name.</summary>
    static readonly (string Name, Func<Command> Create)[] Recipes =
    [
        ("sft", Sft),
        ("grpo", TrainGrpoCommand.Create),
        ("reward", TrainRewardCommand.Create),
    ];

    public static Command Create()
    {
        var command = new Command("train", "Train a model with a recipe (config JSON + --key=value overrides; Ctrl+C checkpoints and stops)");
        foreach (var (_, create) in Recipes) command.Subcommands.Add(create());
        return command;
    }

    /// <summary>The options every recipe shares; extra tokens are the config overrides.</summary>
    internal sealed record RecipeOptions(Option<string?> Config, Option<bool> Resume, Option<bool> Overwrite)
    {
        public static RecipeOptions AddTo(Command command)
        {
            var config = new Option<string?>("--config") { Description = "Recipe config JSON (keys as in TRL)" };
            var resume = new Option<bool>("--resume") { Description = "Continue from the newest checkpoint in output_dir" };
            var overwrite = new Option<bool>("--overwrite") { Description = "Replace the earlier run in output_dir (its checkpoints, metrics, model files) instead of refusing (HF overwrite_output_dir)" };
            command.Options.Add(config);
            command.Options.Add(resume);
            command.Options.Add(overwrite);
            command.TreatUnmatchedTokensAsErrors = false;
            return new RecipeOptions(config, resume, overwrite);
        }

        /// <summary>The --key=value tokens, plus resume_from_checkpoint=latest under --resume (<paramref name="resumeKey"/>) and
        /// overwrite_output_dir under --overwrite.</summary>
        public IReadOnlyList<string> Overrides(ParseResult parse, bool resumeKey = true)
        {
            if (parse.GetValue(Resume) && parse.GetValue(Overwrite))
                throw new R1SharpException("give --resume (continue the run in output_dir) or --overwrite (replace it), not both");
            return [.. parse.UnmatchedTokens, .. resumeKey && parse.GetValue(Resume) ? new[] { "--resume_from_checkpoint=latest" } : [],
                .. parse.GetValue(Overwrite) ? new[] { "--overwrite_output_dir" } : []];
        }
    }

    static Command Sft()
    {
        var command = new Command("sft", "Supervised fine-tuning (TRL SFTTrainer semantics): r1 train sft --config sft.json [--key=value ...] [--resume | --overwrite]");
        var options = RecipeOptions.AddTo(command);
        ConfigKeysHelp.Register<SftConfig>(command);
        CliAction.SetTraining(command, (parse, interrupt) =>
        {
            var config = SftConfig.Load(parse.GetValue(options.Config), options.Overrides(parse)).Validate();
            Console.WriteLine("resolved config:");
            Console.WriteLine(config.ToJson());
            var result = TrainingProgress.Run("sft", p => SftTrainer.Run(config, null, interrupt.Token, p));
            Console.WriteLine($"done: {result.Steps} steps, {result.TokensPerSecond:0} tokens/s, MFU {result.Mfu * 100:0.0}%" +
                (result.LastCheckpoint is { } c ? $", last checkpoint {c}" : ""));
            return result.Interrupted ? interrupt.ExitCode : 0;
        });
        return command;
    }
}
