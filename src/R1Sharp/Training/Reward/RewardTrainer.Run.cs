// RewardTrainer's setup and bookkeeping, kept out of the loop: tokenized pairs and the held-out split, schedule,
// model and optimizer (or the checkpoint to resume), metrics log; per step the learning rate, micro-batches, the
// metrics row, checkpoints (with the head file), and the end of the run (reward model directory, charts).
using System.Text.Json.Nodes;
using R1Sharp.Text;
using R1Sharp.Training.Infrastructure;

namespace R1Sharp.Training.Reward;

public static partial class RewardTrainer
{
    private sealed class RewardRun : IDisposable
    {
        private readonly IProgress<TrainingStepReport>? _progress;
        private readonly Checkpointer _checkpointer;
        private readonly MetricsLog _metrics;
        private int[]? _order;
        private int _orderEpoch = -1, _lastSaved;

        public RewardConfig Config { get; }
        public IReadOnlyList<RewardPairRow> TrainRows { get; }
        public IReadOnlyList<RewardPairRow> EvalRows { get; }
        public int StepsPerEpoch { get; }
        public int TotalSteps { get; }
        public int Warmup { get; }
        public int PadId { get; }
        public RewardModel Model { get; }
        public TrainingOptimizer Optimizer { get; }
        public List<Dictionary<string, double>> History { get; }
        public int Step { get; set; }
        public string? LastCheckpoint { get; private set; }

        public RewardRun(RewardConfig config, IReadOnlyList<PreferencePair>? pairs, IProgress<TrainingStepReport>? progress)
        {
            Config = config;
            _progress = progress;
            var all = pairs ?? (config.DatasetPath is { } path ? PreferencePairs.Load(path)
                : throw new R1SharpException("reward config: dataset_path is required; give a .jsonl of {\"prompt\", \"chosen\", \"rejected\"} rows"));
            RunDirectory.Prepare(config.OutputDir, config.Start);
            var tokenizer = HfTokenizer.Load(config.ModelNameOrPath);
            PadId = tokenizer.PadId ?? tokenizer.EosId ?? 0;
            var split = new Data.Dataset<PreferencePair>(all).Split(config.EvalFraction, config.Seed);
            var (train, trainDropped) = Rows(split.Train, tokenizer, config.MaxLength);
            var (eval, evalDropped) = Rows(split.Eval, tokenizer, config.MaxLength);
            (TrainRows, EvalRows) = (train, eval);
            int pairsPerStep = config.PerDeviceTrainBatchSize * config.GradientAccumulationSteps;
            StepsPerEpoch = TrainRows.Count / pairsPerStep;
            if (StepsPerEpoch == 0)
                throw new R1SharpException($"reward config: {TrainRows.Count} training pairs cannot fill one optimizer step of per_device_train_batch_size × gradient_accumulation_steps = {pairsPerStep}; lower them or add pairs");
            TotalSteps = config.MaxSteps > 0 ? config.MaxSteps : (int)Math.Ceiling(config.NumTrainEpochs * StepsPerEpoch);
            Warmup = LrSchedule.WarmupSteps(config.WarmupSteps, config.WarmupRatio, TotalSteps);

            Model = RewardModel.FromBase(config.ModelNameOrPath, config.Seed);
            Model.Decoder.train();
            Optimizer = TrainingOptimizer.Create(Model.Parameters, config.AdamW);
            _checkpointer = new Checkpointer(config.OutputDir, config.SaveTotalLimit, config.ModelNameOrPath);
            var state = Resume();
            History = state?.LogHistory ?? [];
            Step = state?.GlobalStep ?? 0;
            _lastSaved = state is null ? -1 : Step;
            _metrics = new MetricsLog(Path.Combine(config.OutputDir, MetricsLog.FileName), keepThroughStep: state is null ? null : Step)
            {
                TensorBoard = RecipeChecks.ReportsToTensorBoard(config) ? new TensorBoardLog(Path.Combine(config.OutputDir, TensorBoardLog.FolderName)) : null,
            };
            Note($"reward: {TrainRows.Count} train pairs, {EvalRows.Count} held-out pairs" +
                (trainDropped + evalDropped > 0 ? $" ({trainDropped + evalDropped} longer than max_length {config.MaxLength} dropped)" : "") +
                $", {TotalSteps} steps ({StepsPerEpoch}/epoch)" + (state is null ? "" : $", resumed at step {Step}"));
        }

        // Tokenized pairs; pairs with a side longer than max_length are dropped (TRL filters them).
        private static (List<RewardPairRow> Rows, int Dropped) Rows(IEnumerable<PreferencePair> pairs, HfTokenizer tokenizer, int maxLength)
        {
            var rows = new List<RewardPairRow>();
            int dropped = 0;
            foreach (var p in pairs)
            {
                var row = new RewardPairRow(RewardRows.Encode(tokenizer, p.Chosen, maxLength, keepEnd: false),
                    RewardRows.Encode(tokenizer, p.Rejected, maxLength, keepEnd: false), p.Margin);
                if (row.Chosen.Length > maxLength || row.Rejected.Length > maxLength) dropped++;
                else rows.Add(row);
            }
            return (rows, dropped);
        }

        private TrainerState? Resume()
        {
            if (Config.ResumeFromCheckpoint is not { } from) return null;
            string? dir = from is "latest" or "true" ? Checkpointer.Latest(Config.OutputDir) : from;
            if (dir is null) throw new R1SharpException($"resume: no checkpoint under '{Config.OutputDir}'; run without resume_from_checkpoint to start fresh");
            var state = Checkpointer.Load(dir, Model.Decoder, Optimizer);
            Model.LoadHead(dir);
            LastCheckpoint = dir;
            return state;
        }

        public double SetLearningRate()
        {
            double lr = LrSchedule.At(Step, Config.LearningRate, Warmup, TotalSteps, Config.LrSchedulerType);
            Optimizer.SetLearningRate(lr);
            return lr;
        }

        /// <summary>The current step's micro-batches of pairs, from the epoch's seeded order (a pure function of seed and step).</summary>
        public IEnumerable<RewardPairRow[]> MicroBatches()
        {
            int epoch = Step / StepsPerEpoch, batch = Config.PerDeviceTrainBatchSize;
            if (epoch != _orderEpoch) (_order, _orderEpoch) = (EpochOrder(epoch, TrainRows.Count, Config.Seed), epoch);
            for (int m = 0; m < Config.GradientAccumulationSteps; m++)
            {
                int first = ((Step % StepsPerEpoch) * Config.GradientAccumulationSteps + m) * batch;
                yield return [.. Enumerable.Range(first, batch).Select(i => TrainRows[_order![i]])];
            }
        }

        /// <summary>A seeded permutation of <paramref name="count"/> rows for <paramref name="epoch"/>.</summary>
        public static int[] EpochOrder(int epoch, int count, int seed)
        {
            var order = Enumerable.Range(0, count).ToArray();
            var rng = new Numerics.Xoshiro256((ulong)seed * 1_000_003UL + (ulong)epoch);
            for (int i = count - 1; i > 0; i--)
            {
                int j = (int)(rng.NextUInt64() % (ulong)(i + 1));
                (order[i], order[j]) = (order[j], order[i]);
            }
            return order;
        }

        public bool EvalDue(bool last) => EvalRows.Count > 0 && ((Config.EvalSteps > 0 && Step % Config.EvalSteps == 0) || last);

        public void Record(Dictionary<string, double> row)
        {
            _metrics.Write(row);
            History.Add(row);
            _progress?.Report(new TrainingStepReport(Step, TotalSteps, row, IsLogStep: Step % Config.LoggingSteps == 0 || Step == 1 || Step == TotalSteps));
        }

        public void SaveCheckpoint()
        {
            LastCheckpoint = _checkpointer.Save(Model.Decoder, Optimizer, State(), Model.SaveHead);
            _lastSaved = Step;
            Note($"checkpoint saved: {LastCheckpoint}");
        }

        public RewardResult Finish()
        {
            bool finished = Step >= TotalSteps;
            if (!finished && _lastSaved != Step) SaveCheckpoint();
            if (finished)
            {
                Model.Save(Config.OutputDir, Config.ModelNameOrPath);
                Note($"reward model saved: {Config.OutputDir}");
            }
            Charts.RenderAll(_metrics.Path, ChartSpecs);
            double accuracy = History.LastOrDefault(r => r.ContainsKey("eval_accuracy"))?["eval_accuracy"] ?? double.NaN;
            return new RewardResult(Step, !finished, History, LastCheckpoint, accuracy);
        }

        private TrainerState State() => new()
        {
            GlobalStep = Step, MaxSteps = TotalSteps, Epoch = (double)Step / StepsPerEpoch,
            SamplerSeeds = { ["data_order"] = Config.Seed, ["eval_split"] = Config.Seed },
            TorchRngState = TrainerState.CaptureTorchRng(),
            Config = JsonNode.Parse(Config.ToJson()),
            LogHistory = History,
        };

        private void Note(string message) => _progress?.Report(new TrainingStepReport(Step, TotalSteps, new Dictionary<string, double>(), Message: message));

        public void Dispose()
        {
            _metrics.Dispose();
            Optimizer.Dispose();
            Model.Dispose();
        }
    }
}
