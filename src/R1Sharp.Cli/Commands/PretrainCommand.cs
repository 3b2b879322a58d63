// `r1 pretrain --task chain-sum|chain-sum-bilingual --out DIR [--arch qwen2|llama|deepseek_v3] [--preset small] [--steps N] [--seed S] [--resume | --overwrite]`:
// the tiny base model of the R1-Zero demo (tokenizer + decoder trained from scratch on the task corpus). Every --save-steps
// steps, and on Ctrl+C or SIGTERM (exit 130 / 143), it checkpoints into DIR.partial; the same command with --resume continues.
using System.CommandLine;
using R1Sharp.Models;
using R1Sharp.Training.Infrastructure;
using R1Sharp.Tasks;
using R1Sharp.Recipes.Zero;

namespace R1Sharp.Cli.Commands;

internal static class PretrainCommand
{
    public static Command Create()
    {
        var defaults = new PretrainOptions();
        var task = new Option<string>("--task") { Description = "Built-in task: chain-sum, or chain-sum-bilingual (English and Chinese number words; some worked solutions switch language)", DefaultValueFactory = _ => ChainSumTask.Name };
        var output = new Option<string>("--out") { Description = "Output model directory (must not exist or be empty, unless --overwrite)", Required = true };
        var arch = new Option<string>("--arch") { Description = "Architecture: qwen2, llama or deepseek_v3 (MLA + DeepSeekMoE, experts balanced by bias updates)", DefaultValueFactory = _ => defaults.Arch };
        var preset = new Option<string>("--preset") { Description = "Model shape preset", DefaultValueFactory = _ => defaults.Preset };
        var steps = new Option<int>("--steps") { Description = "Optimizer steps", DefaultValueFactory = _ => defaults.Steps };
        var seed = new Option<ulong>("--seed") { Description = "Seed of corpus, weights and batch order", DefaultValueFactory = _ => defaults.Seed };
        var worked = new Option<double>("--worked-fraction") { Description = "Share of step-by-step solutions in the corpus", DefaultValueFactory = _ => defaults.Corpus.WorkedFraction };
        var corpusSize = new Option<int>("--corpus-size") { Description = "Documents in the corpus", DefaultValueFactory = _ => defaults.CorpusSize };
        var batchSize = new Option<int>("--batch-size") { Description = "Documents per step", DefaultValueFactory = _ => defaults.BatchSize };
        var evalProblems = new Option<int>("--eval-problems") { Description = "Held-out problems the finished model is evaluated on (k = 8)", DefaultValueFactory = _ => defaults.EvalProblems };
        var switchRate = new Option<double>("--switch-rate") { Description = "chain-sum-bilingual: share of worked solutions that switch language midway", DefaultValueFactory = _ => defaults.Bilingual.SwitchRate };
        var switchAfter = new Option<int>("--switch-after") { Description = "chain-sum-bilingual: steps written in the problem's language before a switch (0: a random step)", DefaultValueFactory = _ => defaults.Bilingual.SwitchAfter };
        var init = new Option<string[]>("--init") { Description = "Redraw every parameter whose name contains NAME (biases too) from N(0, STD) after the usual init (repeatable), e.g. --init q_proj=0.125 --init k_proj=0.125", AllowMultipleArgumentsPerToken = false };
        var saveSteps = new Option<int>("--save-steps") { Description = "Steps between checkpoints in OUT.partial, each replacing the last (0: only on Ctrl+C/SIGTERM); a killed run continues from the latest with --resume", DefaultValueFactory = _ => defaults.SaveSteps };
        var resume = new Option<bool>("--resume") { Description = "Continue the interrupted run of --out (its OUT.partial checkpoint) with the same options" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace an existing --out model (and an interrupted run's OUT.partial)" };
        var command = new Command("pretrain", "Pretrain a tiny base model on a built-in task (tokenizer + model from scratch)")
        {
            task, output, arch, preset, steps, seed, worked, corpusSize, batchSize, evalProblems, switchRate, switchAfter, init, saveSteps, resume, overwrite,
        };
        CliAction.SetTraining(command, (parse, interrupt) =>
        {
            if (parse.GetValue(resume) && parse.GetValue(overwrite))
                throw new R1SharpException("give --resume (continue the interrupted run) or --overwrite (start over), not both");
            string taskName = parse.GetValue(task)!;
            var options = defaults with
            {
                Task = taskName,
                Arch = parse.GetValue(arch)!, Preset = parse.GetValue(preset)!, Steps = parse.GetValue(steps), Seed = parse.GetValue(seed),
                CorpusSize = parse.GetValue(corpusSize), BatchSize = parse.GetValue(batchSize), EvalProblems = parse.GetValue(evalProblems),
                Corpus = defaults.Corpus with { WorkedFraction = parse.GetValue(worked) },
                Bilingual = defaults.Bilingual with { SwitchRate = parse.GetValue(switchRate), SwitchAfter = parse.GetValue(switchAfter) },
                Init = [.. (parse.GetValue(init) ?? []).Select(t => ParameterInit.Parse(t))],
                SaveSteps = parse.GetValue(saveSteps),
            };
            if (taskName != BilingualChainSum.Name && (options.Bilingual != defaults.Bilingual))
                throw new R1SharpException($"--switch-rate and --switch-after apply to --task {BilingualChainSum.Name} only");
            if (options.EvalProblems < 1) throw new R1SharpException($"--eval-problems must be >= 1, got {options.EvalProblems}");
            string outDir = parse.GetRequiredValue(output);
            string line = $"r1 pretrain --task {taskName} --out {outDir} --arch {options.Arch} --preset {options.Preset} " +
                $"--steps {options.Steps} --seed {options.Seed} --worked-fraction {options.Corpus.WorkedFraction}" +
                (options.CorpusSize != defaults.CorpusSize ? $" --corpus-size {options.CorpusSize}" : "") +
                (options.BatchSize != defaults.BatchSize ? $" --batch-size {options.BatchSize}" : "") +
                (options.EvalProblems != defaults.EvalProblems ? $" --eval-problems {options.EvalProblems}" : "") +
                (options.Bilingual.SwitchRate != defaults.Bilingual.SwitchRate ? $" --switch-rate {options.Bilingual.SwitchRate}" : "") +
                (options.Bilingual.SwitchAfter != defaults.Bilingual.SwitchAfter ? $" --switch-after {options.Bilingual.SwitchAfter}" : "") +
                ParameterInit.Flags(options.Init);
            var start = parse.GetValue(resume) ? RunStart.Resume : parse.GetValue(overwrite) ? RunStart.Overwrite : RunStart.Fresh;
            var report = ZeroPretrainer.Run(options, outDir, line, Console.Error.WriteLine, interrupt.Token, start);
            Console.WriteLine($"pretrained {report.Parameters:N0} parameters, {report.Steps} steps, loss {report.FinalLoss:0.0000}, {report.Seconds:0} s -> {outDir}");
            return 0;
        });
        return command;
    }
}
