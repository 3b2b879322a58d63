// Reward modelling (TRL RewardTrainer semantics) as one loop that reads top to bottom: setup → (schedule → micro-steps
// over preference pairs → Bradley-Terry loss → clip → AdamW → eval (pairwise accuracy) → log → checkpoint) → model.
// Setup and bookkeeping are in RewardTrainer.Run.cs; the loss is RewardLoss; the model RewardModel.
using R1Sharp.Tensors;
using R1Sharp.Training.Infrastructure;
using static TorchSharp.torch;

namespace R1Sharp.Training.Reward;

/// <summary>What a reward-model run did.</summary>
/// <param name="Steps">Optimizer steps completed in total (resumed ones included).</param>
/// <param name="Interrupted">True when cancellation stopped the run early (a checkpoint was written).</param>
/// <param name="History">Every metrics row (as in metrics.jsonl).</param>
/// <param name="LastCheckpoint">The newest checkpoint directory, or null.</param>
/// <param name="EvalAccuracy">Pairwise accuracy on the held-out pairs at the last evaluation (NaN when none).</param>
public sealed record RewardResult(int Steps, bool Interrupted, IReadOnlyList<Dictionary<string, double>> History,
    string? LastCheckpoint, double EvalAccuracy);

/// <summary>The reward-model recipe: <see cref="Run"/> trains a scalar head (and the decoder) on chosen/rejected pairs.</summary>
public static partial class RewardTrainer
{
    /// <summary>Charts drawn at the end, beside metrics.jsonl.</summary>
    public static readonly ChartSpec[] ChartSpecs =
    [
        new("loss.png", "Bradley-Terry loss", ["loss", "eval_loss"]),
        new("accuracy.png", "pairwise accuracy", ["accuracy", "eval_accuracy"]),
        new("margin.png", "mean reward margin (chosen - rejected)", ["margin", "eval_margin"]),
        new("lr.png", "learning rate", ["lr"]),
    ];

    /// <summary>
    /// Validates <paramref name="config"/> and trains. Pairs come from <paramref name="pairs"/> when given, else from
    /// dataset_path; eval_fraction of them are held out for eval_loss / eval_accuracy. Cancelling stops after the
    /// current step and writes a checkpoint (resume with resume_from_checkpoint = "latest").
    /// </summary>
    public static RewardResult Run(RewardConfig config, IReadOnlyList<PreferencePair>? pairs = null, CancellationToken cancel = default,
        IProgress<TrainingStepReport>? progress = null)
    {
        // 1. Setup: pairs → rows, split, schedule, model (base + fresh head, or the checkpoint), optimizer, metrics.
        using var run = new RewardRun(config.Validate(), pairs, progress);
        var c = run.Config;
        while (run.Step < run.TotalSteps && !cancel.IsCancellationRequested)
        {
            // 2. One optimizer step: micro-batches of pairs, each (2B rows: chosen then rejected) scored in one forward.
            double lr = run.SetLearningRate();
            double loss = 0, accuracy = 0, margin = 0;
            foreach (var batch in run.MicroBatches())
            {
                using var scope = NewDisposeScope();
                var (chosen, rejected, margins) = Score(run.Model, batch, run.PadId);
                var l = RewardLoss.BradleyTerry(chosen, rejected, margins, c.CenterRewardsCoefficient).DividedBy(c.GradientAccumulationSteps);
                l.backward();
                loss += l.ItemAsDouble();
                var (acc, mar) = Agreement(chosen, rejected);
                accuracy += acc / c.GradientAccumulationSteps;
                margin += mar / c.GradientAccumulationSteps;
            }
            double gradNorm = run.Optimizer.ClipGradNorm(c.MaxGradNorm);
            run.Optimizer.Step();
            run.Optimizer.ZeroGrad();
            run.Step++;

            // 3. Metrics (held-out pairwise accuracy every eval_steps and at the end), 4. checkpoint.
            bool last = run.Step == run.TotalSteps || cancel.IsCancellationRequested;
            var row = new Dictionary<string, double>
            {
                ["step"] = run.Step, ["epoch"] = (double)run.Step / run.StepsPerEpoch, ["loss"] = loss, ["accuracy"] = accuracy,
                ["margin"] = margin, ["lr"] = lr, ["grad_norm"] = gradNorm,
            };
            if (run.EvalDue(last))
                foreach (var (key, value) in Evaluate(run.Model, run.EvalRows, c.PerDeviceTrainBatchSize, run.PadId, c.CenterRewardsCoefficient))
                    row[key] = value;
            run.Record(row);
            if ((c.SaveSteps > 0 && run.Step % c.SaveSteps == 0) || last) run.SaveCheckpoint();
        }
        // 5. A checkpoint when stopped early, the reward model directory when finished, charts.
        return run.Finish();
    }

    /// <summary>eval_loss, eval_accuracy and eval_margin over <paramref name="rows"/> without gradients (empty when no rows).</summary>
    public static Dictionary<string, double> Evaluate(RewardModel model, IReadOnlyList<RewardPairRow> rows, int batchSize, int padId,
        double? centerCoefficient = null)
    {
        if (rows.Count == 0) return [];
        using var noGrad = no_grad();
        var chosen = new List<double>();
        var rejected = new List<double>();
        var margins = new List<double>();
        for (int i = 0; i < rows.Count; i += batchSize)
        {
            using var scope = NewDisposeScope();
            var batch = rows.Skip(i).Take(batchSize).ToArray();
            var (c, r, _) = Score(model, batch, padId);
            chosen.AddRange(c.data<float>().ToArray().Select(v => (double)v));
            rejected.AddRange(r.data<float>().ToArray().Select(v => (double)v));
            margins.AddRange(batch.Select(b => b.Margin));
        }
        return new()
        {
            ["eval_loss"] = RewardLoss.BradleyTerry([.. chosen], [.. rejected], [.. margins], centerCoefficient),
            ["eval_accuracy"] = RewardLoss.PairwiseAccuracy([.. chosen], [.. rejected]),
            ["eval_margin"] = chosen.Zip(rejected, (a, b) => a - b).Average(),
        };
    }

    // Chosen and rejected rows of a batch in one forward: rewards (B) each, and the margins (B).
    private static (Tensor Chosen, Tensor Rejected, Tensor Margins) Score(RewardModel model, IReadOnlyList<RewardPairRow> batch, int padId)
    {
        var (ids, mask) = RewardRows.Collate([.. batch.Select(b => b.Chosen), .. batch.Select(b => b.Rejected)], padId);
        var scores = model.Scores(ids, mask);                                       // (2B)
        int b = batch.Count;
        return (scores.narrow(0, 0, b), scores.narrow(0, b, b), tensor(batch.Select(p => (float)p.Margin).ToArray()));
    }

    private static (double Accuracy, double Margin) Agreement(Tensor chosen, Tensor rejected)
    {
        var c = chosen.detach().data<float>().ToArray().Select(v => (double)v).ToArray();
        var r = rejected.detach().data<float>().ToArray().Select(v => (double)v).ToArray();
        return (RewardLoss.PairwiseAccuracy(c, r), c.Zip(r, (a, b) => a - b).Average());
    }
}
