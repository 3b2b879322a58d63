// TensorBoard event files beside metrics.jsonl (TRL's report_to: ["tensorboard"]): every number of every metrics row
// becomes a scalar under its metrics.jsonl name at the row's step, written by TorchSharp's SummaryWriter
// (events.out.tfevents.* in output_dir/runs, which `tensorboard --logdir output_dir/runs` reads).
using TorchSharp;

namespace R1Sharp.Training.Infrastructure;

/// <summary>Writes metrics rows as TensorBoard scalars.</summary>
public sealed class TensorBoardLog : IDisposable
{
    /// <summary>The folder under output_dir that holds the event files (TRL/transformers' logging_dir default is output_dir/runs/…).</summary>
    public const string FolderName = "runs";

    private readonly TorchSharp.Modules.SummaryWriter _writer;

    /// <summary>Opens a new event file in <paramref name="logDir"/> (created when missing).</summary>
    public TensorBoardLog(string logDir)
    {
        Directory.CreateDirectory(logDir);
        LogDir = logDir;
        _writer = torch.utils.tensorboard.SummaryWriter(logDir);
    }

    /// <summary>The folder of the event files.</summary>
    public string LogDir { get; }

    /// <summary>Every finite value of <paramref name="row"/> except "step" as a scalar at the row's step.</summary>
    public void Write(IReadOnlyDictionary<string, double> row)
    {
        int step = row.TryGetValue("step", out double s) ? (int)s : 0;
        foreach (var (key, value) in row)
            if (key != "step" && double.IsFinite(value)) _writer.add_scalar(key, (float)value, step);
    }

    /// <summary>Closes the event file.</summary>
    public void Dispose() => (_writer as IDisposable)?.Dispose();
}
