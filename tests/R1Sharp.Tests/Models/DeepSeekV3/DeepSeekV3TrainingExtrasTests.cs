// DeepSeek-V3's training extras in SFT on the tiny deepseek_v3 preset: the depth-1 MTP loss (report §2.2) trains a
// fresh MTP layer that is saved under model.layers.{L}.* and reloads; the sequence-wise balance loss (§2.1.2) evens the
// per-sequence expert load; with both weights 0 the run is the plain SFT run.
using R1Sharp.Formats.Config;
using R1Sharp.Formats.Safetensors;
using R1Sharp.Models;
using R1Sharp.Models.DeepSeekV3;
using R1Sharp.Text;
using R1Sharp.Training.Sft;
using TorchSharp;
using static R1Sharp.Tests.Training.Grpo.GrpoTrainerTestKit;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Models.DeepSeekV3;

public sealed class DeepSeekV3TrainingExtrasTests
{
    // The tiny deepseek_v3 preset (2 layers: dense + MoE, 8 experts) with one MTP layer in its config but none stored.
    static string CreateModel(string dir, int nextn = 1)
    {
        var tokenizer = HfTokenizer.Load(ModelDir);
        var config = (DeepSeekV3Config)ModelPresets.ToConfig(ModelPresets.Get("tiny"), "deepseek_v3", tokenizer.VocabSize, tokenizer.BosId, tokenizer.EosId);
        string modelDir = Path.Combine(dir, "tiny-deepseek");
        ModelFactory.CreateRandom(config with { NumNextnPredictLayers = nextn }, ModelDir, 11, modelDir);
        return modelDir;
    }

    static SftConfig Config(string dir, string model, int steps, double mtp = 0, double alpha = 0, double gamma = 0.001) => new()
    {
        ModelNameOrPath = model, DatasetPath = R1Sharp.Tests.Training.Sft.SftTrainerTests.WriteToyDataset(dir, 32),
        OutputDir = Path.Combine(dir, "out"), MaxSteps = steps, LearningRate = 3e-3, PerDeviceTrainBatchSize = 8,
        WarmupSteps = 2, SaveSteps = 0, LoggingSteps = 100, MaxLength = 64, Seed = 3, MoeBiasUpdateSpeed = gamma,
        MtpLossWeight = mtp, SeqAuxLossAlpha = alpha,
    };

    [Fact]
    public void Mtp_loss_trains_a_fresh_mtp_layer_falls_and_the_saved_model_reloads_with_the_same_mtp_logits()
    {
        string dir = TempDir();
        string modelDir = CreateModel(dir);
        var config = Config(dir, modelDir, 16, mtp: 0.3);
        var result = SftTrainer.Run(config);

        var mtp = result.History.Select(r => r["mtp_loss"]).ToArray();
        Assert.All(mtp, l => Assert.True(double.IsFinite(l)));
        Assert.True(mtp.TakeLast(3).Average() < 0.7 * mtp[0], $"mtp_loss {mtp[0]} → {mtp.TakeLast(3).Average()}");
        Assert.All(ReadJsonl(Path.Combine(config.OutputDir, "metrics.jsonl")), r => Assert.True(r.TryGetProperty("mtp_loss", out _)));
        Console.WriteLine($"mtp_loss {mtp[0]:0.000} → {mtp[^1]:0.000}; loss {result.History[0]["loss"]:0.000} → {result.History[^1]["loss"]:0.000}");

        // Every MTP parameter moved away from its fresh draw (same seed as the trainer's).
        using var fresh = DecoderModel.Load(modelDir);
        fresh.AttachMtp(shareEmbeddingAndHead: true);
        fresh.InitializeMtpWeights(config.Seed);
        var before = fresh.Mtp!.OwnParameters().ToDictionary(p => p.Name, p => p.Parameter);
        using var trained = DecoderModel.Load(config.OutputDir, new ModelLoadOptions { LoadMtp = true });
        var unchanged = trained.Mtp!.OwnParameters().Where(p => !p.Name.EndsWith("e_score_correction_bias", StringComparison.Ordinal)
            && !p.Name.EndsWith("embed_tokens.weight", StringComparison.Ordinal) && !p.Name.EndsWith("head.weight", StringComparison.Ordinal)
            && p.Parameter.allclose(before[p.Name], 0, 0)).Select(p => p.Name).ToList();
        Assert.Empty(unchanged);

        // The file holds the HF names, with the shared embedding/head written as copies of the main tensors.
        using (var file = SafetensorsModel.Open(config.OutputDir))
            Assert.True(file.Contains("model.layers.2.eh_proj.weight") && file.Contains("model.layers.2.shared_head.head.weight"));
        var main = trained.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var copies = trained.Mtp.HfParameters().ToDictionary(p => p.Name, p => p.Parameter);
        Assert.True(copies["model.layers.2.embed_tokens.weight"].allclose(main["model.embed_tokens.weight"], 0, 0));
        Assert.True(copies["model.layers.2.shared_head.head.weight"].allclose(main["model.embed_tokens.weight"], 0, 0)); // tied preset

        // Loaded with separate copies or sharing the main tensors: the same MTP logits.
        using var shared = DecoderModel.Load(config.OutputDir, new ModelLoadOptions { LoadMtp = true, ShareMtpEmbeddingAndHead = true });
        using var ids = tensor(new long[] { 1, 20, 21, 22, 23, 24, 25, 26 }).unsqueeze(0);
        using var noGrad = no_grad();
        var (la, ma) = trained.ForwardWithMtp(ids);
        var (lb, mb) = shared.ForwardWithMtp(ids);
        Assert.True(ma!.allclose(mb!, 0, 0));
        Assert.True(la.allclose(lb, 0, 0));
        foreach (var t in new[] { la, ma, lb, mb! }) t.Dispose();
    }

    [Fact]
    public void With_both_weights_zero_the_run_is_plain_sft_without_mtp_tensors_or_extra_metrics()
    {
        string dir = TempDir();
        string modelDir = CreateModel(dir);
        var config = Config(dir, modelDir, 2);
        var result = SftTrainer.Run(config);

        Assert.All(result.History, r => Assert.False(r.ContainsKey("mtp_loss") || r.ContainsKey("aux_loss")));
        using (var file = SafetensorsModel.Open(config.OutputDir))
            Assert.DoesNotContain(file.Tensors.Keys, k => k.StartsWith("model.layers.2.", StringComparison.Ordinal));
        // The first step's loss is the plain forward's loss on the first batch, bit for bit (nothing was added).
        using var model = DecoderModel.Load(modelDir);
        Assert.Equal(model.parameters().Count(), model.CheckpointParameters().Count());
        using var ids = tensor(new long[] { 1, 20, 21, 22, 23 }).unsqueeze(0);
        using var noGrad = no_grad();
        using var plain = model.Forward(ids);
        var (logits, mtpLogits) = model.ForwardWithMtp(ids);
        Assert.Null(mtpLogits);
        Assert.True(plain.allclose(logits, 0, 0));
        logits.Dispose();
    }

    [Fact]
    public void Mtp_needs_deepseek_v3_with_nextn_layers_and_grpo_refuses_it()
    {
        string dir = TempDir();
        var error = Assert.Throws<R1SharpException>(() => SftTrainer.Run(Config(dir, CreateModel(dir, nextn: 0), 1, mtp: 0.3)));
        Assert.Contains("num_nextn_predict_layers", error.Message);
        var dense = Assert.Throws<R1SharpException>(() => SftTrainer.Run(Config(dir, ModelDir, 1, mtp: 0.3)));
        Assert.Contains("deepseek_v3", dense.Message);
        var grpo = Assert.Throws<R1SharpException>(() => (new R1Sharp.Training.Grpo.GrpoConfig { MtpLossWeight = 0.1 }).Validate());
        Assert.Contains("mtp_loss_weight", grpo.Message);
    }

    [Fact]
    public void A_large_sequence_balance_loss_evens_the_per_sequence_expert_load()
    {
        double Balance(double alpha)
        {
            string dir = TempDir();
            var config = Config(dir, CreateModel(dir), 10, alpha: alpha, gamma: 0);   // bias updates off: only the loss balances
            var result = SftTrainer.Run(config);
            if (alpha > 0) Assert.All(result.History, r => Assert.True(r["aux_loss"] > 0 && double.IsFinite(r["aux_loss"])));
            using var model = DecoderModel.Load(config.OutputDir);
            var balance = SequenceBalance.For(1.0, model)!;
            balance.Capture(true);
            using var gen = new Generator(7);
            using var ids = randint(0, model.Config.VocabSize, new long[] { 8, 24 }, generator: gen);
            using var noGrad = no_grad();
            using var logits = model.Forward(ids);
            using var loss = balance.Loss(8, 24, null);
            balance.Capture(false);
            return loss.ToDouble();   // Σ_i f_i P_i per sequence; 1 = perfectly even
        }
        double plain = Balance(0), balanced = Balance(2.0);
        Console.WriteLine($"per-sequence balance Σ f·P: α 0 → {plain:0.0000}, α 2 → {balanced:0.0000}");
        Assert.True(balanced < plain, $"α 2 gave {balanced}, α 0 gave {plain}");
    }
}
