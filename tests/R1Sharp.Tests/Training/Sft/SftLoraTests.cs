// LoRA SFT (use_peft) on the shipped tiny model: a step changes every adapter parameter and no base weight; the run's
// output_dir and checkpoints hold a PEFT adapter and the adapters' optimizer state only; QLoRA (load_in_8bit, and bf16
// bases) trains; 2 steps + resume + 2 steps reproduce a straight 4-step run; bad key combinations are one-line errors.
using R1Sharp.Formats.Safetensors;
using R1Sharp.Models;
using R1Sharp.Models.Lora;
using R1Sharp.Training.Infrastructure;
using R1Sharp.Training.Sft;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Training.Sft;

public class SftLoraTests
{
    static readonly string ModelDir = Path.Combine(RepoPaths.Root, "models", "tiny-qwen2");

    static SftConfig Config(string dir, string data, int steps) => new()
    {
        ModelNameOrPath = ModelDir, DatasetPath = data, OutputDir = Path.Combine(dir, "out"), MaxSteps = steps,
        LearningRate = 1e-2, PerDeviceTrainBatchSize = 4, GradientAccumulationSteps = 1, SaveSteps = 0, LoggingSteps = 1,
        MaxLength = 64, Seed = 3, UsePeft = true, LoraR = 4, LoraAlpha = 8, LoraDropout = 0, LoraTargetModules = ["all-linear"],
    };

    [Fact]
    public void A_step_moves_every_adapter_parameter_and_no_base_weight()
    {
        using var model = PeftSetup.Load(ModelDir, Config("", "", 1), "float32", seed: 1);
        var adapters = model.Adapters!;
        var baseBefore = model.parameters().Select(p => p.detach().clone()).ToArray();
        var adapterBefore = adapters.NamedParameters().Select(p => p.Parameter.detach().clone()).ToArray();
        using var optimizer = TrainingOptimizer.Create(adapters.NamedParameters(), new AdamWOptions(1e-2));
        Assert.Equal(adapters.NamedParameters().Select(p => p.Name), optimizer.Parameters.Select(p => p.Name));
        // Two steps: the first moves only B (A's gradient is Bᵀ·… = 0 while B = 0), the second A too.
        for (int step = 0; step < 2; step++)
        {
            using var scope = NewDisposeScope();
            var ids = Models.TinyModels.Ids([[5, 17, 3, 99, 42, 7, 8, 1], [2, 9, 14, 33, 6, 71, 5, 4]]);
            var hidden = model.NormedHidden(ids);
            var loss = model.TokenLogProbs(hidden, ids.roll(-1, 1)).mean().neg();
            loss.backward();
            optimizer.Step();
            optimizer.ZeroGrad();
        }
        var baseAfter = model.parameters().ToArray();
        for (int i = 0; i < baseAfter.Length; i++) Assert.True(baseAfter[i].allclose(baseBefore[i], 0, 0), $"base parameter {i} changed");
        var names = adapters.NamedParameters().Select(p => p.Name).ToArray();
        var after = adapters.NamedParameters().Select(p => p.Parameter).ToArray();
        for (int i = 0; i < after.Length; i++) Assert.False(after[i].allclose(adapterBefore[i], 0, 0), $"{names[i]} did not change");
    }

    [Fact]
    public void Output_and_checkpoints_hold_the_adapter_and_its_optimizer_state_only()
    {
        string dir = Directory.CreateTempSubdirectory("r1-sft-lora-").FullName;
        try
        {
            var config = Config(dir, SftTrainerTests.WriteToyDataset(dir, 16), 2) with { SaveSteps = 1 };
            var result = SftTrainer.Run(config);
            Assert.Equal(2, result.Steps);
            string outDir = config.OutputDir, checkpoint = Path.Combine(outDir, "checkpoint-2");
            foreach (string d in new[] { outDir, checkpoint })
            {
                Assert.True(File.Exists(Path.Combine(d, "adapter_config.json")), d);
                Assert.True(File.Exists(Path.Combine(d, "adapter_model.safetensors")), d);
                Assert.False(File.Exists(Path.Combine(d, "model.safetensors")), d);
            }
            using (var optimizer = SafetensorsFile.Open(Path.Combine(checkpoint, "optimizer.safetensors")))
                Assert.All(optimizer.Tensors.Keys, k => Assert.Contains(".lora_", k));
            // The saved adapter loads onto the base (merged) and changes its output.
            using var merged = DecoderModel.Load(ModelDir, new ModelLoadOptions { Adapter = outDir });
            using var plain = DecoderModel.Load(ModelDir);
            using var ids = Models.TinyModels.Ids([[5, 17, 3, 99]]);
            using var noGrad = no_grad();
            Assert.True(Models.TinyModels.MaxDiff(merged.Forward(ids), plain.Forward(ids)) > 1e-4);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Theory]
    [InlineData("int8")]
    [InlineData("bf16")]
    public void QLoRA_and_bf16_bases_train(string mode)
    {
        string dir = Directory.CreateTempSubdirectory("r1-sft-qlora-").FullName;
        try
        {
            var config = Config(dir, SftTrainerTests.WriteToyDataset(dir, 8), 2) with
            {
                LoadIn8Bit = mode == "int8", DType = mode == "bf16" ? "bfloat16" : "float32",
            };
            var result = SftTrainer.Run(config);
            Assert.Equal(2, result.Steps);
            Assert.All(result.History, r => Assert.True(double.IsFinite(r["loss"]) && r["grad_norm"] > 0));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Resumed_lora_run_reproduces_the_straight_losses()
    {
        string dir = Directory.CreateTempSubdirectory("r1-sft-lora-resume-").FullName;
        try
        {
            string data = SftTrainerTests.WriteToyDataset(dir, 16);
            var straight = SftTrainer.Run(Config(dir, data, 4) with { OutputDir = Path.Combine(dir, "straight"), LrSchedulerType = LrSchedulerType.Constant });
            var config = Config(dir, data, 4) with { OutputDir = Path.Combine(dir, "resumed"), SaveSteps = 2, LrSchedulerType = LrSchedulerType.Constant };
            SftTrainer.Run(config with { MaxSteps = 2 });
            // A run of 4 steps resumed from checkpoint-2 of a 2-step run: same schedule only with a constant LR.
            var resumed = SftTrainer.Run(config with { ResumeFromCheckpoint = "latest" });
            Assert.Equal(4, resumed.Steps);
            var a = straight.History.Select(r => r["loss"]).ToArray();
            var b = MetricsLog.Read(Path.Combine(config.OutputDir, "metrics.jsonl")).Select(r => r["loss"]).ToArray();
            Assert.Equal(a.Length, b.Length);
            for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) <= 1e-4, $"step {i + 1}: {a[i]} vs {b[i]}");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Theory]
    [InlineData(false, true, "float32", "load_in_8bit/load_in_4bit quantize a frozen base; set use_peft: true too")]
    [InlineData(false, false, "bfloat16", "dtype 'bfloat16' trains only with use_peft")]
    [InlineData(true, false, "float16", "dtype 'float16' is not supported for training")]
    public void Bad_key_combinations_are_one_line_errors(bool usePeft, bool in4, string dtype, string message)
    {
        var config = new SftConfig { ModelNameOrPath = ModelDir, UsePeft = usePeft, LoadIn4Bit = in4, DType = dtype };
        var e = Assert.Throws<R1SharpException>(() => config.Validate());
        Assert.StartsWith("SFT config: ", e.Message);
        Assert.Contains(message, e.Message);
    }
}
