// Checkpoints as DESIGN.md "Model directory produced by training" says: output_dir/checkpoint-STEP is a loadable
// model directory (config, weights, tokenizer files; a PEFT adapter directory for a LoRA run) plus trainer_state.json and
// optimizer.safetensors (the adapters' state only, then), written to a
// temporary directory and renamed into place; only the newest save_total_limit checkpoints are kept (never the one
// just written). Temporary folders and files a crashed run left in the output directory are removed on the next start.
using System.Globalization;
using R1Sharp.IO;
using R1Sharp.Models;

namespace R1Sharp.Training.Infrastructure;

/// <summary>Writes, finds, prunes and restores checkpoints under one output directory.</summary>
public sealed class Checkpointer
{
    /// <summary>Directory-name prefix of checkpoints (HF Trainer's PREFIX_CHECKPOINT_DIR).</summary>
    public const string Prefix = "checkpoint-";

    /// <summary>Optimizer state file inside a checkpoint.</summary>
    public const string OptimizerFile = "optimizer.safetensors";

    /// <summary>Files copied from the source model so a checkpoint is a complete model directory.</summary>
    public static readonly string[] TokenizerFiles =
        ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja", "generation_config.json"];

    private readonly string _outputDir;
    private readonly int _keep;
    private readonly string? _tokenizerSource;

    /// <summary>
    /// A checkpointer for <paramref name="outputDir"/>; removes what a crashed or killed run left there: temporary
    /// checkpoint folders (<c>.checkpoint-N.PID-GUID.tmp</c>, full-size), replaced ones not yet deleted
    /// (<c>.old</c>), and temporary files of atomic writes, when the process that wrote them is gone.
    /// </summary>
    /// <param name="outputDir">Where checkpoints go (created when missing).</param>
    /// <param name="saveTotalLimit">Checkpoints kept (the newest); 0 or less keeps all.</param>
    /// <param name="tokenizerSource">Model directory whose tokenizer files are copied into every checkpoint.</param>
    public Checkpointer(string outputDir, int saveTotalLimit, string? tokenizerSource)
    {
        _outputDir = outputDir;
        _keep = saveTotalLimit;
        _tokenizerSource = tokenizerSource;
        RemovedLeftovers = RemoveLeftovers(outputDir);
    }

    /// <summary>What the constructor removed (see there).</summary>
    public IReadOnlyList<string> RemovedLeftovers { get; }

    /// <summary>Removes the temporary checkpoint folders and files of crashed runs in <paramref name="outputDir"/>; returns their paths.</summary>
    public static IReadOnlyList<string> RemoveLeftovers(string outputDir) =>
        TempNames.RemoveLeftovers(outputDir, name => name.StartsWith('.') || name.StartsWith(Prefix, StringComparison.Ordinal));

    /// <summary>Test hook: runs after every file is written and before the rename (a throw simulates a crash).</summary>
    internal Action<string>? BeforeCommit { get; set; }

    /// <summary>The directory of the checkpoint at <paramref name="step"/>.</summary>
    public string PathOf(int step) => Path.Combine(_outputDir, Prefix + step.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// Writes checkpoint-STEP (replacing one of the same step) and prunes old ones. On any failure the temporary
    /// directory is removed and existing checkpoints are untouched.
    /// </summary>
    public string Save(DecoderModel model, TrainingOptimizer optimizer, TrainerState state)
    {
        Directory.CreateDirectory(_outputDir);
        string final = PathOf(state.GlobalStep);
        string name = Prefix + state.GlobalStep.ToString(CultureInfo.InvariantCulture);
        string temp = Path.Combine(_outputDir, TempNames.For(name));
        try
        {
            WriteModelDirectory(model, temp, _tokenizerSource);
            optimizer.Save(Path.Combine(temp, OptimizerFile));
            AtomicFile.WriteAllText(Path.Combine(temp, TrainerState.FileName), state.ToJson());
            BeforeCommit?.Invoke(temp);
            if (Directory.Exists(final))
            {
                string old = Path.Combine(_outputDir, TempNames.For(name, "old"));
                Directory.Move(final, old);
                Directory.Move(temp, final);
                TryDeleteDirectory(old);
            }
            else Directory.Move(temp, final);
        }
        catch
        {
            TryDeleteDirectory(temp);
            throw;
        }
        Prune(final, state.GlobalStep);
        return final;
    }

    /// <summary>Writes a loadable model directory: weights + config via <see cref="DecoderModel.Save"/>, tokenizer files
    /// copied; for a model with LoRA adapters only the PEFT adapter (adapter_config.json naming
    /// <paramref name="tokenizerSource"/> as the base, adapter_model.safetensors), as TRL saves a PEFT run.</summary>
    public static void WriteModelDirectory(DecoderModel model, string directory, string? tokenizerSource)
    {
        if (model.Adapters is { } adapters) adapters.Save(directory, tokenizerSource);
        else model.Save(directory);
        if (tokenizerSource is null) return;
        foreach (string name in TokenizerFiles)
        {
            string src = Path.Combine(tokenizerSource, name);
            if (File.Exists(src)) File.Copy(src, Path.Combine(directory, name), overwrite: true);
        }
    }

    /// <summary>Checkpoint directories under <paramref name="outputDir"/> by ascending step (temporary ones ignored).</summary>
    public static IReadOnlyList<(int Step, string Path)> List(string outputDir)
    {
        if (!Directory.Exists(outputDir)) return [];
        var found = new List<(int, string)>();
        foreach (string dir in Directory.EnumerateDirectories(outputDir, Prefix + "*"))
        {
            string name = System.IO.Path.GetFileName(dir);
            if (int.TryParse(name.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int step)
                && File.Exists(System.IO.Path.Combine(dir, TrainerState.FileName)))
                found.Add((step, dir));
        }
        return found.OrderBy(f => f.Item1).ToArray();
    }

    /// <summary>The newest complete checkpoint under <paramref name="outputDir"/>, or null.</summary>
    public static string? Latest(string outputDir) => List(outputDir) is { Count: > 0 } all ? all[^1].Path : null;

    /// <summary>
    /// Restores weights into <paramref name="model"/> and state into <paramref name="optimizer"/> from
    /// <paramref name="checkpointDir"/>, restores the torch generator, and returns the trainer state.
    /// </summary>
    public static TrainerState Load(string checkpointDir, DecoderModel model, TrainingOptimizer optimizer)
    {
        string statePath = Path.Combine(checkpointDir, TrainerState.FileName);
        if (!File.Exists(statePath))
            throw new R1SharpException($"{checkpointDir}: no {TrainerState.FileName}; not a checkpoint directory");
        var state = TrainerState.Parse(File.ReadAllText(statePath), statePath);
        if (model.Adapters is { } adapters) adapters.LoadValues(checkpointDir);
        else
            using (var weights = Formats.Safetensors.SafetensorsModel.Open(checkpointDir))
                model.LoadWeights(weights);
        optimizer.Load(Path.Combine(checkpointDir, OptimizerFile));
        if (state.TorchRngState is { } rng) TrainerState.RestoreTorchRng(rng);
        return state;
    }

    // Keeps save_total_limit checkpoints, always the one just written: a run resumed from an earlier checkpoint saves
    // steps below ones already there (an abandoned continuation), which go first, then the oldest.
    private void Prune(string justWritten, int step)
    {
        if (_keep <= 0) return;
        var others = List(_outputDir).Where(c => !SamePath(c.Path, justWritten))
            .OrderBy(c => c.Step > step ? 0 : 1).ThenBy(c => c.Step).ToList();
        for (int i = 0; i < others.Count - (_keep - 1); i++) TryDeleteDirectory(others[i].Path);
    }

    private static bool SamePath(string a, string b) =>
        string.Equals(Path.GetFullPath(a).TrimEnd(Path.DirectorySeparatorChar), Path.GetFullPath(b).TrimEnd(Path.DirectorySeparatorChar), StringComparison.Ordinal);

    private static void TryDeleteDirectory(string dir)
    {
        try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
