// GRPO from code, the way TRL users write it: a config, and reward functions as plain functions — here a C# lambda
// next to a built-in rule reward. Trains the committed chain-sum base model for a few steps.
// Run from the repository root: dotnet run --project samples/GrpoTraining -c Release -- [STEPS] [OUT_DIR]
using R1Sharp.Rewards;
using R1Sharp.Training.Grpo;

int steps = args.Length > 0 ? int.Parse(args[0]) : 10;
string outDir = args.Length > 1 ? args[1] : Path.Combine(Path.GetTempPath(), "r1-grpo-sample");

// TRL: GRPOConfig(...). Field names follow TRL's (learning_rate, num_generations, beta, epsilon, loss_type, ...).
var config = new GrpoConfig
{
    ModelNameOrPath = "models/chain-sum-base", // a tiny base model, pretrained on the chain-sum task (README)
    Task = "chain-sum", Template = "r1-zero",   // prompts: "a + b + c = ?" problems in the R1-Zero template
    OutputDir = outDir, OverwriteOutputDir = true,
    MaxSteps = steps, NumGenerations = 8, GenerationBatchSize = 32, PerDeviceTrainBatchSize = 32,
    LearningRate = 1e-4, Beta = 0, LossType = LossType.Bnpo, MaxCompletionLength = 96,
    LoggingSteps = 1, SaveSteps = 1000, Seed = 1,
};

// TRL: def brevity(completions, **kwargs) -> list[float]. Here one completion in, one score (or null = no score) out;
// RewardInput also carries the prompt, the gold answer, token counts and the template.
RewardFunction brevity = input =>
{
    int thinking = RewardFunctions.ReasoningOf(input.Completion, input.Template).Length;
    return thinking == 0 ? 0.0 : Math.Max(0.0, 1.0 - thinking / 200.0);
};

// TRL: reward_funcs=[accuracy_reward, brevity], reward_weights=[1.0, 0.2].
var rewards = new WeightedRewards([
    new WeightedReward("accuracy", RewardFunctions.Accuracy()),
    new WeightedReward("format", RewardFunctions.Format()),
    new WeightedReward("brevity", brevity, Weight: 0.2),
]);

var result = GrpoTrainer.Run(config, rewards, new GrpoRunOptions { Log = Console.WriteLine });
Console.WriteLine($"trained {result.Steps} steps; model: {result.LastCheckpoint}");
foreach (var m in result.History.TakeLast(1))
    Console.WriteLine($"last step: reward {m.Reward:0.000} (weighted sum); means: " + string.Join(", ", m.Rewards.Select(r => $"{r.Name} {r.Mean:0.000}")));
