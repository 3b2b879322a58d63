// `r1 train grpo --config FILE.json [--key=value ...] [--resume]`: GRPO (R1-Zero style RL) with rule rewards.
// Prints the resolved config (nanoGPT habit), trains, and on Ctrl+C or SIGTERM writes a checkpoint and exits 130 / 143.
using System.CommandLine;
using R1Sharp.Cli.Progress;
using R1Sharp.Training.Grpo;
using R1Sharp.Training.Infrastructure;

namespace R1Sharp.Cli.Commands;

/// <summary>The `grpo` subcommand of `r1 train` (public so tests can run it before `train` wires it).</summary>
public static class TrainGrpoCommand
{
    /// <summary>The `grpo` subcommand of `r1 train`.</summary>
    public static Command Create()
    {
        var command = new Command("grpo", "Train with GRPO on rule rewards (R1-Zero / R1 reasoning RL): r1 train grpo --config grpo.json [--key=value ...] [--resume | --overwrite]");
        var options = TrainCommand.RecipeOptions.AddTo(command);
        ConfigKeysHelp.Register<GrpoConfig>(command);
        CliAction.SetTraining(command, (parse, interrupt) =>
        {
            var overrides = options.Overrides(parse, resumeKey: false); // GRPO resumes through GrpoRunOptions.Resume
            var resolved = GrpoConfig.Load(parse.GetValue(options.Config), overrides).Validate();
            Console.WriteLine(resolved.ToJson());
            var result = TrainingProgress.Run("GRPO", progress =>
            {
                var runOptions = new GrpoRunOptions
                {
                    Resume = parse.GetValue(options.Resume),
                    Progress = new Reporter(progress),
                    Log = line => progress.Report(new TrainingStepReport(0, 0, new Dictionary<string, double>(), Message: line)),
                };
                return GrpoTrainer.Run(resolved, runOptions, interrupt.Token);
            });
            Console.WriteLine(result.Interrupted
                ? $"interrupted at step {result.Steps}; resume with --resume (checkpoint {result.LastCheckpoint})"
                : $"done: {result.Steps} steps, model in {result.LastCheckpoint}");
            return result.Interrupted ? interrupt.ExitCode : 0;
        });
        return command;
    }

    // The trainer's own progress lines come through Log (as messages); metrics only move the bar.
    private sealed class Reporter(IProgress<TrainingStepReport> inner) : IProgress<GrpoStepMetrics>
    {
        public void Report(GrpoStepMetrics m) => inner.Report(new TrainingStepReport(m.Step, m.TotalSteps, m.ToRow()));
    }
}
