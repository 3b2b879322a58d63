// The recipe's SFT stages. 2 cold start: sample the R1-Zero model, keep correct traces that pass the readability filters
// in the question's language (R1's output form here: reasoning in <think>, then the answer), fill any shortfall with the
// task's own worked solutions (the few-shot / hand-written route of R1 §2.3.1), and SFT the base on them. 4 rejection
// sampling + SFT: sample the stage-3 model, keep correct readable single-language traces, add non-reasoning data
// (explain, restate, refuse) and SFT the base on the union (2 epochs, R1 §2.3.3). The sampled data is written once
// (data.jsonl); an interrupted stage reuses it and resumes the SFT from its checkpoint.
using System.Text.Json;
using R1Sharp.Data;
using R1Sharp.Evaluation;
using R1Sharp.Generation;
using R1Sharp.Recipes.Zero;
using R1Sharp.Tasks;
using R1Sharp.Training.Infrastructure;
using R1Sharp.Training.Sft;

namespace R1Sharp.Recipes.R1;

/// <summary>One SFT example of the recipe: question, completion (without EOS) and where it came from
/// (<c>sampled</c>: rejection sampling, <c>written</c>: the task's worked solution, <c>non-reasoning</c>).</summary>
public sealed record RecipeExample(string Question, string Completion, string Source);

public static partial class R1Recipe
{
    private static StageResult RunColdStart(StageContext c, R1RecipeOptions o, Action<string> log)
    {
        var problems = TrainProblems(o.ColdStartProblems, o.Seed, ColdStartSalt, o.Language);
        var data = SampledData(c.Directory, () =>
        {
            var kept = RejectionSample(ModelOf(c, ZeroStage), problems, o, keepPerProblem: 1, c.Cancel);
            var written = problems.Where(p => kept.All(k => k.Question != p.Problem.Question))
                .Select(p => new RecipeExample(p.Problem.Question, BilingualChainSum.WorkedCompletion(p.Problem, p.Language), "written"));
            return [.. kept.Take(o.ColdStartExamples), .. written.Take(Math.Max(0, o.ColdStartExamples - kept.Count))];
        });
        log($"cold start: {data.Count(d => d.Source == "sampled")} readable traces sampled from R1-Zero, {data.Count(d => d.Source == "written")} written");
        return SftStage(c, o, data, log);
    }

    private static StageResult RunRejection(StageContext c, R1RecipeOptions o, Action<string> log)
    {
        var problems = TrainProblems(o.RejectionProblems, o.Seed, RejectionSalt, o.Language);
        var data = SampledData(c.Directory, () =>
        {
            var kept = RejectionSample(ModelOf(c, ReasoningStage), problems, o, keepPerProblem: 2, c.Cancel);
            // A floor of one tenth of the problems, from worked solutions, so a model that samples nothing readable
            // still leaves reasoning data (reported as "written"; the default run's figures say how many).
            int floor = Math.Max(0, o.RejectionProblems / 10 - kept.Count);
            var written = problems.Where(p => kept.All(k => k.Question != p.Problem.Question)).Take(floor)
                .Select(p => new RecipeExample(p.Problem.Question, BilingualChainSum.WorkedCompletion(p.Problem, p.Language), "written"));
            var other = NonReasoningPrompts(o.NonReasoningExamples, NonReasoningTrainSeed, o.Language)
                .Select(p => new RecipeExample(p.Question, p.Target, "non-reasoning"));
            return [.. kept, .. written, .. other];
        });
        log($"rejection sampling: {data.Count(d => d.Source == "sampled")} traces kept, {data.Count(d => d.Source == "written")} written, " +
            $"{data.Count(d => d.Source == "non-reasoning")} non-reasoning examples");
        return SftStage(c, o, data, log);
    }

    /// <summary>
    /// Samples <see cref="R1RecipeOptions.SampleK"/> completions of each problem from the model in <paramref name="modelDir"/>
    /// (temperature 0.6, top-p 0.95) and keeps up to <paramref name="keepPerProblem"/> per problem that pass every filter of
    /// <see cref="R1StageEval.Judge"/> (correct, readable, single-language), in sample order.
    /// </summary>
    public static List<RecipeExample> RejectionSample(string modelDir, IReadOnlyList<(TaskProblem Problem, TaskLanguage Language)> problems,
        R1RecipeOptions o, int keepPerProblem, CancellationToken ct)
    {
        using var generator = TextGenerator.Load(modelDir);
        var asked = problems.Select((p, i) => ZeroTask.ToProblem(p.Problem, $"sample-{i}")).ToList();
        var sampled = Evaluator.Run(generator, asked, ZeroTask.Template,
            new EvalOptions { K = o.SampleK, MaxNewTokens = o.MaxCompletionTokens, Seed = (ulong)o.Seed + 77 }, ct);
        ct.ThrowIfCancellationRequested();
        var kept = new List<RecipeExample>();
        foreach (var record in sampled.Records)
            kept.AddRange(record.Completions.Where(t => R1StageEval.Judge(record.Question, t, record.Gold).All(v => v.Passed))
                .Take(keepPerProblem).Select(t => new RecipeExample(record.Question, t, "sampled")));
        return kept;
    }

    // data.jsonl of the stage: made once, read back by a resumed stage.
    private static List<RecipeExample> SampledData(string dir, Func<List<RecipeExample>> make)
    {
        string path = Path.Combine(dir, "data.jsonl");
        if (File.Exists(path))
            return [.. File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<RecipeExample>(l, ZeroText.Json)!)];
        var data = make();
        IO.AtomicFile.WriteAllText(path, string.Concat(data.Select(d => ZeroText.ToJsonLine(d) + "\n")));
        return data;
    }

    // SFT of the base on the stage's data into DIR/model (resumed from its checkpoint), then the stage's evaluation.
    private static StageResult SftStage(StageContext c, R1RecipeOptions o, IReadOnlyList<RecipeExample> data, Action<string> log)
    {
        if (data.Count == 0) throw new R1SharpException($"{c.Directory}: no SFT examples; give more problems (--cold-start-problems, --rejection-problems)");
        string model = Path.Combine(c.Directory, "model");
        bool resume = Checkpointer.Latest(model) is not null;
        var config = new SftConfig
        {
            ModelNameOrPath = o.BaseModel!, OutputDir = model, NumTrainEpochs = o.SftEpochs, LearningRate = o.SftLearningRate,
            PerDeviceTrainBatchSize = Math.Min(16, data.Count), MaxLength = 512, Seed = o.Seed, SaveSteps = 50, SaveTotalLimit = 1, LoggingSteps = 10,
            WarmupRatio = 0.05, WeightDecay = 0.01, ResumeFromCheckpoint = resume ? "latest" : null, OverwriteOutputDir = !resume,
            ChatTemplate = "r1-zero", DatasetFormat = SftDatasetFormat.PromptCompletion,
        };
        var examples = data.Select(d => new SftExample(PromptOf(d.Question), d.Completion + ZeroTask.Eos)).ToList();
        var result = SftTrainer.Run(config, new SftData(examples), c.Cancel, new LogProgress(log));
        if (result.Interrupted)
        {
            log($"interrupted after SFT step {result.Steps}; checkpoint in {result.LastCheckpoint}; rerun the same command to continue");
            throw new OperationCanceledException(c.Cancel);
        }
        log($"evaluating {Path.GetFileName(c.Directory)} on {o.EvalProblems} held-out problems (k = {o.EvalK}) and {o.EvalNonReasoning} non-reasoning prompts ...");
        using var generator = TextGenerator.Load(model);
        var metrics = R1StageEval.Run(generator, o, c.Directory, "final", c.Cancel).Metrics();
        metrics["sft_examples"] = data.Count;
        metrics["sft_sampled"] = data.Count(d => d.Source == "sampled");
        metrics["sft_written"] = data.Count(d => d.Source == "written");
        metrics["sft_steps"] = result.Steps;
        metrics["sft_final_loss"] = result.History.Count > 0 && result.History[^1].TryGetValue("loss", out var l) ? l : null;
        return new StageResult { Model = model, Metrics = metrics };
    }

    // SFT / reward-model progress into a recipe's log: every logging step's loss and every message, synchronously
    // (also the distillation recipe's SFT stage).
    internal sealed class LogProgress(Action<string> log) : IProgress<TrainingStepReport>
    {
        public void Report(TrainingStepReport value)
        {
            if (value.Message is { } m) log(m);
            else if (value.IsLogStep && value.Metrics.TryGetValue("loss", out var loss))
                log(FormattableString.Invariant($"sft step {value.Step}/{value.TotalSteps} loss {loss:0.0000}"));
        }
    }
}
