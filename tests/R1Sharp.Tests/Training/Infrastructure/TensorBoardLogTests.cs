// report_to: ["tensorboard"]: an SFT run writes TensorBoard event files in output_dir/runs whose scalars, read back
// through the TFRecord framing and TensorBoard's Event protobuf, equal metrics.jsonl; unknown integrations are refused.
using R1Sharp.Training;
using R1Sharp.Training.Infrastructure;
using R1Sharp.Training.Sft;
using R1Sharp.Tests.Training.Sft;

namespace R1Sharp.Tests.Training.Infrastructure;

public sealed class TensorBoardLogTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("r1-tb-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>(tag, step, value) of every scalar in the event files of <paramref name="logDir"/>: TFRecords are
    /// [u64 length][u32 crc][data][u32 crc], data a tensorboard.Event.</summary>
    internal static List<(string Tag, long Step, float Value)> ReadScalars(string logDir)
    {
        var scalars = new List<(string, long, float)>();
        foreach (string file in Directory.EnumerateFiles(logDir, "events.out.tfevents.*"))
        {
            var bytes = File.ReadAllBytes(file);
            for (int at = 0; at < bytes.Length;)
            {
                long length = BitConverter.ToInt64(bytes, at);
                var e = Tensorboard.Event.Parser.ParseFrom(bytes, at + 12, (int)length);
                if (e.Summary is { } summary)
                    foreach (var v in summary.Value) scalars.Add((v.Tag, e.Step, v.SimpleValue));
                at += 12 + (int)length + 4;
            }
        }
        return scalars;
    }

    [Fact]
    public void An_sft_run_with_report_to_tensorboard_writes_every_metric_as_a_scalar()
    {
        string data = SftTrainerTests.WriteToyDataset(_dir, rows: 16);
        var config = new SftConfig
        {
            ModelNameOrPath = Path.Combine(RepoPaths.Root, "models", "tiny-qwen2"), DatasetPath = data, OutputDir = Path.Combine(_dir, "out"),
            MaxSteps = 3, PerDeviceTrainBatchSize = 4, SaveSteps = 0, LoggingSteps = 1, MaxLength = 32, ReportTo = ["tensorboard"],
        };
        var result = SftTrainer.Run(config);
        var scalars = ReadScalars(Path.Combine(config.OutputDir, TensorBoardLog.FolderName));
        var rows = MetricsLog.Read(Path.Combine(config.OutputDir, MetricsLog.FileName));
        Assert.Equal(3, rows.Count);
        foreach (var row in rows)
            foreach (var (key, value) in row.Where(kv => kv.Key != "step"))
                Assert.Contains((key, (long)row["step"], (float)value), scalars);
        Assert.Equal(rows.Sum(r => r.Count - 1), scalars.Count);
        Assert.Equal(3, result.Steps);
    }

    [Theory]
    [InlineData("wandb", "report_to: 'wandb' is not implemented")]
    [InlineData("none,tensorboard", "report_to lists both")]
    public void Other_integrations_are_refused_by_name(string reportTo, string expected)
    {
        var config = RecipeConfig.Load<SftConfig>(null, [$"--report_to={reportTo}", $"--model_name_or_path={Path.Combine(RepoPaths.Root, "models", "tiny-qwen2")}", "--dataset_path=x.jsonl"]);
        var e = Assert.Throws<R1SharpException>(() => config.Validate());
        Assert.Contains(expected, e.Message);
    }
}
