// `r1 train <recipe> --config FILE.json [--key=value ...] [--resume]`: training recipes as subcommands of one verb.
// Each recipe is one entry of Recipes (sft, grpo). Ctrl+C stops after the step and checkpoints (exit 130).
using System.CommandLine;
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
    ];

    public static Command Create()
    {
        var command = new Command("train", "Train a model with a recipe (config JSON + --key=value overrides; Ctrl+C checkpoints and stops)");
        foreach (var (_, create) in Recipes) command.Subcommands.Add(create());
        return command;
    }

    /// <summary>The options every recipe shares; extra tokens are the config overrides.</summary>
    internal sealed record RecipeOptions(Option<string?> Config, Option<bool> Resume)
    {
        public static RecipeOptions AddTo(Command command)
        {
            var config = new Option<string?>("--config") { Description = "Recipe config JSON (keys as in TRL)" };
            var resume = new Option<bool>("--resume") { Description = "Continue from the newest checkpoint in output_dir" };
            command.Options.Add(config);
            command.Options.Add(resume);
            command.TreatUnmatchedTokensAsErrors = false;
            return new RecipeOptions(config, resume);
        }

        /// <summary>The --key=value tokens, plus resume_from_checkpoint=latest under --resume.</summary>
        public IReadOnlyList<string> Overrides(ParseResult parse) =>
            [.. parse.UnmatchedTokens, .. parse.GetValue(Resume) ? new[] { "--resume_from_checkpoint=latest" } : []];
    }

    static Command Sft()
    {
        var command = new Command("sft", "Supervised fine-tuning (TRL SFTTrainer semantics): r1 train sft --config sft.json [--key=value ...] [--resume]");
        var options = RecipeOptions.AddTo(command);
        CliAction.SetHandlingCtrlC(command, parse =>
        {
            var config = SftConfig.Load(parse.GetValue(options.Config), options.Overrides(parse)).Validate();
            Console.WriteLine("resolved config:");
            Console.WriteLine(config.ToJson());
            using var interrupt = new Interrupt();
            var result = TrainingProgress.Run("sft", p => SftTrainer.Run(config, null, interrupt.Token, p));
            Console.WriteLine($"done: {result.Steps} steps, {result.TokensPerSecond:0} tokens/s, MFU {result.Mfu * 100:0.0}%" +
                (result.LastCheckpoint is { } c ? $", last checkpoint {c}" : ""));
            return result.Interrupted ? R1Cli.Interrupted : 0;
        });
        return command;
    }
}
