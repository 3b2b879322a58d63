// `r1 recipe r1 [--out DIR] [--lang en|zh] [--base DIR] [--seed S] [stage sizes]`: the DeepSeek-R1 pipeline on the
// bilingual chain-sum task (R1Recipe): R1-Zero, cold start, reasoning RL, rejection sampling + SFT, reward model, RL for
// all scenarios, each stage resumable in OUT/NN-name; prints the comparison table. Ctrl+C or SIGTERM stops inside the
// running stage (its trainer checkpoints) and exits 130 / 143; the same command continues.
using System.CommandLine;
using System.Globalization;
using R1Sharp.Recipes.R1;

namespace R1Sharp.Cli.Commands;

internal static class RecipeCommand
{
    public static Command Create() => new("recipe", "Multi-stage training recipes on the built-in tasks") { R1(), RecipeDistillCommand.Create() };

    static Command R1()
    {
        var d = new R1RecipeOptions { OutDirectory = "" };
        var output = new Option<string?>("--out") { Description = "Run directory (default runs/recipe-<timestamp>); rerun with the same --out to continue" };
        var lang = new Option<string?>("--lang") { Description = "Prompts in one language only: en or zh (default: both, alternating)" };
        var baseModel = new Option<string?>("--base") { Description = "Bilingual base model (default models/chain-sum-bilingual-base, shipped beside r1)" };
        var seed = new Option<int>("--seed") { Description = "Seed of problems, rollouts, SFT order and evaluation", DefaultValueFactory = _ => d.Seed };
        var sizes = new (string Name, string Help, int Default)[]
        {
            ("--zero-steps", "GRPO steps of stage 1 (R1-Zero)", d.ZeroSteps),
            ("--cold-start-problems", "Problems sampled from R1-Zero for the cold-start data", d.ColdStartProblems),
            ("--cold-start-examples", "Cold-start examples (worked solutions fill a shortfall)", d.ColdStartExamples),
            ("--reasoning-steps", "GRPO steps of stage 3 (reasoning RL)", d.ReasoningSteps),
            ("--rejection-problems", "Problems sampled for the rejection-sampling SFT", d.RejectionProblems),
            ("--non-reasoning-examples", "Non-reasoning examples in the stage-4 SFT data", d.NonReasoningExamples),
            ("--preference-pairs", "Preference pairs of the reward model", d.PreferencePairs),
            ("--all-scenario-steps", "GRPO steps of stage 6 (RL for all scenarios)", d.AllScenarioSteps),
            ("--sample-k", "Samples per problem when rejection sampling", d.SampleK),
            ("--prompts-per-step", "GRPO prompts per step", d.PromptsPerStep),
            ("--generations", "GRPO group size G", d.Generations),
            ("--eval-problems", "Held-out problems every model is evaluated on", d.EvalProblems),
            ("--eval-k", "Samples per held-out problem (pass@1 over k, cons@k)", d.EvalK),
            ("--eval-non-reasoning", "Held-out non-reasoning prompts every model answers", d.EvalNonReasoning),
            ("--max-tokens", "Completion budget of rollouts, sampling and evaluation", d.MaxCompletionTokens),
        }.Select(s => new Option<int>(s.Name) { Description = s.Help, DefaultValueFactory = _ => s.Default }).ToArray();
        var command = new Command("r1", "The DeepSeek-R1 recipe on the bilingual chain-sum task: R1-Zero, cold start, reasoning RL, rejection sampling + SFT, reward model, RL for all scenarios")
        {
            output, lang, baseModel, seed,
        };
        foreach (var o in sizes) command.Options.Add(o);
        CliAction.SetTraining(command, (parse, interrupt) =>
        {
            int Size(string name) => parse.GetValue(sizes.Single(o => o.Name == name));
            string outDir = parse.GetValue(output) ?? Path.Combine("runs", "recipe-" + DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
            var options = new R1RecipeOptions
            {
                OutDirectory = outDir, Lang = parse.GetValue(lang), BaseModel = parse.GetValue(baseModel), Seed = parse.GetValue(seed),
                ZeroSteps = Size("--zero-steps"), ColdStartProblems = Size("--cold-start-problems"), ColdStartExamples = Size("--cold-start-examples"),
                ReasoningSteps = Size("--reasoning-steps"), RejectionProblems = Size("--rejection-problems"),
                NonReasoningExamples = Size("--non-reasoning-examples"), PreferencePairs = Size("--preference-pairs"),
                AllScenarioSteps = Size("--all-scenario-steps"), SampleK = Size("--sample-k"), PromptsPerStep = Size("--prompts-per-step"),
                Generations = Size("--generations"), EvalProblems = Size("--eval-problems"), EvalK = Size("--eval-k"),
                EvalNonReasoning = Size("--eval-non-reasoning"), MaxCompletionTokens = Size("--max-tokens"),
            }.Validate();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var result = R1Recipe.Run(options, Console.Error.WriteLine, interrupt.Token);
            Console.WriteLine($"R1 recipe on chain-sum-bilingual{(options.Lang is { } l ? $" ({l})" : "")}: {result.Stages.Count} stages in {clock.Elapsed.TotalMinutes:0.0} min -> {outDir}");
            Console.Write(result.Table);
            return 0;
        });
        return command;
    }
}
