// `r1 zero [--out DIR] [--steps N] [--seed S] [--arch A] [--base DIR] [--loss-type V] [--grpo k=v ...] [--use-peft [--lora-r R]
// [--lora-alpha A] [--lora-target-modules M,…]] [--resume | --overwrite]`: the R1-Zero experiment on a
// laptop — GRPO from the committed tiny base (qwen2 or deepseek_v3) with rule rewards, evaluated before and after on held-out
// problems. Ctrl+C or SIGTERM checkpoints the last finished step and exits 130 / 143; --resume continues.
using System.CommandLine;
using System.Globalization;
using R1Sharp.Evaluation;
using R1Sharp.Recipes.Zero;

namespace R1Sharp.Cli.Commands;

internal static class ZeroCommand
{
    public static Command Create()
    {
        var grpo = ZeroOptions.DefaultGrpo;
        var output = new Option<string?>("--out") { Description = "Run directory (default runs/zero-<timestamp>)" };
        var steps = new Option<int>("--steps") { Description = "GRPO steps", DefaultValueFactory = _ => grpo.MaxSteps };
        var seed = new Option<int>("--seed") { Description = "Seed of problems, rollouts and evaluation samples", DefaultValueFactory = _ => grpo.Seed };
        var seeds = new Option<string?>("--seeds") { Description = "Run once per seed (e.g. 1,2,3) into OUT/seed-N and report every figure as mean ± sample std (replaces --seed; finished seeds are read on a rerun)" };
        var arch = new Option<string?>("--arch") { Description = "Architecture of the base: qwen2 (default base models/chain-sum-base) or deepseek_v3 (models/chain-sum-base-v3)" };
        var baseModel = new Option<string?>("--base") { Description = "Base model directory (default: the committed base of --arch and --task, shipped beside r1)" };
        var task = new Option<string>("--task") { Description = "Built-in task: chain-sum, or chain-sum-bilingual (prompts alternate English and Chinese; base models/chain-sum-bilingual-base)", DefaultValueFactory = _ => Tasks.ChainSumTask.Name };
        var evalProblems = new Option<int>("--eval-problems") { Description = "Held-out problems evaluated before and after", DefaultValueFactory = _ => 100 };
        var evalK = new Option<int>("--eval-k") { Description = "Samples per held-out problem (pass@1 over k, cons@k)", DefaultValueFactory = _ => 8 };
        var lr = new Option<double>("--lr") { Description = "GRPO learning rate (AdamW)", DefaultValueFactory = _ => grpo.LearningRate };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its last checkpoint" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace the earlier run in --out (its checkpoints, metrics, evaluations) instead of refusing" };
        var lossType = new Option<string?>("--loss-type") { Description = $"GRPO variant: {string.Join(", ", ZeroVariants.Names)} (see README; default: r1 zero's bnpo)" };
        var set = new Option<string[]>("--grpo") { Description = "A GRPO config key, as in r1 train grpo: --grpo top_entropy_quantile=0.2 (repeatable)" };
        var endpoints = new Option<string?>("--rollout-endpoints") { Description = "Sample GRPO rollouts on these inference servers (comma-separated base URLs: r1 serve, SGLang or vLLM), which reload the policy each step; see README \"Remote rollouts\"" };
        var usePeft = new Option<bool>("--use-peft") { Description = "Train LoRA adapters on the frozen base (TRL use_peft); checkpoints hold the PEFT adapter" };
        var loraR = new Option<int>("--lora-r") { Description = "LoRA rank (with --use-peft)", DefaultValueFactory = _ => grpo.LoraR };
        var loraAlpha = new Option<double>("--lora-alpha") { Description = "LoRA alpha (with --use-peft)", DefaultValueFactory = _ => grpo.LoraAlpha };
        var loraTargets = new Option<string?>("--lora-target-modules") { Description = "Comma-separated projections to adapt, or all-linear (default q_proj,v_proj)" };
        var command = new Command("zero", "R1-Zero: GRPO with rule rewards from a tiny base model, evaluated before and after")
        {
            output, steps, seed, seeds, arch, baseModel, task, evalProblems, evalK, lr, resume, overwrite, lossType, set, usePeft, loraR, loraAlpha, loraTargets, endpoints,
            ZeroAblateCommand.Create(),
        };
        CliAction.SetTraining(command, (parse, interrupt) =>
        {
            bool isResume = parse.GetValue(resume);
            string? outDir = parse.GetValue(output);
            if (isResume && outDir is null) throw new R1SharpException("--resume needs --out DIR, the run to continue");
            if (isResume && parse.GetValue(overwrite)) throw new R1SharpException("give --resume (continue the run in --out) or --overwrite (replace it), not both");
            outDir ??= Path.Combine("runs", "zero-" + DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
            var options = new ZeroOptions
            {
                OutDirectory = outDir, BaseModel = parse.GetValue(baseModel), Arch = parse.GetValue(arch), Resume = isResume, Task = parse.GetValue(task)!,
                Overwrite = parse.GetValue(overwrite),
                EvalProblems = parse.GetValue(evalProblems), EvalK = parse.GetValue(evalK),
                Grpo = Configure(grpo with
                {
                    MaxSteps = parse.GetValue(steps), Seed = parse.GetValue(seed), LearningRate = parse.GetValue(lr),
                    UsePeft = parse.GetValue(usePeft), LoraR = parse.GetValue(loraR), LoraAlpha = parse.GetValue(loraAlpha),
                    LoraTargetModules = parse.GetValue(loraTargets)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
                }, parse.GetValue(lossType), [.. parse.GetValue(set) ?? [], .. RolloutEndpoints(parse.GetValue(endpoints))]),
            };
            if (parse.GetValue(seeds) is { } list)
            {
                var multi = ZeroSeeds.Run(options, ZeroSeeds.Parse(list), Console.Error.WriteLine, interrupt.Token);
                ZeroSeedsTable.Print(multi, outDir);
                return 0;
            }
            var (summary, before, after) = ZeroRun.Run(options, Console.Error.WriteLine, interrupt.Token);
            if (Training.Distributed.DataParallel.Current.IsMain) PrintTable(summary, before, after, outDir);
            return 0;
        });
        return command;
    }

    /// <summary>The variant of --loss-type, then each --grpo key=value (as r1 train grpo's --key=value).</summary>
    internal static Training.Grpo.GrpoConfig Configure(Training.Grpo.GrpoConfig config, string? variant, IEnumerable<string> settings)
    {
        if (variant is not null) config = ZeroVariants.Apply(config, variant);
        var overrides = settings.Select(s => s.Contains('=') ? "--" + s.TrimStart('-') : throw new R1SharpException($"--grpo {s}: expected key=value, e.g. --grpo top_entropy_quantile=0.2")).ToArray();
        return overrides.Length == 0 ? config : Training.RecipeConfig.ApplyOverrides(config, overrides);
    }

    // --rollout-endpoints URL,URL is the config key rollout.endpoints (validated there).
    static string[] RolloutEndpoints(string? list) => list is null ? [] : ["rollout.endpoints=" + list];

    static void PrintTable(ZeroSummary s, EvalResult before, EvalResult after, string outDir)
    {
        Console.WriteLine($"R1-Zero on {s.Task}: {s.Steps} GRPO steps in {s.Seconds:0} s -> {outDir}");
        Console.WriteLine($"{"",-22}{"base",10}{"final",10}");
        Console.WriteLine($"{"pass@1",-22}{s.BasePass1,10:P1}{s.FinalPass1,10:P1}");
        Console.WriteLine($"{"cons@" + s.K,-22}{s.BaseConsAtK,10:P1}{s.FinalConsAtK,10:P1}");
        Console.WriteLine($"{"mean length (tokens)",-22}{s.BaseMeanLength,10:0.0}{s.FinalMeanLength,10:0.0}");
        if (s.Task == Tasks.BilingualChainSum.Name)
            Console.WriteLine($"{"language consistency",-22}{s.BaseLanguageConsistency ?? double.NaN,10:P1}{s.FinalLanguageConsistency ?? double.NaN,10:P1}");
        ModeAccuracy b = ZeroText.ByMode(before), a = ZeroText.ByMode(after);
        Console.WriteLine($"{"thinks (non-empty)",-22}{b.ThinkingShare,10:P1}{a.ThinkingShare,10:P1}");
        Console.WriteLine($"{"accuracy thinking",-22}{b.ThinkingAccuracy,10:P1}{a.ThinkingAccuracy,10:P1}");
        Console.WriteLine($"{"accuracy direct",-22}{b.DirectAccuracy,10:P1}{a.DirectAccuracy,10:P1}");
        if (s.BaseMoeLoad is { } bm && s.FinalMoeLoad is { } fm)   // deepseek_v3: expert loads over each evaluation
            Console.WriteLine($"{"MoE load max-vio",-22}{bm.MaxViolation,10:0.00}{fm.MaxViolation,10:0.00}");
        // The longest held-out question shows the difference best: direct answers fail there.
        int pick = Enumerable.Range(0, before.Records.Count).OrderByDescending(i => before.Records[i].Question.Length).FirstOrDefault();
        if (before.Records.Count == 0) return;
        Console.WriteLine($"sample: {before.Records[pick].Question} (gold {before.Records[pick].Gold})");
        Console.WriteLine($"  base: {before.Records[pick].Completions[0].Trim()}");
        Console.WriteLine($"  final: {after.Records[pick].Completions[0].Trim()}");
    }
}
