// Checkpoints: a save/load round trip restores weights and AdamW state exactly; a failed save leaves the previous
// checkpoint intact; old checkpoints are pruned; metrics.jsonl lines and chart PNGs are written.
using R1Sharp.Cli.Progress;
using R1Sharp.Models;
using R1Sharp.Tests.Models;
using R1Sharp.Training.Infrastructure;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Training.Infrastructure;

public class CheckpointTests
{
    static string TempDir() => Directory.CreateTempSubdirectory("r1-ckpt-").FullName;
    static string TinyModelDir => Path.Combine(RepoPaths.Root, "models", "tiny-qwen2");

    // Two optimizer steps on random data, so exp_avg / exp_avg_sq / step are all non-trivial.
    static void TrainTwoSteps(DecoderModel model, TrainingOptimizer opt)
    {
        for (int i = 0; i < 2; i++)
        {
            using var scope = NewDisposeScope();
            var ids = randint(0, model.Config.VocabSize, new long[] { 2, 8 }, generator: new Generator((ulong)i + 7));
            var loss = model.Forward(ids).square().mean();
            loss.backward();
            opt.ClipGradNorm(1.0);
            opt.Step();
            opt.ZeroGrad();
        }
    }

    static TrainerState State(int step) => new()
    {
        GlobalStep = step, MaxSteps = 10, Epoch = step / 10.0,
        SamplerSeeds = { ["data"] = 42 }, TorchRngState = TrainerState.CaptureTorchRng(),
        LogHistory = [new() { ["step"] = step, ["loss"] = 1.5 }],
    };

    [Fact]
    public void Save_then_load_restores_weights_optimizer_state_and_trainer_state()
    {
        string dir = TempDir();
        using var model = TinyModels.Create(TinyModels.Qwen2(tie: true));
        using var opt = TrainingOptimizer.Create(model, new AdamWOptions(1e-2, WeightDecay: 0.1));
        TrainTwoSteps(model, opt);
        var saver = new Checkpointer(dir, 2, TinyModelDir);
        string path = saver.Save(model, opt, State(2));
        Assert.Equal(Path.Combine(dir, "checkpoint-2"), path);
        foreach (var f in new[] { "config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "trainer_state.json", "optimizer.safetensors" })
            Assert.True(File.Exists(Path.Combine(path, f)), f);

        using var fresh = TinyModels.Create(TinyModels.Qwen2(tie: true), seed: 99);
        using var freshOpt = TrainingOptimizer.Create(fresh, new AdamWOptions(1e-2, WeightDecay: 0.1));
        var state = Checkpointer.Load(path, fresh, freshOpt);
        Assert.Equal(2, state.GlobalStep);
        Assert.Equal(42, state.SamplerSeeds["data"]);
        Assert.Equal(1.5, state.LogHistory[0]["loss"]);
        foreach (var ((name, p), (_, q)) in model.named_parameters().Zip(fresh.named_parameters()))
            Assert.True(TinyModels.MaxDiff(p, q) == 0, name);
        var a = opt.Inner.state_dict().State;
        var b = freshOpt.Inner.state_dict().State;
        for (int i = 0; i < a.Count; i++) Assert.True(a[i].ApproximatelyEquals(b[i]), $"optimizer state {i}");

        // The restored pair continues exactly like the original.
        TrainTwoSteps(model, opt);
        TrainTwoSteps(fresh, freshOpt);
        foreach (var ((name, p), (_, q)) in model.named_parameters().Zip(fresh.named_parameters()))
            Assert.True(TinyModels.MaxDiff(p, q) == 0, name + " after more steps");
    }

    [Fact]
    public void A_failed_save_leaves_the_previous_checkpoint_intact()
    {
        string dir = TempDir();
        using var model = TinyModels.Create(TinyModels.Qwen2(tie: true));
        using var opt = TrainingOptimizer.Create(model, new AdamWOptions(1e-2));
        var saver = new Checkpointer(dir, 1, TinyModelDir);
        saver.Save(model, opt, State(1));
        byte[] before = File.ReadAllBytes(Path.Combine(dir, "checkpoint-1", "model.safetensors"));
        saver.BeforeCommit = _ => throw new IOException("disk full (simulated)");
        Assert.Throws<IOException>(() => saver.Save(model, opt, State(2)));
        Assert.Equal(new[] { "checkpoint-1" }, Directory.GetDirectories(dir).Select(Path.GetFileName));
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(dir, "checkpoint-1", "model.safetensors")));
        Assert.EndsWith("checkpoint-1", Checkpointer.Latest(dir));
    }

    [Fact]
    public void Save_total_limit_keeps_the_newest()
    {
        string dir = TempDir();
        using var model = TinyModels.Create(TinyModels.Qwen2(tie: true));
        using var opt = TrainingOptimizer.Create(model, new AdamWOptions(1e-2));
        var saver = new Checkpointer(dir, 2, null);
        foreach (int step in new[] { 5, 10, 15 }) saver.Save(model, opt, State(step));
        Assert.Equal(new[] { 10, 15 }, Checkpointer.List(dir).Select(c => c.Step));
    }

    [Fact]
    public void Pruning_never_deletes_the_checkpoint_just_written()
    {
        string dir = TempDir();
        using var model = TinyModels.Create(TinyModels.Qwen2(tie: true));
        using var opt = TrainingOptimizer.Create(model, new AdamWOptions(1e-2));
        var earlier = new Checkpointer(dir, 2, null);
        foreach (int step in new[] { 50, 60 }) earlier.Save(model, opt, State(step));
        string written = new Checkpointer(dir, 2, null).Save(model, opt, State(5));
        Assert.True(File.Exists(Path.Combine(written, TrainerState.FileName)), written);
        Assert.Equal(2, Checkpointer.List(dir).Count);
        Assert.Contains(5, Checkpointer.List(dir).Select(c => c.Step));
    }

    [Fact]
    public void Temporary_folders_and_files_of_a_crashed_run_are_removed_on_the_next_start()
    {
        string dir = TempDir();
        int dead;
        using (var p = System.Diagnostics.Process.Start("true")!) { p.WaitForExit(); dead = p.Id; }
        string guid() => Guid.NewGuid().ToString("N");
        string[] stale =
        [
            $".checkpoint-7.{guid()}.tmp", $".checkpoint-8.{dead}-{guid()}.tmp", $"checkpoint-3.{guid()}.old", $".checkpoint-4.{dead}-{guid()}.old",
        ];
        foreach (var d in stale)
        {
            Directory.CreateDirectory(Path.Combine(dir, d));
            File.WriteAllBytes(Path.Combine(dir, d, "model.safetensors"), new byte[100_000]);
        }
        File.WriteAllText(Path.Combine(dir, $".model.safetensors.{guid()}.tmp"), "partial");
        string live = $".checkpoint-9.{Environment.ProcessId}-{guid()}.tmp"; // a save in progress in a running process
        Directory.CreateDirectory(Path.Combine(dir, live));
        Directory.CreateDirectory(Path.Combine(dir, "checkpoint-2"));
        File.WriteAllText(Path.Combine(dir, "checkpoint-2", TrainerState.FileName), State(2).ToJson());
        File.WriteAllText(Path.Combine(dir, ".notes"), "the user's");

        var checkpointer = new Checkpointer(dir, 2, null);
        Assert.Equal(5, checkpointer.RemovedLeftovers.Count);
        Assert.Equal(new[] { ".notes", live, "checkpoint-2" }.Order(StringComparer.Ordinal), Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Optimizer_state_of_another_model_is_a_one_line_error()
    {
        string dir = TempDir();
        using var model = TinyModels.Create(TinyModels.Qwen2(tie: true));
        using var opt = TrainingOptimizer.Create(model, new AdamWOptions(1e-2));
        opt.Save(Path.Combine(dir, "opt.safetensors"));
        using var other = TinyModels.Create(TinyModels.Qwen2(tie: true, vocab: 70));
        using var otherOpt = TrainingOptimizer.Create(other, new AdamWOptions(1e-2));
        var e = Assert.Throws<R1SharpException>(() => otherOpt.Load(Path.Combine(dir, "opt.safetensors")));
        Assert.Contains("model.embed_tokens.weight.exp_avg", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void Metrics_log_writes_one_object_per_line_and_truncates_on_resume()
    {
        string path = Path.Combine(TempDir(), "metrics.jsonl");
        using (var log = new MetricsLog(path))
            for (int s = 1; s <= 4; s++) log.Write(new Dictionary<string, double> { ["step"] = s, ["loss"] = 1.0 / s, ["eval_loss"] = double.NaN });
        var lines = File.ReadAllLines(path);
        Assert.Equal(4, lines.Length);
        Assert.Equal("{\"step\":2,\"loss\":0.5,\"eval_loss\":null}", lines[1]);
        using (var log = new MetricsLog(path, keepThroughStep: 2))
            log.Write(new Dictionary<string, double> { ["step"] = 3, ["loss"] = 9 });
        var rows = MetricsLog.Read(path);
        Assert.Equal(new double[] { 1, 2, 3 }, rows.Select(r => r["step"]));
        Assert.Equal(9, rows[2]["loss"]);
        Assert.False(rows[0].ContainsKey("eval_loss"));
    }

    [Fact]
    public void Chart_png_is_written_with_a_png_header()
    {
        string dir = TempDir();
        var rows = Enumerable.Range(1, 20).Select(s => (IReadOnlyDictionary<string, double>)new Dictionary<string, double>
            { ["step"] = s, ["loss"] = 3.0 / s, ["eval_loss"] = s % 5 == 0 ? 3.2 / s : double.NaN }).ToList();
        string? png = Charts.Render(rows, new ChartSpec("loss.png", "loss", ["loss", "eval_loss"]), dir);
        Assert.NotNull(png);
        byte[] bytes = File.ReadAllBytes(png!);
        Assert.True(bytes.Length > 1000, $"{bytes.Length} bytes");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        Assert.Null(Charts.Render(rows, new ChartSpec("none.png", "none", ["missing"]), dir));
    }

    [Fact]
    public void Plain_progress_prints_log_steps_and_messages_only()
    {
        var output = new StringWriter();
        TrainingProgress.Run("test", p =>
        {
            p.Report(new TrainingStepReport(1, 3, new Dictionary<string, double> { ["step"] = 1, ["loss"] = 2 }));
            p.Report(new TrainingStepReport(2, 3, new Dictionary<string, double> { ["step"] = 2, ["loss"] = 1.5, ["lr"] = 1e-4, ["mfu"] = 0.123 }, IsLogStep: true));
            p.Report(new TrainingStepReport(2, 3, new Dictionary<string, double>(), Message: "eval_loss 1.2"));
            return 0;
        }, output, interactive: false);
        Assert.Equal("step 2/3 | loss 1.5000 | lr 1.00e-04 | mfu 12.3%\neval_loss 1.2\n", output.ToString().Replace("\r", ""));
    }
}
