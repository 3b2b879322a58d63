// Shared pieces of the GrpoTrainer tests: the shipped random models/tiny-qwen2 (vocab 600, 2 layers), short
// chain-sum prompts (no R1-Zero preamble, to keep rollouts cheap), a small config and a few custom rewards.
using R1Sharp.Models;
using R1Sharp.Text;
using R1Sharp.Training.Grpo;
using R1Sharp.Rewards;
using R1Sharp.Tasks;

namespace R1Sharp.Tests.Training.Grpo;

internal static class GrpoTrainerTestKit
{
    public static string ModelDir => Path.Combine(RepoPaths.Root, "models", "tiny-qwen2");

    public static HfTokenizer Tokenizer { get; } = HfTokenizer.Load(ModelDir);

    public static DecoderModel Policy() => DecoderModel.Load(ModelDir);

    /// <summary>Bare chain-sum questions as prompts, gold answers attached.</summary>
    public static IReadOnlyList<GrpoPrompt> Prompts(int count, ulong seed = 7) =>
        ChainSumTask.Problems(count, seed).Select(p => Prompt(p.Question + " =", p.Answer)).ToArray();

    public static GrpoPrompt Prompt(string text, string? gold = null) => new(text, Tokenizer.Encode(text), gold);

    /// <summary>4 completions per prompt, 2 prompts per generation batch, micro-batches of 4 (2 accumulated), 8 new tokens.</summary>
    public static GrpoConfig Config(string outputDir, params string[] overrides) => GrpoConfig.Load(null, new[]
    {
        "--num_generations=4", "--per_device_train_batch_size=4", "--gradient_accumulation_steps=2",
        "--max_completion_length=8", "--max_steps=2", "--learning_rate=1e-3", "--logging_steps=1",
        "--save_steps=0", "--seed=3", $"--output_dir={outputDir}",
    }.Concat(overrides));

    /// <summary>A reward that always varies within a group: the completion's character count mod 5.</summary>
    public static WeightedRewards LengthRewards() =>
        new([new WeightedReward("len_mod5", input => input.Completion.Length % 5)]);

    /// <summary>Fraction of the completion's tokens equal to <paramref name="token"/>.</summary>
    public static WeightedRewards PreferToken(int token) =>
        new([new WeightedReward("prefer", input => CountToken(input.Completion, token) / (double)Math.Max(1, input.CompletionTokens))]);

    private static int CountToken(string completion, int token) => Tokenizer.Encode(completion, addSpecialTokens: false).Count(id => id == token);

    public static string TempDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "r1-grpo-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>The JSON objects of a .jsonl file.</summary>
    public static List<System.Text.Json.JsonElement> ReadJsonl(string path) =>
        File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.Clone()).ToList();
}
