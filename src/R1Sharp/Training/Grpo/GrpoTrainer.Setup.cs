// Setting up a GRPO run from a recipe config (model directory, prompts from a dataset or task, rewards by name),
// the learning-rate schedule, and checkpoints (model directory + trainer state, as DESIGN.md "Model directory").
using R1Sharp.Models;
using R1Sharp.Text;
using R1Sharp.Training.Rewards;

namespace R1Sharp.Training.Grpo;

public sealed partial class GrpoTrainer
{
    private string? _tokenizerSource;

    /// <summary>
    /// Loads model_name_or_path, the prompts (dataset_path or task, rendered with template) and the reward functions
    /// (reward_funcs as registry specs such as <c>accuracy</c> or <c>cosine:max_len=512</c>, with reward_weights), and
    /// trains. Checkpoints, metrics.jsonl and completions.jsonl go to output_dir.
    /// </summary>
    public static GrpoRunResult Run(GrpoConfig config, GrpoRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        config = config.Validate();
        string model = config.ModelNameOrPath
            ?? throw new R1SharpException("GRPO config: model_name_or_path is not set; point it at a model directory (config.json, *.safetensors, tokenizer.json)");
        if (!Directory.Exists(model))
            throw new R1SharpException($"{model}: model directory not found (model_name_or_path); check the path");
        var tokenizer = HfTokenizer.Load(model);
        var prompts = GrpoPrompts.FromConfig(config, tokenizer, model);
        var rewards = RewardsFromConfig(config);
        using var policy = DecoderModel.Load(model);
        using var trainer = new GrpoTrainer(config, policy, tokenizer, prompts, rewards, options) { _tokenizerSource = model };
        return trainer.Train(cancellationToken);
    }

    /// <summary>The weighted reward functions named by reward_funcs / reward_weights (built-in registry names and specs).</summary>
    public static WeightedRewards RewardsFromConfig(GrpoConfig config)
    {
        if (config.RewardFuncs.Count == 0)
            throw new R1SharpException("GRPO config: reward_funcs is empty; name at least one, e.g. [\"accuracy\", \"format\"]");
        var registry = new RewardRegistry();
        var weights = config.RewardWeights ?? Enumerable.Repeat(1.0, config.RewardFuncs.Count).ToArray();
        return new WeightedRewards(config.RewardFuncs.Select((spec, i) =>
        {
            var (name, function) = registry.CreateFromSpec(spec);
            return new WeightedReward(name, function, weights[i]);
        }));
    }

    /// <summary>Linear warm-up to learning_rate, then cosine decay to 0 at the last step.</summary>
    private double LearningRateAt(int step)
    {
        int warmup = _config.WarmupStepsFor(_totalSteps);
        if (step < warmup) return _config.LearningRate * (step + 1) / warmup;
        double progress = _totalSteps <= warmup ? 0 : (double)(step - warmup) / (_totalSteps - warmup);
        return _config.LearningRate * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }

    /// <summary>Writes output_dir/checkpoint-{step}: the model directory and the trainer state.</summary>
    private string SaveCheckpoint()
    {
        string dir = Path.Combine(_config.OutputDir, $"checkpoint-{_state.Step}");
        _policy.Save(dir);
        if (_tokenizerSource is not null)
            foreach (var file in new[] { "tokenizer.json", "tokenizer_config.json", "generation_config.json" })
                if (File.Exists(Path.Combine(_tokenizerSource, file)))
                    File.Copy(Path.Combine(_tokenizerSource, file), Path.Combine(dir, file), overwrite: true);
        File.WriteAllText(Path.Combine(dir, "grpo_config.json"), _config.ToJson());
        _options.Log?.Invoke($"checkpoint {dir}");
        return dir;
    }
}
