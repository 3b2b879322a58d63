// Supervised fine-tuning (TRL SFTTrainer semantics) as one loop that reads top to bottom like nanoGPT's train.py:
// schedule → micro-steps with accumulation → clip → AdamW step → eval → log → checkpoint; charts at the end.
using System.Diagnostics;
using System.Text.Json.Nodes;
using R1Sharp.Models;
using R1Sharp.Models.DeepSeekV3;
using R1Sharp.Text;
using R1Sharp.Training.Infrastructure;
using static TorchSharp.torch;

namespace R1Sharp.Training.Sft;

/// <summary>What a run did.</summary>
/// <param name="Steps">Optimizer steps completed in total (resumed ones included).</param>
/// <param name="Interrupted">True when the cancellation token stopped the run before its last step (a checkpoint was written).</param>
/// <param name="History">Every metrics row of the run (as in metrics.jsonl).</param>
/// <param name="LastCheckpoint">The newest checkpoint directory, or null.</param>
/// <param name="TokensPerSecond">Mean training throughput of this invocation (its first step, which pays warm-up, left out).</param>
/// <param name="Mfu">Mean model FLOPs utilisation against the measured matmul rate.</param>
public sealed record SftResult(int Steps, bool Interrupted, IReadOnlyList<Dictionary<string, double>> History,
    string? LastCheckpoint, double TokensPerSecond, double Mfu);

/// <summary>The SFT recipe: <see cref="Run"/> trains <c>model_name_or_path</c> and writes everything to <c>output_dir</c>.</summary>
public static partial class SftTrainer
{
    /// <summary>Charts drawn at the end, beside metrics.jsonl.</summary>
    public static readonly ChartSpec[] ChartSpecs =
    [
        new("loss.png", "loss", ["loss", "eval_loss", "mtp_loss"]),
        new("lr.png", "learning rate", ["lr"]),
        new("grad_norm.png", "gradient norm (before clipping)", ["grad_norm"]),
        new("throughput.png", "tokens per second", ["tokens_per_second"]),
    ];

    /// <summary>
    /// Validates <paramref name="config"/> and trains. Examples come from <paramref name="data"/> when given (e.g.
    /// <c>r1 pretrain</c>'s generated corpus), else from dataset_path. Cancelling <paramref name="cancel"/> stops after
    /// the current step and writes a checkpoint (resume with resume_from_checkpoint = "latest").
    /// </summary>
    public static SftResult Run(SftConfig config, SftData? data = null, CancellationToken cancel = default,
        IProgress<TrainingStepReport>? progress = null)
    {
        config = config.Validate();
        RunDirectory.Prepare(config.OutputDir, config.Start);
        var tokenizer = HfTokenizer.Load(config.ModelNameOrPath);
        string eos = tokenizer.EosToken ?? throw new R1SharpException($"{config.ModelNameOrPath}: the tokenizer has no eos_token; SFT completions must end with one");
        var template = TemplateFor(config, tokenizer);
        var (trainExamples, evalExamples) = data is not null
            ? (data.Train, data.Eval ?? [])
            : SplitExamples(LoadExamples(config, template, eos), config);
        var trainRows = Rows(trainExamples, tokenizer, config);
        var evalRows = Rows(evalExamples, tokenizer, config);
        int rowsPerStep = config.PerDeviceTrainBatchSize * config.GradientAccumulationSteps;
        int stepsPerEpoch = trainRows.Count / rowsPerStep;
        if (stepsPerEpoch == 0)
            throw new R1SharpException($"SFT config: {trainRows.Count} training rows cannot fill one optimizer step of per_device_train_batch_size × gradient_accumulation_steps = {rowsPerStep}; lower them or add data");
        int totalSteps = config.MaxSteps > 0 ? config.MaxSteps : (int)Math.Ceiling(config.NumTrainEpochs * stepsPerEpoch);
        int warmup = LrSchedule.WarmupSteps(config.WarmupSteps, config.WarmupRatio, totalSteps);
        int padId = tokenizer.PadId ?? tokenizer.EosId ?? 0;

        using var model = LoadModel(config);
        model.train();
        using var optimizer = TrainingOptimizer.Create(model.CheckpointParameters(), config.AdamW);
        var balancer = MoeBalancer.For(config.MoeBiasUpdateSpeed, model, model.Mtp);
        var extras = new LossExtras(config.MtpLossWeight, SequenceBalance.For(config.SeqAuxLossAlpha, model, model.Mtp), config.Packing);
        long parameters = model.parameters().Sum(p => p.numel());
        var checkpointer = new Checkpointer(config.OutputDir, config.SaveTotalLimit, config.ModelNameOrPath);
        var state = Resume(config, model, optimizer);
        var history = state?.LogHistory ?? [];
        int step = state?.GlobalStep ?? 0;
        using var metrics = new MetricsLog(Path.Combine(config.OutputDir, MetricsLog.FileName), keepThroughStep: state is null ? null : step);
        double gflops = MatmulRate.Measure();
        progress?.Report(Note(step, totalSteps, $"sft: {parameters:N0} parameters, {trainRows.Count} train rows ({trainExamples.Count} examples), " +
            $"{evalRows.Count} eval rows, {totalSteps} steps ({stepsPerEpoch}/epoch), matmul {gflops:0} GFLOP/s" +
            (state is null ? "" : $", resumed at step {step}")));

        int[]? order = null;
        int orderEpoch = -1, lastSaved = state is null ? -1 : step;
        double tokensTotal = 0, secondsTotal = 0;
        int stepsRun = 0;
        string? lastCheckpoint = state is null ? null : Checkpointer.Latest(config.OutputDir);
        while (step < totalSteps)
        {
            if (cancel.IsCancellationRequested) break;
            var clock = Stopwatch.StartNew();
            double lr = LrSchedule.At(step, config.LearningRate, warmup, totalSteps, config.LrSchedulerType);
            optimizer.SetLearningRate(lr);

            // This step's micro-batches; the loss is normalised by all their target tokens (exact accumulation).
            int epoch = step / stepsPerEpoch;
            if (epoch != orderEpoch) (order, orderEpoch) = (EpochOrder(epoch, trainRows.Count, config.Seed), epoch);
            var micro = Enumerable.Range(0, config.GradientAccumulationSteps)
                .Select(m => Enumerable.Range(((step % stepsPerEpoch) * config.GradientAccumulationSteps + m) * config.PerDeviceTrainBatchSize,
                    config.PerDeviceTrainBatchSize).Select(i => trainRows[order![i]]).ToArray()).ToArray();
            balancer?.BeginStep();
            var (loss, tokens, mtpLoss, auxLoss) = Accumulate(model, micro.Select(rows => SftBatches.Collate(rows, padId)).ToArray(), extras);
            double gradNorm = optimizer.ClipGradNorm(config.MaxGradNorm);
            optimizer.Step();
            optimizer.ZeroGrad();
            var moeLoad = balancer?.AfterOptimizerStep();
            step++;
            double seconds = clock.Elapsed.TotalSeconds;
            if (stepsRun++ > 0 || step == totalSteps) // the first step of a process pays one-off warm-up costs
            {
                tokensTotal += tokens;
                secondsTotal += seconds;
            }

            var row = new Dictionary<string, double>
            {
                ["step"] = step, ["epoch"] = (double)step / stepsPerEpoch, ["loss"] = loss, ["lr"] = lr,
                ["grad_norm"] = gradNorm, ["tokens"] = tokens, ["tokens_per_second"] = tokens / seconds,
                ["mfu"] = MatmulRate.Mfu(parameters, tokens / seconds, gflops),
            };
            if (model.Mtp is not null) row["mtp_loss"] = mtpLoss;
            if (extras.Balance is not null) row["aux_loss"] = auxLoss;
            foreach (var (key, value) in moeLoad?.ToMetrics() ?? []) row[key] = value;
            bool last = step == totalSteps || cancel.IsCancellationRequested;
            if (evalRows.Count > 0 && ((config.EvalSteps > 0 && step % config.EvalSteps == 0) || last))
                row["eval_loss"] = Evaluate(model, evalRows, config.PerDeviceTrainBatchSize, padId, config.Packing);
            metrics.Write(row);
            history.Add(row);
            progress?.Report(new TrainingStepReport(step, totalSteps, row, IsLogStep: step % config.LoggingSteps == 0 || step == 1));

            if ((config.SaveSteps > 0 && step % config.SaveSteps == 0) || last)
            {
                lastCheckpoint = checkpointer.Save(model, optimizer, StateOf(config, step, totalSteps, stepsPerEpoch, history));
                lastSaved = step;
                progress?.Report(Note(step, totalSteps, $"checkpoint saved: {lastCheckpoint}"));
            }
        }
        bool finished = step >= totalSteps;
        if (!finished && lastSaved != step)
            lastCheckpoint = checkpointer.Save(model, optimizer, StateOf(config, step, totalSteps, stepsPerEpoch, history));
        if (finished)
        {
            Checkpointer.WriteModelDirectory(model, config.OutputDir, config.ModelNameOrPath);
            progress?.Report(Note(step, totalSteps, $"model saved: {config.OutputDir}"));
        }
        Charts.RenderAll(metrics.Path, ChartSpecs);
        double tps = secondsTotal > 0 ? tokensTotal / secondsTotal : 0;
        return new SftResult(step, !finished, history, lastCheckpoint, tps, MatmulRate.Mfu(parameters, tps, gflops));
    }

    /// <summary>Mean next-token loss over the target tokens of <paramref name="rows"/>, without gradients; packed rows
    /// (<paramref name="packed"/>) attend within each example.</summary>
    public static double Evaluate(DecoderModel model, IReadOnlyList<SftRow> rows, int batchSize, int padId, bool packed = false)
    {
        using var noGrad = no_grad();
        double nll = 0;
        long count = 0;
        for (int i = 0; i < rows.Count; i += batchSize)
        {
            using var scope = NewDisposeScope();
            using var batch = SftBatches.Collate(rows.Skip(i).Take(batchSize).ToArray(), padId);
            var logits = model.Forward(batch.InputIds, batch.Positions, batch.AttentionMask, packed: packed);
            nll += nn.functional.cross_entropy(logits.view(-1, logits.shape[2]), batch.Labels.view(-1),
                ignore_index: SftBatches.IgnoreIndex, reduction: nn.Reduction.Sum).item<float>();
            count += batch.LossTokens;
        }
        return count > 0 ? nll / count : double.NaN;
    }

    private static (IReadOnlyList<SftExample>, IReadOnlyList<SftExample>) SplitExamples(IReadOnlyList<SftExample> all, SftConfig config)
    {
        var split = new Data.Dataset<SftExample>(all).Split(config.EvalFraction, config.Seed);
        return (split.Train, split.Eval);
    }

    private static TrainerState? Resume(SftConfig config, DecoderModel model, TrainingOptimizer optimizer)
    {
        if (config.ResumeFromCheckpoint is not { } from) return null;
        string? dir = from is "latest" or "true" ? Checkpointer.Latest(config.OutputDir) : from;
        if (dir is null)
            throw new R1SharpException($"resume: no checkpoint under '{config.OutputDir}'; run without --resume to start fresh");
        return Checkpointer.Load(dir, model, optimizer);
    }

    private static TrainerState StateOf(SftConfig config, int step, int totalSteps, int stepsPerEpoch, List<Dictionary<string, double>> history) => new()
    {
        GlobalStep = step, MaxSteps = totalSteps, Epoch = (double)step / stepsPerEpoch,
        SamplerSeeds = { ["data_order"] = config.Seed, ["eval_split"] = config.Seed },
        TorchRngState = TrainerState.CaptureTorchRng(),
        Config = JsonNode.Parse(config.ToJson()),
        LogHistory = history,
    };

    private static TrainingStepReport Note(int step, int total, string message) =>
        new(step, total, new Dictionary<string, double>(), Message: message);
}
