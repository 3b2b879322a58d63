// SftTrainer's setup and bookkeeping, kept out of the loop: the resolved config, tokenized rows, schedule, model,
// optimizer, checkpoint to resume, metrics log; and per step the learning rate, the micro-batches, the metrics row,
// the checkpoint, and the end of the run (model directory, charts, result).
using System.Text.Json.Nodes;
using R1Sharp.Models;
using R1Sharp.Models.DeepSeekV3;
using R1Sharp.Text;
using R1Sharp.Training.Distributed;
using R1Sharp.Training.Infrastructure;

namespace R1Sharp.Training.Sft;

public static partial class SftTrainer
{
    /// <summary>One SFT run's state: built once before the loop (resuming when the config says so), advanced by it.</summary>
    private sealed class SftRun : IDisposable
    {
        private readonly IProgress<TrainingStepReport>? _progress;
        private readonly Checkpointer _checkpointer;
        private readonly MetricsLog? _metrics;   // rank 0 only under mpirun
        private readonly long _parameters;
        private readonly double _gflops;
        private int[]? _order;
        private int _orderEpoch = -1, _lastSaved, _stepsRun;
        private double _tokensTotal, _secondsTotal;

        public SftConfig Config { get; }
        public IReadOnlyList<SftRow> TrainRows { get; }
        public IReadOnlyList<SftRow> EvalRows { get; }
        public int StepsPerEpoch { get; }
        public int TotalSteps { get; }
        public int Warmup { get; }
        public int PadId { get; }
        public DecoderModel Model { get; }
        public TrainingOptimizer Optimizer { get; }
        public MoeBalancer? Balancer { get; }
        public LossExtras Extras { get; }
        public List<Dictionary<string, double>> History { get; }
        public int Step { get; set; }
        /// <summary>This process's rank of an mpirun job (one process: rank 0 of 1); rank 0 writes every file.</summary>
        public DataParallel Parallel { get; } = DataParallel.Current;
        public string? LastCheckpoint { get; private set; }

        /// <summary>Sets up <paramref name="config"/> (validated by the caller): data, model, optimizer, resume, metrics.</summary>
        public SftRun(SftConfig config, SftData? data, IProgress<TrainingStepReport>? progress)
        {
            Config = config;
            _progress = Parallel.IsMain ? progress : null;
            if (Parallel.IsMain) RunDirectory.Prepare(config.OutputDir, config.Start);
            Parallel.Barrier();
            var tokenizer = HfTokenizer.Load(config.ModelNameOrPath);
            string eos = tokenizer.EosToken ?? throw new R1SharpException($"{config.ModelNameOrPath}: the tokenizer has no eos_token; SFT completions must end with one");
            var template = TemplateFor(config, tokenizer);
            var (trainExamples, evalExamples) = data is not null
                ? (data.Train, data.Eval ?? [])
                : SplitExamples(LoadExamples(config, template, eos), config);
            TrainRows = Rows(trainExamples, tokenizer, config);
            EvalRows = Rows(evalExamples, tokenizer, config);
            int rowsPerStep = config.PerDeviceTrainBatchSize * config.GradientAccumulationSteps;
            StepsPerEpoch = TrainRows.Count / rowsPerStep;
            if (StepsPerEpoch == 0)
                throw new R1SharpException($"SFT config: {TrainRows.Count} training rows cannot fill one optimizer step of per_device_train_batch_size × gradient_accumulation_steps = {rowsPerStep}; lower them or add data");
            TotalSteps = config.MaxSteps > 0 ? config.MaxSteps : (int)Math.Ceiling(config.NumTrainEpochs * StepsPerEpoch);
            Warmup = LrSchedule.WarmupSteps(config.WarmupSteps, config.WarmupRatio, TotalSteps);
            PadId = tokenizer.PadId ?? tokenizer.EosId ?? 0;

            Model = LoadModel(config);
            Model.GradientCheckpointing = config.GradientCheckpointing;
            Model.train();
            Optimizer = TrainingOptimizer.Create(Model.Adapters?.NamedParameters() ?? Model.CheckpointParameters(), config.AdamW);   // LoRA: adapters only
            Balancer = MoeBalancer.For(config.MoeBiasUpdateSpeed, Model, Model.Mtp);
            Extras = new LossExtras(config.MtpLossWeight, SequenceBalance.For(config.SeqAuxLossAlpha, Model, Model.Mtp), config.Packing);
            _parameters = Model.parameters().Sum(p => p.numel());
            _checkpointer = new Checkpointer(config.OutputDir, config.SaveTotalLimit, config.ModelNameOrPath);
            var state = Resume(config, Model, Optimizer);
            History = state?.LogHistory ?? [];
            Step = state?.GlobalStep ?? 0;
            _lastSaved = state is null ? -1 : Step;
            LastCheckpoint = state is null ? null : Checkpointer.Latest(config.OutputDir);
            if (Parallel.IsDistributed && Balancer is not null)
                throw new R1SharpException("data-parallel SFT: the DeepSeek-V3 bias balancing (moe_bias_update_speed > 0) would count each rank's tokens apart; set moe_bias_update_speed to 0 or run in one process");
            if (Parallel.IsDistributed) Parallel.CheckParameters(Optimizer.Parameters, Step);
            _metrics = !Parallel.IsMain ? null : new MetricsLog(Path.Combine(config.OutputDir, MetricsLog.FileName), keepThroughStep: state is null ? null : Step)
            {
                TensorBoard = RecipeChecks.ReportsToTensorBoard(config) ? new TensorBoardLog(Path.Combine(config.OutputDir, TensorBoardLog.FolderName)) : null,
            };
            _gflops = MatmulRate.Measure();
            if (Model.Adapters is not null) Note(PeftSetup.Describe(Model));
            Note($"sft: {_parameters:N0} parameters, {TrainRows.Count} train rows ({trainExamples.Count} examples), " +
                $"{EvalRows.Count} eval rows, {TotalSteps} steps ({StepsPerEpoch}/epoch), matmul {_gflops:0} GFLOP/s" +
                (state is null ? "" : $", resumed at step {Step}"));
        }

        /// <summary>Sets and returns the learning rate of the current step.</summary>
        public double SetLearningRate()
        {
            double lr = LrSchedule.At(Step, Config.LearningRate, Warmup, TotalSteps, Config.LrSchedulerType);
            Optimizer.SetLearningRate(lr);
            return lr;
        }

        /// <summary>The rows of the current step's gradient_accumulation_steps micro-batches of the epoch's seeded order.</summary>
        public SftRow[][] MicroBatches()
        {
            int epoch = Step / StepsPerEpoch, batch = Config.PerDeviceTrainBatchSize;
            if (epoch != _orderEpoch) (_order, _orderEpoch) = (EpochOrder(epoch, TrainRows.Count, Config.Seed), epoch);
            return [.. Enumerable.Range(0, Config.GradientAccumulationSteps).Select(m =>
                Enumerable.Range(((Step % StepsPerEpoch) * Config.GradientAccumulationSteps + m) * batch, batch)
                    .Select(i => TrainRows[_order![i]]).ToArray())];
        }

        /// <summary>The metrics row of the step just finished; throughput counts from the second step of a process.</summary>
        public Dictionary<string, double> Row(double lr, double loss, double gradNorm, long tokens, double seconds,
            double mtpLoss, double auxLoss, MoeLoadStats? moeLoad)
        {
            if (_stepsRun++ > 0 || Step == TotalSteps) // the first step of a process pays one-off warm-up costs
            {
                _tokensTotal += tokens;
                _secondsTotal += seconds;
            }
            var row = new Dictionary<string, double>
            {
                ["step"] = Step, ["epoch"] = (double)Step / StepsPerEpoch, ["loss"] = loss, ["lr"] = lr,
                ["grad_norm"] = gradNorm, ["tokens"] = tokens, ["tokens_per_second"] = tokens / seconds,
                ["mfu"] = MatmulRate.Mfu(_parameters, tokens / seconds, _gflops * Parallel.Size),
            };
            if (Model.Mtp is not null) row["mtp_loss"] = mtpLoss;
            if (Extras.Balance is not null) row["aux_loss"] = auxLoss;
            foreach (var (key, value) in moeLoad?.ToMetrics() ?? []) row[key] = value;
            return row;
        }

        /// <summary>True when the step just finished gets an eval loss: every eval_steps, and the last one.</summary>
        public bool EvalDue(bool last) => EvalRows.Count > 0 && ((Config.EvalSteps > 0 && Step % Config.EvalSteps == 0) || last);

        /// <summary>Appends the row to metrics.jsonl and the history and reports it.</summary>
        public void Record(Dictionary<string, double> row)
        {
            _metrics?.Write(row);
            if (Parallel.IsDistributed && Parallel.CheckEvery > 0 && Step % Parallel.CheckEvery == 0) Parallel.CheckParameters(Optimizer.Parameters, Step);
            History.Add(row);
            _progress?.Report(new TrainingStepReport(Step, TotalSteps, row, IsLogStep: Step % Config.LoggingSteps == 0 || Step == 1 || Step == TotalSteps));
        }

        /// <summary>Writes checkpoint-STEP (model directory, optimizer, trainer state).</summary>
        public void SaveCheckpoint()
        {
            LastCheckpoint = Save();
            _lastSaved = Step;
            Note($"checkpoint saved: {LastCheckpoint}");
        }

        /// <summary>After the loop: a checkpoint when stopped early (unless just written), the model directory when
        /// finished, the charts; the result.</summary>
        public SftResult Finish()
        {
            bool finished = Step >= TotalSteps;
            if (!finished && _lastSaved != Step) LastCheckpoint = Save();
            if (finished && Parallel.IsMain)
            {
                Checkpointer.WriteModelDirectory(Model, Config.OutputDir, Config.ModelNameOrPath);
                Note($"model saved: {Config.OutputDir}");
            }
            if (_metrics is not null) Charts.RenderAll(_metrics.Path, ChartSpecs);
            Parallel.Barrier();
            double tps = _secondsTotal > 0 ? _tokensTotal / _secondsTotal : 0;
            return new SftResult(Step, !finished, History, LastCheckpoint, tps, MatmulRate.Mfu(_parameters, tps, _gflops * Parallel.Size));
        }

        // Rank 0 writes the checkpoint (after every rank's parameters were compared); the others wait until it is in place.
        private string Save()
        {
            Parallel.CheckParameters(Optimizer.Parameters, Step);
            string dir = Parallel.IsMain ? _checkpointer.Save(Model, Optimizer, StateOf(Config, Step, TotalSteps, StepsPerEpoch, History))
                : _checkpointer.PathOf(Step);
            Parallel.Barrier();
            return dir;
        }

        private void Note(string message) => _progress?.Report(new TrainingStepReport(Step, TotalSteps, new Dictionary<string, double>(), Message: message));

        private static TrainerState StateOf(SftConfig config, int step, int totalSteps, int stepsPerEpoch, List<Dictionary<string, double>> history) => new()
        {
            GlobalStep = step, MaxSteps = totalSteps, Epoch = (double)step / stepsPerEpoch,
            SamplerSeeds = { ["data_order"] = config.Seed, ["eval_split"] = config.Seed },
            TorchRngState = TrainerState.CaptureTorchRng(),
            Config = JsonNode.Parse(config.ToJson()),
            LogHistory = history,
        };

        public void Dispose()
        {
            _metrics?.Dispose();
            Optimizer.Dispose();
            Model.Dispose();
        }
    }
}
