// Stage 5 of the recipe: the reward model of R1 §2.3.4's helpfulness reward. `r1 train reward`'s trainer (Bradley–Terry,
// TRL RewardTrainer semantics) from the base on the task's preference pairs — the target answer over a worse one, seen
// as prompt + final answer, as the GRPO reward scores them — with pairwise accuracy on 10 % held out. It then scores
// the helpfulness answers of every earlier stage's evaluation, so the comparison table has a reward-model column.
using R1Sharp.Training.Infrastructure;
using R1Sharp.Training.Reward;

namespace R1Sharp.Recipes.R1;

public static partial class R1Recipe
{
    /// <summary>The recipe's preference pairs: prompt + final answer of the target (chosen) and of the worse response.</summary>
    public static IReadOnlyList<PreferencePair> Preferences(int count, Tasks.TaskLanguage? language) =>
        [.. NonReasoningPrompts(count, PreferenceSeed, language).Select(p => new PreferencePair(
            PromptOf(p.Question) + RewardModelReward.FinalAnswer(p.Target), PromptOf(p.Question) + RewardModelReward.FinalAnswer(p.Worse)))];

    private static StageResult RunRewardModel(StageContext c, R1RecipeOptions o, Action<string> log)
    {
        string model = Path.Combine(c.Directory, "model");
        bool resume = Checkpointer.Latest(model) is not null;
        var config = new RewardConfig
        {
            ModelNameOrPath = o.BaseModel!, OutputDir = model, EvalFraction = 0.1, LearningRate = 3e-4, NumTrainEpochs = 2,
            PerDeviceTrainBatchSize = Math.Min(8, o.PreferencePairs * 9 / 10), MaxLength = 512, Seed = o.Seed, SaveSteps = 50, SaveTotalLimit = 1, LoggingSteps = 10,
            ResumeFromCheckpoint = resume ? "latest" : null, OverwriteOutputDir = !resume,
        };
        var result = RewardTrainer.Run(config, Preferences(o.PreferencePairs, o.Language), c.Cancel, new LogProgress(log));
        if (result.Interrupted)
        {
            log($"interrupted after reward-model step {result.Steps}; checkpoint in {result.LastCheckpoint}; rerun the same command to continue");
            throw new OperationCanceledException(c.Cancel);
        }
        log($"reward model: pairwise accuracy {result.EvalAccuracy:P1} on the held-out pairs");
        var metrics = new Dictionary<string, double?> { ["pairwise_accuracy"] = result.EvalAccuracy, ["rm_steps"] = result.Steps };
        // The helpfulness score of every earlier model (and of the base, evaluated at the start of stage 1).
        string outDir = Path.GetDirectoryName(c.Directory)!;
        for (int i = 0; i < StageNames.Count && StageNames[i] != RewardModelStage; i++)
        {
            string dir = StageRunner.DirectoryOf(outDir, i, StageNames[i]);
            metrics[$"rm_score/{StageNames[i]}"] = RewardModelScore(model, R1StageEval.ReadNonReasoning(dir, "final"));
            if (i == 0) metrics["rm_score/base"] = RewardModelScore(model, R1StageEval.ReadNonReasoning(dir, "start"));
        }
        return new StageResult { Model = model, Metrics = metrics };
    }
}
