// The GRPO trainer (DeepSeekMath §4.1, R1 §2.2.1, with TRL GRPOTrainer's knobs and DAPO's additions): rollouts
// with the policy's own weights, rule rewards, group advantages, μ clipped-surrogate updates. Reads top to bottom in
// Train(); rollouts are in GrpoTrainer.Rollout.cs, the update in GrpoTrainer.Update.cs, logging in GrpoTrainer.Logging.cs.
using System.Diagnostics;
using R1Sharp.Diagnostics;
using R1Sharp.Formats.Config;
using R1Sharp.Generation;
using TextGenerator = R1Sharp.Generation.TextGenerator;
using R1Sharp.Models;
using R1Sharp.Models.DeepSeekV3;
using R1Sharp.Text;
using R1Sharp.Training.Distributed;
using R1Sharp.Training.Infrastructure;
using R1Sharp.Rewards;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Training.Grpo;

/// <summary>Runtime options of a GRPO run (kept apart from the recipe config).</summary>
public sealed record GrpoRunOptions
{
    /// <summary>Continue from the latest checkpoint in output_dir.</summary>
    public bool Resume { get; init; }
    /// <summary>Receives every step's metrics (on the training thread).</summary>
    public IProgress<GrpoStepMetrics>? Progress { get; init; }
    /// <summary>Model directory whose tokenizer files are copied into every checkpoint (so it loads as a model); null = none.</summary>
    public string? TokenizerSource { get; init; }
    /// <summary>Receives plain progress lines (one per step, plus checkpoint notices); null = silent.</summary>
    public Action<string>? Log { get; init; }
    /// <summary>The model's generation_config.json (EOS ids of rollouts); null = the tokenizer's EOS and config.json's.</summary>
    public GenerationConfig? GenerationConfig { get; init; }
    /// <summary>Charts drawn from metrics.jsonl at the end and on interruption; null = <see cref="GrpoTrainer.ChartSpecs"/>.</summary>
    public IReadOnlyList<ChartSpec>? Charts { get; init; }
}

/// <summary>How a run ended.</summary>
/// <param name="Steps">Optimizer steps completed (including resumed ones).</param>
/// <param name="Interrupted">True when the cancellation token stopped it (a checkpoint was written first).</param>
/// <param name="LastCheckpoint">The newest checkpoint directory, or null.</param>
/// <param name="History">Metrics of the steps run in this call.</param>
public sealed record GrpoRunResult(int Steps, bool Interrupted, string? LastCheckpoint, IReadOnlyList<GrpoStepMetrics> History);

/// <summary>Where the prompt stream and the step counter are; saved with every checkpoint.</summary>
internal sealed record GrpoTrainerState(int Step, int Epoch, int Cursor, long GenerationCalls);

/// <summary>
/// Trains a policy with GRPO. Each generation batch: sample G completions for each of
/// <see cref="GrpoConfig.PromptsPerGeneration"/> prompts with the current weights, score them, compute advantages
/// (dropping zero-variance groups under dynamic sampling), then run μ = num_iterations passes of
/// steps_per_generation micro-batches over them, one optimizer step per gradient_accumulation_steps micro-batches.
/// </summary>
public sealed partial class GrpoTrainer : IDisposable
{
    private readonly GrpoConfig _config;
    private readonly DecoderModel _policy;
    private readonly DecoderModel? _reference;
    private readonly TextGenerator _generator;
    private readonly IReadOnlyList<GrpoPrompt> _prompts;
    private readonly WeightedRewards _rewards;
    private readonly CompletionTemplate _completionTemplate;
    private readonly GrpoRunOptions _options;
    private readonly TrainingOptimizer _optimizer;
    private readonly MoeBalancer? _balancer;
    private readonly SequenceBalance? _seqBalance;
    private readonly Checkpointer _checkpointer;
    private MetricsLog? _metricsLog;
    private readonly int _totalSteps;
    private GrpoTrainerState _state = new(0, 0, 0, 0);
    private int[] _order = [];
    private readonly DataParallel _parallel = DataParallel.Current;   // mpirun: this rank; else one process
    private GrpoShard[] _shards = [];                                 // this rank's share of each micro-batch
    private readonly RemoteRolloutState? _remote;                     // rollout.endpoints: the worker pool; null = in-process

    /// <summary>
    /// A trainer for an in-memory <paramref name="policy"/> (trained in place). <paramref name="config"/> is validated
    /// here. With β ≠ 0 a frozen copy of the policy's current weights becomes the reference model; β = 0 keeps none.
    /// </summary>
    public GrpoTrainer(GrpoConfig config, DecoderModel policy, HfTokenizer tokenizer, IReadOnlyList<GrpoPrompt> prompts,
        WeightedRewards rewards, GrpoRunOptions? options = null)
    {
        _config = config.Validate();
        if (prompts.Count == 0) throw new R1SharpException("GRPO: no prompts to train on");
        _policy = policy;
        if (_config.GradientCheckpointing) policy.GradientCheckpointing = true;
        _prompts = prompts;
        _options = options ?? new GrpoRunOptions();
        if (!_parallel.IsMain) _options = _options with { Log = null, Progress = null };   // rank 0 reports for the job
        _completionTemplate = GrpoPrompts.CompletionTemplateOf(_config.Template);
        _rewards = WithOverlongShaping(rewards, _config);
        _generator = new TextGenerator(policy, tokenizer, _options.GenerationConfig);
        // With LoRA the reference is the frozen base itself: the policy with its adapters switched off (PEFT's disable_adapter).
        _reference = _config.UsesReferenceModel && policy.Adapters is null ? FrozenCopy(policy) : null;
        _optimizer = TrainingOptimizer.Create(policy.Adapters?.NamedParameters() ?? policy.named_parameters().Select(p => (p.name, p.parameter)), new AdamWOptions(_config.LearningRate, _config.AdamBeta1, _config.AdamBeta2,
            _config.AdamEpsilon, _config.WeightDecay));
        _balancer = MoeBalancer.For(policy, _config.MoeBiasUpdateSpeed);
        _seqBalance = SequenceBalance.For(_config.SeqAuxLossAlpha, policy);
        _totalSteps = TotalSteps(_config, prompts.Count);
        _entropyBonus = AdaptiveEntropyCoefficient.For(_config);
        _tokenizerSource = _options.TokenizerSource;
        _checkpointer = new Checkpointer(_config.OutputDir, _config.SaveTotalLimit, _tokenizerSource);
        CheckParallelSupport();
        _remote = NewRemoteRollouts();
        if (policy.Adapters is not null) _options.Log?.Invoke(PeftSetup.Describe(policy));
        Reshuffle();
    }

    /// <summary>The validated config.</summary>
    public GrpoConfig Config => _config;
    /// <summary>The generator of rollouts (the policy's weights; EOS ids from <see cref="GrpoRunOptions.GenerationConfig"/>);
    /// a recipe evaluates the policy with it too, so rollouts and evaluation stop on the same ids.</summary>
    public TextGenerator TextGenerator => _generator;
    /// <summary>The frozen reference model, or null when β = 0.</summary>
    public DecoderModel? ReferenceModel => _reference;

    /// <summary>
    /// Runs until max_steps (or one pass over the prompts when it is −1). On cancellation it writes a checkpoint of
    /// the last finished step and returns with <see cref="GrpoRunResult.Interrupted"/> set.
    /// </summary>
    public GrpoRunResult Train(CancellationToken cancellationToken = default)
    {
        var history = new List<GrpoStepMetrics>();
        string? lastCheckpoint = _options.Resume ? Resume() : null;
        CheckRanks(force: true);
        if (_parallel.IsMain) _metricsLog ??= new MetricsLog(MetricsPath, _options.Resume ? _state.Step : null)
        {
            TensorBoard = RecipeChecks.ReportsToTensorBoard(_config) ? new TensorBoardLog(Path.Combine(_config.OutputDir, TensorBoardLog.FolderName)) : null,
        };
        // completions.jsonl as metrics.jsonl: a resumed run drops the lines of steps after its checkpoint (it writes them again).
        if (!_parallel.IsMain) { }
        else if (_options.Resume) MetricsLog.KeepThroughStep(CompletionsPath, _state.Step);
        else if (File.Exists(CompletionsPath)) File.Delete(CompletionsPath);
        _policy.train();
        var memory = _config.SkipMemoryMetrics ? null : new StepMemoryTracker();
        while (_state.Step < _totalSteps)
        {
            // 1. Rollouts: the policy's current weights (pushed to the workers first when rollouts are remote), no autograd.
            double syncSeconds;
            try { syncSeconds = SyncRolloutWeights(cancellationToken); }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { return Interrupt(history); }
            var clock = Stopwatch.StartNew();
            memory?.BeginRollout();
            var beforeRollout = _state;
            _policy.eval();
            var rollout = Rollout(cancellationToken);
            _policy.train();
            double rolloutSeconds = clock.Elapsed.TotalSeconds;
            if (rollout.Cancelled) return Interrupt(history);

            // 2. Micro-batches; old log-probs up front only when the policy moves before the first pass is over.
            var batches = ShareOf(Chunk(rollout.Samples, _config.PerDeviceTrainBatchSize).Select(s => GrpoBatch.Build(s)).ToArray());
            int accumulation = _config.GradientAccumulationSteps;
            bool precomputeOld = _config.NeedsOldLogProbs && batches.Length > accumulation;
            clock.Restart();
            memory?.BeginUpdate();
            // Cancellation inside the update (a 7B step is over an hour on a CPU) drops the step's partial gradients; when
            // no step of this rollout has been taken, the rollout is undone too, so the resumed run samples it again.
            var updateToken = _parallel.IsDistributed ? CancellationToken.None : cancellationToken;   // ranks stop together, between steps
            Tensor?[] old = new Tensor?[batches.Length];
            Tensor[]? reference = null;
            int stepsBefore = _state.Step;
            try
            {
                if (precomputeOld) old = LogProbsNoGrad(_policy, batches, token: updateToken);
                reference = _reference is not null ? LogProbsNoGrad(_reference, batches, token: updateToken)
                    : _config.UsesReferenceModel && _policy.Adapters is not null ? LogProbsNoGrad(_policy, batches, withoutAdapters: true, token: updateToken) : null;
                double prepareSeconds = clock.Elapsed.TotalSeconds;
                // 3. μ passes, one optimizer step per `accumulation` micro-batches.
                for (int iteration = 0; iteration < _config.NumIterations && _state.Step < _totalSteps; iteration++)
                {
                    foreach (var indices in Chunk(Enumerable.Range(0, batches.Length).ToArray(), accumulation))
                    {
                        if (_state.Step >= _totalSteps) break;
                        var stats = UpdateStep(batches, indices, old, reference, storeOld: _config.NeedsOldLogProbs && iteration == 0, updateToken);
                        _state = _state with { Step = _state.Step + 1 };
                        CheckRanks(force: false);
                        stats = stats with { Frontier = MoveReference(_state.Step, stats.Frontier) };
                        var metrics = StepMetrics(rollout, stats, rolloutSeconds, stats.Seconds + prepareSeconds)
                            with { WeightSyncSeconds = syncSeconds, Memory = memory?.EndStep() };
                        rolloutSeconds = prepareSeconds = syncSeconds = 0;
                        history.Add(metrics);
                        Record(metrics, rollout);
                        if (_config.SaveSteps > 0 && _state.Step % _config.SaveSteps == 0 && _state.Step < _totalSteps)
                            lastCheckpoint = SaveCheckpoint();
                        if (cancellationToken.IsCancellationRequested) return Interrupt(history);
                    }
                }
            }
            catch (OperationCanceledException) when (updateToken.IsCancellationRequested)
            {
                _optimizer.ZeroGrad();
                if (_state.Step == stepsBefore) _state = beforeRollout;
                return Interrupt(history);
            }
            finally
            {
                foreach (var b in batches) b.Dispose();
                foreach (var t in old) t?.Dispose();
                foreach (var t in reference ?? []) t.Dispose();
            }
        }
        lastCheckpoint = SaveCheckpoint();
        RenderCharts();
        return new GrpoRunResult(_state.Step, false, lastCheckpoint, history);
    }

    private GrpoRunResult Interrupt(List<GrpoStepMetrics> history)
    {
        string checkpoint = SaveCheckpoint();
        RenderCharts();
        _options.Log?.Invoke($"interrupted: checkpoint of step {_state.Step} written to {checkpoint}");
        return new GrpoRunResult(_state.Step, true, checkpoint, history);
    }

    /// <summary>max_steps, or for −1 one pass: ⌈prompts / prompts per generation⌉ · μ · ⌈steps_per_generation / accumulation⌉.</summary>
    private static int TotalSteps(GrpoConfig c, int prompts)
    {
        if (c.MaxSteps > 0) return c.MaxSteps;
        int generations = (prompts + c.PromptsPerGeneration - 1) / c.PromptsPerGeneration;
        int stepsPerGeneration = ((c.StepsPerGeneration ?? 1) + c.GradientAccumulationSteps - 1) / c.GradientAccumulationSteps;
        return Math.Max(1, generations * c.NumIterations * stepsPerGeneration);
    }

    /// <summary>Adds DAPO's soft overlong punishment as a reward term named soft_overlong when soft_overlong_cache &gt; 0.</summary>
    private static WeightedRewards WithOverlongShaping(WeightedRewards rewards, GrpoConfig c) =>
        c.SoftOverlongCache <= 0 ? rewards : new WeightedRewards(rewards.Rewards.Append(new WeightedReward("soft_overlong",
            input => OverlongShaping.SoftPenalty(input.CompletionTokens, c.MaxCompletionLength, c.SoftOverlongCache))));

    /// <summary>A copy of the policy's current weights with autograd off: the reference model π_ref.</summary>
    private static DecoderModel FrozenCopy(DecoderModel policy)
    {
        var copy = new DecoderModel(policy.Architecture, policy.DType);
        using var noGrad = no_grad();
        var source = policy.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in copy.named_parameters())
        {
            p.copy_(source[name]);
            p.requires_grad = false;
        }
        copy.eval();
        return copy;
    }

    private static IEnumerable<T[]> Chunk<T>(IReadOnlyList<T> items, int size)
    {
        for (int i = 0; i < items.Count; i += size) yield return items.Skip(i).Take(size).ToArray();
    }

    /// <summary>Frees the reference model, the optimizer state and the generator (not the policy).</summary>
    public void Dispose()
    {
        _reference?.Dispose();
        _optimizer.Dispose();
        _remote?.Dispose();
        _metricsLog?.Dispose();
        _generator.Dispose();
    }
}
