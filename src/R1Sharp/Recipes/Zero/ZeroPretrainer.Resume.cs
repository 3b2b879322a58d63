// Interrupting and resuming `r1 pretrain` (Ctrl+C, SIGTERM): the work directory OUT.partial keeps the trained tokenizer
// and checkpoint-N (weights, AdamW state, step, smoothed loss, the options), written every --save-steps steps and on a
// stop, so even a killed run (SIGKILL, a crash, a lost machine) loses at most --save-steps steps; --resume with the same
// options continues from it (the batch order is a pure function of seed and step), so the result matches an uninterrupted run.
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using R1Sharp.Models;
using R1Sharp.Training.Infrastructure;

namespace R1Sharp.Recipes.Zero;

public static partial class ZeroPretrainer
{
    /// <summary>Where a pretraining run of <paramref name="outDirectory"/> works before its result is renamed into place: OUT.partial.</summary>
    public static string WorkDirectory(string outDirectory) =>
        Path.GetFullPath(outDirectory).TrimEnd(Path.DirectorySeparatorChar) + ".partial";

    // Checks the output and work directories for the way the run starts; returns the checkpoint to resume from, or null.
    private static string? PrepareWork(PretrainOptions options, string outDirectory, string work, RunStart start)
    {
        bool outFull = Directory.Exists(outDirectory) && Directory.EnumerateFileSystemEntries(outDirectory).Any();
        string? checkpoint = Checkpointer.Latest(work);
        switch (start)
        {
            case RunStart.Overwrite:
                if (Directory.Exists(work)) Directory.Delete(work, recursive: true); // OUT itself is replaced at the end
                return null;
            case RunStart.Resume:
                if (checkpoint is null)
                    throw new R1SharpException($"--resume: no interrupted pretraining of {outDirectory} ({work} has no checkpoint-N); start without --resume");
                CheckSameOptions(options, checkpoint);
                return checkpoint;
            default:
                if (outFull)
                    throw new R1SharpException($"--out {outDirectory}: the directory exists and is not empty; remove it, choose another, or pass --overwrite to replace it");
                if (checkpoint is not null)
                    throw new R1SharpException($"--out {outDirectory}: an interrupted pretraining left {checkpoint}; pass --resume to continue it or --overwrite to start over");
                if (Directory.Exists(work)) Directory.Delete(work, recursive: true); // a crash before any checkpoint
                return null;
        }
    }

    private static void CheckSameOptions(PretrainOptions options, string checkpoint)
    {
        string statePath = Path.Combine(checkpoint, TrainerState.FileName);
        var saved = TrainerState.Parse(File.ReadAllText(statePath), statePath).Config as JsonObject
            ?? throw new R1SharpException($"{statePath}: no options saved; not a checkpoint of r1 pretrain");
        var now = JsonSerializer.SerializeToNode(options)!.AsObject();
        foreach (var (key, value) in now)
        {
            if (!JsonNode.DeepEquals(value, saved[key]))
                throw new R1SharpException($"--resume: the interrupted run used {key} {saved[key]?.ToJsonString() ?? "(none)"}, this command " +
                    $"{value?.ToJsonString() ?? "(none)"}; resume with the options it was started with, or pass --overwrite to start over");
        }
    }

    /// <summary>Saves and restores the state of one pretraining run in its work directory.</summary>
    private sealed class PretrainCheckpoints(string work, DecoderModel model, TrainingOptimizer optimizer, PretrainOptions options, Action<string> log)
    {
        private readonly Checkpointer _checkpointer = new(work, saveTotalLimit: 1, tokenizerSource: work);

        /// <summary>Writes checkpoint-STEP after <paramref name="step"/> finished steps (replacing the previous one) and logs
        /// it; <paramref name="interrupted"/>: the run stops here, so the line says how to continue.</summary>
        public void Save(int step, double emaLoss, bool interrupted = true)
        {
            var state = new TrainerState
            {
                GlobalStep = step, MaxSteps = options.Steps, Epoch = (double)step * options.BatchSize / options.CorpusSize,
                SamplerSeeds = { ["corpus_and_order"] = (long)options.Seed },
                TorchRngState = TrainerState.CaptureTorchRng(),
                Counters = { ["ema_loss"] = emaLoss },
                Config = JsonSerializer.SerializeToNode(options),
            };
            string dir = _checkpointer.Save(model, optimizer, state);
            log(interrupted ? $"interrupted after step {step}: checkpoint {dir}; continue with the same command and --resume"
                : $"step {step}: checkpoint {dir}");
        }

        /// <summary>Loads <paramref name="checkpoint"/> (null: a fresh run) and returns the finished steps and the smoothed loss.</summary>
        public (int Step, double EmaLoss) Restore(string? checkpoint)
        {
            if (checkpoint is null) return (0, double.NaN);
            var state = Checkpointer.Load(checkpoint, model, optimizer);
            double ema = state.Counters.TryGetValue("ema_loss", out double v) ? v : double.NaN;
            log(string.Create(CultureInfo.InvariantCulture, $"resumed from {checkpoint} at step {state.GlobalStep}"));
            return (state.GlobalStep, ema);
        }

        /// <summary>Removes the checkpoints once the model directory is complete.</summary>
        public void RemoveAll()
        {
            foreach (var (_, path) in Checkpointer.List(work)) Directory.Delete(path, recursive: true);
        }
    }
}
