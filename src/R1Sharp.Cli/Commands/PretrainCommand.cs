// `r1 pretrain --task chain-sum --out DIR [--arch qwen2|llama|deepseek_v3] [--preset small] [--steps N] [--seed S] [--eval-problems N]`:
// the tiny base model of the R1-Zero demo (tokenizer + decoder trained from scratch on the task corpus).
using System.CommandLine;
using R1Sharp.Training.Tasks;
using R1Sharp.Training.Zero;

namespace R1Sharp.Cli.Commands;

internal static class PretrainCommand
{
    public static Command Create()
    {
        var defaults = new PretrainOptions();
        var task = new Option<string>("--task") { Description = "Built-in task: chain-sum", DefaultValueFactory = _ => ChainSumTask.Name };
        var output = new Option<string>("--out") { Description = "Output model directory (must not exist or be empty)", Required = true };
        var arch = new Option<string>("--arch") { Description = "Architecture: qwen2, llama or deepseek_v3 (MLA + DeepSeekMoE, experts balanced by bias updates)", DefaultValueFactory = _ => defaults.Arch };
        var preset = new Option<string>("--preset") { Description = "Model shape preset", DefaultValueFactory = _ => defaults.Preset };
        var steps = new Option<int>("--steps") { Description = "Optimizer steps", DefaultValueFactory = _ => defaults.Steps };
        var seed = new Option<ulong>("--seed") { Description = "Seed of corpus, weights and batch order", DefaultValueFactory = _ => defaults.Seed };
        var worked = new Option<double>("--worked-fraction") { Description = "Share of step-by-step solutions in the corpus", DefaultValueFactory = _ => defaults.Corpus.WorkedFraction };
        var evalProblems = new Option<int>("--eval-problems") { Description = "Held-out problems the finished model is evaluated on (k = 8)", DefaultValueFactory = _ => defaults.EvalProblems };
        var command = new Command("pretrain", "Pretrain a tiny base model on a built-in task (tokenizer + model from scratch)")
        {
            task, output, arch, preset, steps, seed, worked, evalProblems,
        };
        CliAction.Set(command, (parse, token) =>
        {
            string taskName = parse.GetValue(task)!;
            if (taskName != ChainSumTask.Name) throw new R1SharpException($"--task: unknown task '{taskName}'; use {ChainSumTask.Name}");
            var options = defaults with
            {
                Arch = parse.GetValue(arch)!, Preset = parse.GetValue(preset)!, Steps = parse.GetValue(steps), Seed = parse.GetValue(seed),
                Corpus = defaults.Corpus with { WorkedFraction = parse.GetValue(worked) }, EvalProblems = parse.GetValue(evalProblems),
            };
            if (options.EvalProblems < 1) throw new R1SharpException($"--eval-problems must be >= 1, got {options.EvalProblems}");
            string outDir = parse.GetRequiredValue(output);
            string line = $"r1 pretrain --task {taskName} --out {outDir} --arch {options.Arch} --preset {options.Preset} " +
                $"--steps {options.Steps} --seed {options.Seed} --worked-fraction {options.Corpus.WorkedFraction}" +
                (options.EvalProblems == defaults.EvalProblems ? "" : $" --eval-problems {options.EvalProblems}");
            var report = ZeroPretrainer.Run(options, outDir, line, Console.Error.WriteLine, token);
            Console.WriteLine($"pretrained {report.Parameters:N0} parameters, {report.Steps} steps, loss {report.FinalLoss:0.0000}, {report.Seconds:0} s -> {outDir}");
            return 0;
        });
        return command;
    }
}
