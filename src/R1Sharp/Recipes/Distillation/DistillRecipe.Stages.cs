// The recipe's model-making stages before RL: 1 the teacher (R1-Zero GRPO from the chain-sum base, as `r1 zero`, or a
// given model), 2 the student base (ZeroPretrainer, as `r1 pretrain --preset micro`), 3 rejection sampling of the teacher
// (DistillRunner, as `r1 distill --task chain-sum`), 4 SFT of the student base on the kept traces (completion-only loss,
// as tools/distill-demo.sh's `r1 train sft` config). Each stage resumes from what its directory holds.
using System.Globalization;
using R1Sharp.Evaluation;
using R1Sharp.Models;
using R1Sharp.Recipes.R1;
using R1Sharp.Recipes.Zero;
using R1Sharp.Tasks;
using R1Sharp.Training.Infrastructure;
using R1Sharp.Training.Sft;

namespace R1Sharp.Recipes.Distillation;

public static partial class DistillRecipe
{
    /// <summary>The base seed of the teacher's samples for <paramref name="seed"/>: far apart per seed, so no two seeds share a sample stream.</summary>
    public static ulong SamplingSeed(int seed) => 1234UL + 1_000_000UL * (ulong)seed;

    private static StageResult RunTeacher(StageContext c, DistillRecipeOptions o, int seed, Action<string> log)
    {
        if (o.Teacher is { } given)
        {
            log($"teacher: {given} (given; not trained)");
            var metrics = Evaluate(given, c.Directory, o, log, c.Cancel);
            metrics[TrainSeconds] = 0;
            return new StageResult { Model = given, Metrics = metrics };
        }
        var (model, seconds, steps) = Grpo(c, "grpo", o.TeacherBase!, o.TeacherSteps, seed, o, log);
        var m = Evaluate(model, c.Directory, o, log, c.Cancel);
        m[TrainSeconds] = seconds;
        m["steps"] = steps;
        return new StageResult { Model = model, Metrics = m };
    }

    private static StageResult RunStudent(StageContext c, DistillRecipeOptions o, int seed, Action<string> log)
    {
        var defaults = new PretrainOptions();
        var options = (defaults with
        {
            Task = ChainSumTask.Name, Arch = "qwen2", Preset = o.StudentPreset, Steps = o.StudentSteps, Seed = (ulong)seed,
            CorpusSize = o.StudentCorpusSize, BatchSize = o.StudentBatchSize, EvalProblems = 0, // evaluated below, as every model
            Init = o.StudentInit,
            Corpus = defaults.Corpus with { WorkedFraction = o.StudentWorked },
        }).Validate();
        string model = Path.Combine(c.Directory, "model");
        string command = string.Create(CultureInfo.InvariantCulture,
            $"r1 recipe distill (student base): r1 pretrain --task chain-sum --arch qwen2 --preset {o.StudentPreset} --steps {o.StudentSteps} --seed {seed} --worked-fraction {o.StudentWorked} --corpus-size {o.StudentCorpusSize} --batch-size {o.StudentBatchSize}{ParameterInit.Flags(o.StudentInit)}");
        long parameters = 0;
        double seconds = Timed(c.Directory, "pretrain", () =>
        {
            if (File.Exists(Path.Combine(model, "config.json"))) return; // pretrained before an interrupted evaluation
            var start = Checkpointer.Latest(ZeroPretrainer.WorkDirectory(model)) is not null ? RunStart.Resume : RunStart.Overwrite;
            parameters = ZeroPretrainer.Run(options, model, command, log, c.Cancel, start).Parameters;
        });
        var metrics = Evaluate(model, c.Directory, o, log, c.Cancel);
        metrics[TrainSeconds] = seconds;
        if (parameters > 0) metrics["parameters"] = parameters;
        return new StageResult { Model = model, Metrics = metrics };
    }

    private static StageResult RunDistill(StageContext c, DistillRecipeOptions o, int seed, Action<string> log)
    {
        string teacher = ModelOf(c, TeacherStage);
        var sampling = new EvalOptions { K = o.Samples, MaxNewTokens = ZeroTask.MaxCompletionTokens, Seed = SamplingSeed(seed) };
        var options = new DistillOptions { Sampling = sampling, KeepPerProblem = o.Keep, Format = DistillFormat.PromptCompletion, Instruction = null }.Validate();
        var problems = ZeroTask.TrainProblems(o.Problems, sampling.Seed);
        var paths = DistillPaths.For(Path.Combine(c.Directory, DataFile));
        // As `r1 distill --task chain-sum` keys its state: the teacher's weights, the problems and the sampling.
        var run = EvalRunKey.Create(teacher, EvalRunKey.FingerprintModel(teacher), $"{ChainSumTask.Name} training problems, seed {sampling.Seed}",
            sampling, null, "r1-zero", "f32", $"prompt_completion; keep_per_problem {o.Keep}");
        int every = Math.Max(1, problems.Count / 10);
        log($"distilling {teacher} on {problems.Count} training problems, k = {o.Samples}, keeping {o.Keep} per problem -> {paths.Out}");
        DistillResult? result = null;
        double seconds = Timed(c.Directory, "distill", () =>
        {
            using var backend = LocalEvalBackend.Load(teacher, _ => ZeroTask.Template, sampling, null, teacher);
            result = DistillRunner.RunAsync(backend, problems, options, paths,
                p => { if (p.Done % every == 0 || p.Done == p.Total) log($"distill: {p.Done}/{p.Total} problems"); }, c.Cancel, run).GetAwaiter().GetResult();
        });
        var s = result!.Summary;
        log($"distill: kept {s.Kept} of {s.Traces} traces ({s.ProblemsWithKept} of {s.Problems} problems have one)");
        if (s.Kept == 0)
            throw new R1SharpException($"{paths.Out}: the teacher passed the filters on none of its {s.Traces} traces; give more --problems or --samples, or a stronger teacher");
        return new StageResult
        {
            Metrics = new()
            {
                [TrainSeconds] = seconds, ["problems"] = s.Problems, ["traces"] = s.Traces, ["accepted"] = s.Accepted, ["kept"] = s.Kept,
                ["problems_with_kept"] = s.ProblemsWithKept,
            },
        };
    }

    /// <summary>The kept traces of the distill stage, in its directory (prompt/completion JSONL, as `r1 distill` writes).</summary>
    public const string DataFile = "data.jsonl";

    private static StageResult RunSft(StageContext c, DistillRecipeOptions o, int seed, string distillDirectory, Action<string> log)
    {
        string model = Path.Combine(c.Directory, "model");
        bool resume = Checkpointer.Latest(model) is not null;
        var config = new SftConfig
        {
            ModelNameOrPath = ModelOf(c, StudentStage), DatasetPath = Path.Combine(distillDirectory, DataFile), DatasetFormat = SftDatasetFormat.PromptCompletion,
            OutputDir = model, NumTrainEpochs = o.SftEpochs, PerDeviceTrainBatchSize = o.SftBatchSize, LearningRate = o.SftLearningRate,
            WarmupRatio = 0.05, MaxLength = 256, LoggingSteps = 10, SaveSteps = 50, SaveTotalLimit = 1, Seed = seed,
            ResumeFromCheckpoint = resume ? "latest" : null, OverwriteOutputDir = !resume,
        };
        SftResult? result = null;
        double seconds = Timed(c.Directory, "sft", () => result = SftTrainer.Run(config, null, c.Cancel, new R1.R1Recipe.LogProgress(log)));
        if (result!.Interrupted)
        {
            log($"interrupted after SFT step {result.Steps}; checkpoint in {result.LastCheckpoint}; rerun the same command to continue");
            throw new OperationCanceledException(c.Cancel);
        }
        var metrics = Evaluate(model, c.Directory, o, log, c.Cancel);
        metrics[TrainSeconds] = seconds + MetricOf(c, DistillStage, TrainSeconds); // the distilled student's cost: sampling + SFT
        metrics["sft_seconds"] = seconds;
        metrics["sft_steps"] = result.Steps;
        metrics["sft_final_loss"] = result.History.Count > 0 && result.History[^1].TryGetValue("loss", out var l) ? l : null;
        return new StageResult { Model = model, Metrics = metrics };
    }
}
