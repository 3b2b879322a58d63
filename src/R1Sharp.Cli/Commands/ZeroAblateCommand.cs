// `r1 zero ablate [--variants a,b,...] [--seeds 1,2,3] [--steps N] [--mu M] [--out DIR]`: the R1-Zero experiment once per
// GRPO variant × seed (ZeroAblation), then the table (ablation.md, printed) and charts (reward/length vs step per variant).
using System.CommandLine;
using System.Globalization;
using R1Sharp.Recipes.Zero;

namespace R1Sharp.Cli.Commands;

internal static class ZeroAblateCommand
{
    public static Command Create()
    {
        var defaults = new AblationOptions { OutDirectory = "" };
        var variants = new Option<string>("--variants") { Description = $"Comma-separated variants ({string.Join(", ", ZeroVariants.Names)})", DefaultValueFactory = _ => string.Join(",", ZeroVariants.Ablation) };
        var seeds = new Option<string>("--seeds") { Description = "Comma-separated seeds, one run per variant and seed", DefaultValueFactory = _ => "1,2,3" };
        var output = new Option<string?>("--out") { Description = "Ablation directory (default runs/ablate-<timestamp>); runs finished there are read, not repeated" };
        var steps = new Option<int>("--steps") { Description = "GRPO steps per run", DefaultValueFactory = _ => defaults.Steps };
        var mu = new Option<int>("--mu") { Description = "num_iterations of every run (2: the second pass makes ratio-based variants differ)", DefaultValueFactory = _ => defaults.NumIterations };
        var evalProblems = new Option<int>("--eval-problems") { Description = "Held-out problems per evaluation", DefaultValueFactory = _ => defaults.EvalProblems };
        var evalK = new Option<int>("--eval-k") { Description = "Samples per held-out problem", DefaultValueFactory = _ => defaults.EvalK };
        var baseModel = new Option<string?>("--base") { Description = "Base model directory (default: the committed qwen2 base)" };
        var tableOnly = new Option<bool>("--table-only") { Description = "Only tabulate the runs already in --out" };
        var command = new Command("ablate", "Run r1 zero for each GRPO variant and seed; write a table and charts")
        {
            variants, seeds, output, steps, mu, evalProblems, evalK, baseModel, tableOnly,
        };
        CliAction.SetTraining(command, (parse, interrupt) =>
        {
            string outDir = parse.GetValue(output) ?? Path.Combine("runs", "ablate-" + DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
            var options = new AblationOptions
            {
                Variants = ZeroVariants.Parse(parse.GetValue(variants)!), Seeds = ParseSeeds(parse.GetValue(seeds)!), OutDirectory = outDir,
                Steps = parse.GetValue(steps), NumIterations = parse.GetValue(mu), EvalProblems = parse.GetValue(evalProblems),
                EvalK = parse.GetValue(evalK), BaseModel = parse.GetValue(baseModel), Train = !parse.GetValue(tableOnly),
            };
            if (options.Steps < 1) throw new R1SharpException($"--steps must be at least 1 (got {options.Steps})");
            if (options.NumIterations < 1) throw new R1SharpException($"--mu must be at least 1 (got {options.NumIterations})");
            var rows = ZeroAblation.Run(options, Console.Error.WriteLine, interrupt.Token);
            Console.WriteLine($"GRPO ablation: {options.Variants.Count} variants x {options.Seeds.Count} seeds, {options.Steps} steps, mu {options.NumIterations} -> {outDir}");
            Console.Write(ZeroAblationTable.Markdown(rows));
            return 0;
        });
        return command;
    }

    private static int[] ParseSeeds(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var seeds = parts.Select(p => int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out int s) ? s
            : throw new R1SharpException($"--seeds: '{p}' is not an integer; e.g. --seeds 1,2,3")).ToArray();
        if (seeds.Length == 0) throw new R1SharpException("--seeds: no seed given; e.g. --seeds 1,2,3");
        if (seeds.Distinct().Count() != seeds.Length) throw new R1SharpException("--seeds: a seed is listed twice");
        return seeds;
    }
}
