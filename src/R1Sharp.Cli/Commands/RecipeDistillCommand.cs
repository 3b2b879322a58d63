// `r1 recipe distill [--out DIR] [--seeds 1,2,3] [--teacher DIR] [stage sizes]`: distillation against RL for a small
// student on chain-sum (DistillRecipe): teacher, student base, rejection sampling, SFT, RL only for the same time, and
// distilled + RL, per seed in OUT/seed-N/NN-stage; prints the table of mean ± std over the seeds. Ctrl+C or SIGTERM stops
// inside the running stage (its trainer checkpoints) and exits 130 / 143; the same command continues.
using System.CommandLine;
using System.Globalization;
using R1Sharp.Models;
using R1Sharp.Recipes.Distillation;
using R1Sharp.Recipes.Zero;

namespace R1Sharp.Cli.Commands;

internal static class RecipeDistillCommand
{
    public static Command Create()
    {
        var d = new DistillRecipeOptions { OutDirectory = "" };
        var output = new Option<string?>("--out") { Description = "Run directory (default runs/distill-<timestamp>); rerun with the same --out to continue" };
        var seeds = new Option<string>("--seeds") { Description = "Seeds, e.g. 1,2,3: every stage runs once per seed in OUT/seed-N", DefaultValueFactory = _ => "1" };
        var teacher = new Option<string?>("--teacher") { Description = "A finished teacher model: skip training one (stage 1 only evaluates it)" };
        var teacherBase = new Option<string?>("--teacher-base") { Description = "The teacher's GRPO starts here (default models/chain-sum-base, shipped beside r1)" };
        var preset = new Option<string>("--student-preset") { Description = "Model shape of the student", DefaultValueFactory = _ => d.StudentPreset };
        var worked = new Option<double>("--student-worked") { Description = "Share of worked solutions in the student's pretraining corpus", DefaultValueFactory = _ => d.StudentWorked };
        var studentInit = new Option<string[]>("--student-init") { Description = $"Redraw the student's weights whose names contain NAME from N(0, STD) before pretraining (repeatable, as r1 pretrain --init; 'none': HF's init only) [default: {string.Join(' ', d.StudentInit)}]", AllowMultipleArgumentsPerToken = false };
        var sftEpochs = new Option<double>("--sft-epochs") { Description = "SFT epochs over the kept traces", DefaultValueFactory = _ => d.SftEpochs };
        var sftLr = new Option<double>("--sft-lr") { Description = "SFT peak learning rate", DefaultValueFactory = _ => d.SftLearningRate };
        var thenRl = new Option<int?>("--then-rl-steps") { Description = "GRPO steps after distillation (default: as many as the RL-only run; 0: no distilled + RL stage)" };
        var sizes = new (string Name, string Help, int Default)[]
        {
            ("--teacher-steps", "GRPO steps of the R1-Zero teacher", d.TeacherSteps),
            ("--student-steps", "Pretraining steps of the student base", d.StudentSteps),
            ("--student-corpus-size", "Documents in the student's pretraining corpus", d.StudentCorpusSize),
            ("--student-batch-size", "Documents per pretraining step", d.StudentBatchSize),
            ("--problems", "Training problems the teacher is sampled on", d.Problems),
            ("--samples", "Teacher samples per problem", d.Samples),
            ("--keep", "Accepted traces kept per problem at most", d.Keep),
            ("--sft-batch-size", "SFT examples per step", d.SftBatchSize),
            ("--probe-steps", "GRPO steps timed to size the RL-only run (the first is left out)", d.ProbeSteps),
            ("--prompts-per-step", "GRPO prompts per step", d.PromptsPerStep),
            ("--generations", "GRPO group size G", d.Generations),
            ("--eval-problems", "Held-out problems every model is evaluated on", d.EvalProblems),
            ("--eval-k", "Samples per held-out problem (pass@1 over k, cons@k)", d.EvalK),
        }.Select(s => new Option<int>(s.Name) { Description = s.Help, DefaultValueFactory = _ => s.Default }).ToArray();
        var command = new Command("distill", "Distillation against RL for a small student on chain-sum: teacher, student, rejection sampling + SFT, RL for the same time, distilled + RL, over seeds")
        {
            output, seeds, teacher, teacherBase, preset, worked, studentInit, sftEpochs, sftLr, thenRl,
        };
        foreach (var o in sizes) command.Options.Add(o);
        CliAction.SetTraining(command, (parse, interrupt) =>
        {
            int Size(string name) => parse.GetValue(sizes.Single(o => o.Name == name));
            string outDir = parse.GetValue(output) ?? Path.Combine("runs", "distill-" + DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
            var options = new DistillRecipeOptions
            {
                OutDirectory = outDir, Seeds = ZeroSeeds.Parse(parse.GetRequiredValue(seeds)), Teacher = parse.GetValue(teacher),
                TeacherBase = parse.GetValue(teacherBase), TeacherSteps = Size("--teacher-steps"), StudentPreset = parse.GetRequiredValue(preset),
                StudentSteps = Size("--student-steps"), StudentWorked = parse.GetValue(worked), StudentCorpusSize = Size("--student-corpus-size"),
                StudentBatchSize = Size("--student-batch-size"), StudentInit = StudentInit(parse.GetValue(studentInit), d.StudentInit), Problems = Size("--problems"), Samples = Size("--samples"), Keep = Size("--keep"),
                SftEpochs = parse.GetValue(sftEpochs), SftLearningRate = parse.GetValue(sftLr), SftBatchSize = Size("--sft-batch-size"),
                ProbeSteps = Size("--probe-steps"), ThenRlSteps = parse.GetValue(thenRl), PromptsPerStep = Size("--prompts-per-step"),
                Generations = Size("--generations"), EvalProblems = Size("--eval-problems"), EvalK = Size("--eval-k"),
            }.Validate().Resolve();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var result = DistillRecipe.Run(options, Console.Error.WriteLine, interrupt.Token);
            Console.WriteLine($"distillation vs RL on chain-sum: {options.Seeds.Count} seed(s), {clock.Elapsed.TotalMinutes:0.0} min -> {outDir}");
            Console.Write(result.Table);
            return 0;
        });
        return command;
    }

    // --student-init given: its NAME=STD list replaces the default; 'none' alone clears it.
    private static IReadOnlyList<ParameterInit> StudentInit(string[]? given, IReadOnlyList<ParameterInit> defaults) => given switch
    {
        null or [] => defaults,
        ["none"] => [],
        _ when given.Contains("none") => throw new R1SharpException("--student-init: 'none' cannot be combined with NAME=STD overrides"),
        _ => [.. given.Select(t => ParameterInit.Parse(t, "--student-init"))],
    };
}
