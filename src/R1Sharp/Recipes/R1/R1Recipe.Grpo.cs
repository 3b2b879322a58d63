// The recipe's GRPO stages: 1 R1-Zero (accuracy + format from the base), 3 reasoning RL from the cold-start model
// (accuracy + format + language consistency, summed as R1 §2.3.2 does), 6 RL for all scenarios (rule rewards on
// reasoning prompts, the reward model on the final answer of the other safe prompts, the harmless rule on unsafe ones).
// Each runs GrpoTrainer in its stage directory (checkpoints, metrics.jsonl, completions, r1 zero's charts) and resumes
// from the newest checkpoint there.
using System.Text.Json;
using R1Sharp.Formats.Config;
using R1Sharp.Recipes.Zero;
using R1Sharp.Rewards;
using R1Sharp.Tasks;
using R1Sharp.Text;
using R1Sharp.Training.Grpo;
using R1Sharp.Training.Infrastructure;
using R1Sharp.Training.Reward;

namespace R1Sharp.Recipes.R1;

public static partial class R1Recipe
{
    private static StageResult RunZero(StageContext c, R1RecipeOptions o, Action<string> log)
    {
        var prompts = TrainProblems(Math.Max(200, o.ZeroSteps * o.PromptsPerStep), o.Seed, ZeroSalt, o.Language)
            .Select(p => (p.Problem.Question, (string?)p.Problem.Answer)).ToList();
        return Grpo(c, o, o.BaseModel!, o.ZeroSteps, prompts, ["accuracy", "format"], _ => Rules(languageReward: false), log, evaluateStart: true);
    }

    private static StageResult RunReasoning(StageContext c, R1RecipeOptions o, Action<string> log)
    {
        var prompts = TrainProblems(Math.Max(200, o.ReasoningSteps * o.PromptsPerStep), o.Seed, ReasoningSalt, o.Language)
            .Select(p => (p.Problem.Question, (string?)p.Problem.Answer)).ToList();
        return Grpo(c, o, ModelOf(c, ColdStartStage), o.ReasoningSteps, prompts, ["accuracy", "format", "language:language=prompt"],
            _ => Rules(languageReward: true), log);
    }

    private static StageResult RunAllScenarios(StageContext c, R1RecipeOptions o, Action<string> log)
    {
        // Three reasoning prompts to one non-reasoning prompt (R1's SFT mix was ~600k : 200k).
        int reasoningCount = Math.Max(150, o.AllScenarioSteps * o.PromptsPerStep * 3 / 4);
        var reasoning = TrainProblems(reasoningCount, o.Seed, AllScenarioSalt, o.Language).Select(p => (p.Problem.Question, (string?)p.Problem.Answer));
        var other = NonReasoningPrompts(Math.Max(3, reasoningCount / 3), NonReasoningTrainSeed + 1, o.Language).Select(p => (p.Question, (string?)null));
        var prompts = reasoning.Concat(other).ToList(); // the trainer shuffles them
        string rm = ModelOf(c, RewardModelStage);
        return Grpo(c, o, ModelOf(c, RejectionStage), o.AllScenarioSteps, prompts,
            ["accuracy", "format", "language:language=prompt", $"{RewardModelReward.Name}:path={rm}", "harmless"], _ => AllScenarioRewards(rm), log,
            rewardModel: rm);
    }

    /// <summary>Accuracy + format (+ language consistency in the prompt's language), each weight 1.</summary>
    public static WeightedRewards Rules(bool languageReward) => new(
    [
        new WeightedReward("accuracy", RewardFunctions.Accuracy()),
        new WeightedReward("format", RewardFunctions.Format()),
        .. languageReward ? [new WeightedReward("language", OnReasoning(RewardFunctions.LanguageConsistency(new LanguageOptions { FollowPrompt = true })))] : Array.Empty<WeightedReward>(),
    ]);

    /// <summary>
    /// Stage 6's rewards: the rules on reasoning prompts (those with a gold answer), the reward model in
    /// <paramref name="rewardModel"/> on the final answer of the other safe prompts (helpfulness), the harmless rule on
    /// the whole response to unsafe ones; format on every prompt.
    /// </summary>
    public static WeightedRewards AllScenarioRewards(string rewardModel)
    {
        var rm = RewardModelReward.Create(rewardModel);
        return new(
        [
            new WeightedReward("accuracy", RewardFunctions.Accuracy()),
            new WeightedReward("format", RewardFunctions.Format()),
            new WeightedReward("language", OnReasoning(RewardFunctions.LanguageConsistency(new LanguageOptions { FollowPrompt = true }))),
            new WeightedReward("reward_model", input => input.Gold is null && !RewardFunctions.IsUnsafePrompt(input.Prompt) ? rm(input) : null),
            new WeightedReward("harmless", RewardFunctions.Harmless()),
        ]);
    }

    // A reward given only on reasoning prompts (a gold answer); no score elsewhere.
    private static RewardFunction OnReasoning(RewardFunction f) => input => input.Gold is null ? null : f(input);

    private static StageResult Grpo(StageContext c, R1RecipeOptions o, string startModel, int steps, IReadOnlyList<(string Question, string? Gold)> problems,
        IReadOnlyList<string> rewardNames, Func<string, WeightedRewards> rewards, Action<string> log, bool evaluateStart = false, string? rewardModel = null)
    {
        string dir = c.Directory;
        var latest = c.Resume ? GrpoTrainer.LatestCheckpoint(dir) : null;
        if (latest is null) RunDirectory.Prepare(dir, RunStart.Overwrite, "stage directory");
        string modelDir = latest?.Directory ?? startModel;
        int batch = o.PromptsPerStep * o.Generations;
        var config = (ZeroOptions.DefaultGrpo with
        {
            MaxSteps = steps, NumGenerations = o.Generations, GenerationBatchSize = batch, PerDeviceTrainBatchSize = batch, Seed = o.Seed,
            MaxCompletionLength = o.MaxCompletionTokens, SaveSteps = 25, LoggingSteps = 10, RewardFuncs = [.. rewardNames],
            OutputDir = dir, ModelNameOrPath = startModel,
        }).Validate();
        var tokenizer = HfTokenizer.Load(modelDir);
        using var model = PeftSetup.Load(modelDir, config, config.DType, config.Seed);
        var prompts = GrpoPrompts.Render(problems, ZeroTask.Template, tokenizer, config.MaxPromptLength);
        using var trainer = new GrpoTrainer(config, model, tokenizer, prompts, rewards(modelDir), new GrpoRunOptions
        {
            Resume = latest is not null, TokenizerSource = startModel, GenerationConfig = GenerationConfig.Load(startModel),
            Charts = ZeroRun.ChartSpecs, Log = log,
        });
        var metrics = new Dictionary<string, double?>();
        if (evaluateStart)
            foreach (var (k, v) in StartMetrics(dir, () => R1StageEval.Run(trainer.TextGenerator, o, dir, "start", c.Cancel).Metrics("start_")))
                metrics[k] = v;
        var result = trainer.Train(c.Cancel);
        if (result.Interrupted)
        {
            log($"interrupted after step {result.Steps}; checkpoint in {result.LastCheckpoint}; rerun the same command to continue");
            throw new OperationCanceledException(c.Cancel);
        }
        log($"evaluating {Path.GetFileName(dir)} on {o.EvalProblems} held-out problems (k = {o.EvalK}) and {o.EvalNonReasoning} non-reasoning prompts ...");
        var eval = R1StageEval.Run(trainer.TextGenerator, o, dir, "final", c.Cancel);
        foreach (var (k, v) in eval.Metrics()) metrics[k] = v;
        if (rewardModel is not null) metrics["rm_score"] = RewardModelScore(rewardModel, eval.NonReasoning);
        foreach (var (k, v) in R1RecipeTable.Convergence(MetricsLog.Read(Path.Combine(dir, MetricsLog.FileName)))) metrics[k] = v;
        return new StageResult { Model = result.LastCheckpoint, Metrics = metrics };
    }

    // The start model's metrics, measured once: a resumed stage reads them back from start_metrics.json.
    private static Dictionary<string, double?> StartMetrics(string dir, Func<Dictionary<string, double?>> measure)
    {
        string path = Path.Combine(dir, "start_metrics.json");
        if (File.Exists(path)) return JsonSerializer.Deserialize<Dictionary<string, double?>>(File.ReadAllText(path))!;
        var metrics = measure().ToDictionary(m => m.Key, m => m.Value is { } v && double.IsFinite(v) ? v : (double?)null);
        IO.AtomicFile.WriteAllText(path, JsonSerializer.Serialize(metrics));
        return metrics;
    }

    /// <summary>Mean reward-model score of the helpfulness answers (explain, restate) among <paramref name="answers"/>
    /// (prompt + final answer only, as the GRPO reward sees them); null when there are none.</summary>
    public static double? RewardModelScore(string rewardModel, IReadOnlyList<NonReasoningAnswer> answers)
    {
        var helpful = answers.Where(a => a.Kind is nameof(PromptKind.ExplainRule) or nameof(PromptKind.Restate)).ToList();
        if (helpful.Count == 0) return null;
        using var model = RewardModel.Load(rewardModel);
        model.Decoder.eval();
        var tokenizer = HfTokenizer.Load(rewardModel);
        return model.ScoreTexts(tokenizer, [.. helpful.Select(a => a.Prompt + RewardModelReward.FinalAnswer(a.Completion))], 512).Average();
    }
}
