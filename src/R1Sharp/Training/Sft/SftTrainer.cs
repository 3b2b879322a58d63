// Supervised fine-tuning (TRL SFTTrainer semantics) as one loop that reads top to bottom like nanoGPT's train.py:
// setup → (schedule → micro-steps with accumulation → clip → AdamW step → eval → log → checkpoint) → model, charts.
// Setup and per-step bookkeeping are in SftTrainer.Setup.cs, data in SftTrainer.Data.cs, the loss in SftTrainer.Losses.cs.
using System.Diagnostics;
using R1Sharp.Models;
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
    /// Validates <paramref name="config"/> (once: an already resolved config is used as is) and trains. Examples come
    /// from <paramref name="data"/> when given (e.g. <c>r1 pretrain</c>'s generated corpus), else from dataset_path.
    /// Cancelling <paramref name="cancel"/> stops after the current step and writes a checkpoint (resume with
    /// resume_from_checkpoint = "latest").
    /// </summary>
    public static SftResult Run(SftConfig config, SftData? data = null, CancellationToken cancel = default,
        IProgress<TrainingStepReport>? progress = null)
    {
        // 1. Setup: data → rows, schedule, model, optimizer, resume, metrics (SftTrainer.Setup.cs).
        using var run = new SftRun(config.Validate(), data, progress);
        var c = run.Config;
        while (run.Step < run.TotalSteps && !cancel.IsCancellationRequested)
        {
            // 2. One optimizer step: schedule, micro-batches normalised by all their target tokens (exact accumulation),
            //    clip, AdamW, DeepSeekMoE bias balancing.
            var clock = Stopwatch.StartNew();
            double lr = run.SetLearningRate();
            run.Balancer?.BeginStep();
            var (batches, totals) = Share(run.MicroBatches(), run.PadId, run.Extras.MtpWeight > 0 && run.Model.Mtp is not null, run.Parallel);
            var (loss, tokens, mtpLoss, auxLoss) = AllReduce(run, Accumulate(run.Model, batches, run.Extras, totals));
            double gradNorm = run.Optimizer.ClipGradNorm(c.MaxGradNorm);
            run.Optimizer.Step();
            run.Optimizer.ZeroGrad();
            var moeLoad = run.Balancer?.AfterOptimizerStep();
            run.Step++;

            // 3. Metrics (eval loss every eval_steps and at the end), 4. checkpoint every save_steps and at the end.
            bool last = run.Step == run.TotalSteps || cancel.IsCancellationRequested;
            var row = run.Row(lr, loss, gradNorm, tokens, clock.Elapsed.TotalSeconds, mtpLoss, auxLoss, moeLoad);
            if (run.EvalDue(last)) row["eval_loss"] = Evaluate(run.Model, run.EvalRows, c.PerDeviceTrainBatchSize, run.PadId, c.Packing);
            run.Record(row);
            if ((c.SaveSteps > 0 && run.Step % c.SaveSteps == 0) || last) run.SaveCheckpoint();
        }
        // 5. A checkpoint when stopped early, the model directory when finished, charts.
        return run.Finish();
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
            nll += TargetNll(model, batch, packed).item<float>();
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
}
