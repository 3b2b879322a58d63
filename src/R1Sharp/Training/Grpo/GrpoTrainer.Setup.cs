// Setting up a GRPO run from a recipe config (model directory, prompts from a dataset or task, rewards by name),
// the learning-rate schedule, and checkpoints (model directory + trainer state, as DESIGN.md "Model directory").
using R1Sharp.Formats.Config;
using R1Sharp.Models;
using R1Sharp.Text;
using System.Text.Json.Nodes;
using R1Sharp.Training.Infrastructure;
using R1Sharp.Rewards;

namespace R1Sharp.Training.Grpo;

public sealed partial class GrpoTrainer
{
    private readonly string? _tokenizerSource;

    /// <summary>
    /// Loads model_name_or_path, the prompts (dataset_path or task, rendered with template) and the reward functions
    /// (reward_funcs as registry specs such as <c>accuracy</c> or <c>cosine:max_len=512</c>, with reward_weights), and
    /// trains. Checkpoints, metrics.jsonl and completions.jsonl go to output_dir.
    /// </summary>
    public static GrpoRunResult Run(GrpoConfig config, GrpoRunOptions? options = null, CancellationToken cancellationToken = default) =>
        Run(config, RewardsFromConfig(config.Validate()), options, cancellationToken);

    /// <summary>
    /// As <see cref="Run(GrpoConfig, GrpoRunOptions?, CancellationToken)"/>, with the reward functions given in code
    /// (TRL's <c>reward_funcs</c> of Python callables) instead of by name; reward_funcs and reward_weights are not read.
    /// Any <c>RewardInput → double?</c> lambda is a <see cref="RewardFunction"/>; mix in the built-ins from
    /// <see cref="RewardFunctions"/>. Example:
    /// <c>Run(config, new WeightedRewards([new("accuracy", RewardFunctions.Accuracy()), new("short", r =&gt; r.CompletionTokens &lt; 64 ? 1 : 0, 0.5)]))</c>.
    /// </summary>
    public static GrpoRunResult Run(GrpoConfig config, WeightedRewards rewards, GrpoRunOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rewards);
        config = config.Validate();
        string model = config.ModelNameOrPath
            ?? throw new R1SharpException("GRPO config: model_name_or_path is not set; point it at a model directory (config.json, *.safetensors, tokenizer.json)");
        if (!Directory.Exists(model))
            throw new R1SharpException($"{model}: model directory not found (model_name_or_path); check the path");
        if (options?.Resume == true && config.OverwriteOutputDir)
            throw new R1SharpException("GRPO: resume and overwrite_output_dir are both set; resume the run in output_dir or replace it, not both");
        // Under mpirun rank 0 prepares output_dir while the others wait (they only read it).
        if (Distributed.DataParallel.Current.IsMain)
            RunDirectory.Prepare(config.OutputDir, options?.Resume == true ? RunStart.Resume : config.OverwriteOutputDir ? RunStart.Overwrite : RunStart.Fresh);
        Distributed.DataParallel.Current.Barrier();
        var tokenizer = HfTokenizer.Load(model);
        var prompts = GrpoPrompts.FromConfig(config, tokenizer, model);
        using var policy = PeftSetup.Load(model, config, config.DType, config.Seed);
        using var trainer = new GrpoTrainer(config, policy, tokenizer, prompts, rewards,
            (options ?? new GrpoRunOptions()) with { TokenizerSource = model, GenerationConfig = GenerationConfig.Load(model) });
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

    /// <summary>
    /// The newest checkpoint under <paramref name="outputDir"/> and the resolved config it was trained with (its
    /// model_name_or_path is the run's starting model), or null when there is none. Recipes that resume a GRPO run ask
    /// this instead of reading trainer_state.json themselves.
    /// </summary>
    public static (string Directory, GrpoConfig Config)? LatestCheckpoint(string outputDir)
    {
        if (Checkpointer.Latest(outputDir) is not { } dir) return null;
        string path = Path.Combine(dir, TrainerState.FileName);
        var saved = TrainerState.Parse(File.ReadAllText(path), path).Config
            ?? throw new R1SharpException($"{path}: no config saved; not a checkpoint of a GRPO run");
        return (dir, RecipeConfig.ApplyJson(new GrpoConfig(), saved.ToJsonString(), path));
    }

    private double LearningRateAt(int step) => LrSchedule.At(step, _config.LearningRate,
        _config.WarmupStepsFor(_totalSteps), _totalSteps, _config.LrSchedulerType);

    /// <summary>Writes output_dir/checkpoint-{step}: model directory, optimizer.safetensors, trainer_state.json.</summary>
    private string SaveCheckpoint()
    {
        CheckRanks(force: true);
        if (!_parallel.IsMain)
        {
            _parallel.Barrier();   // rank 0 writes; the others wait until the checkpoint is in place
            return _checkpointer.PathOf(_state.Step);
        }
        var state = new TrainerState
        {
            GlobalStep = _state.Step,
            Epoch = _state.Epoch + (double)_state.Cursor / _prompts.Count,
            MaxSteps = _totalSteps,
            SamplerSeeds = new() { ["prompts"] = _config.Seed },
            TorchRngState = TrainerState.CaptureTorchRng(),
            Counters = new()
            {
                ["epoch"] = _state.Epoch, ["prompt_cursor"] = _state.Cursor, ["generation_calls"] = _state.GenerationCalls,
            },
            Config = JsonNode.Parse(_config.ToJson()),
            LogHistory = _metricsLog is null || !File.Exists(MetricsPath) ? [] : MetricsLog.Read(MetricsPath),
        };
        SaveEntropyState(state.Counters);
        string dir = _checkpointer.Save(_policy, _optimizer, state);
        _parallel.Barrier();
        _options.Log?.Invoke($"checkpoint {dir}");
        return dir;
    }

    /// <summary>
    /// Restores the newest checkpoint in output_dir: weights, optimizer, step and prompt stream. The reference model
    /// stays the starting policy (it was copied before the checkpoint's weights were loaded). Returns its path.
    /// </summary>
    private string Resume()
    {
        string dir = Checkpointer.Latest(_config.OutputDir)
            ?? throw new R1SharpException($"{_config.OutputDir}: no checkpoint to resume from (checkpoint-N with trainer_state.json); run without --resume");
        var state = Checkpointer.Load(dir, _policy, _optimizer);
        int Counter(string key) => state.Counters.TryGetValue(key, out double v) ? (int)v
            : throw new R1SharpException($"{dir}: trainer_state.json has no counter '{key}'; it was not written by GRPO");
        _state = new GrpoTrainerState(state.GlobalStep, Counter("epoch"), Counter("prompt_cursor"), Counter("generation_calls"));
        RestoreEntropyState(state.Counters);
        Reshuffle();
        _options.Log?.Invoke($"resumed from {dir} at step {_state.Step}");
        return dir;
    }
}
