// SFT and GRPO on a tiny random deepseek_v3 model (the `r1 new-model --arch deepseek_v3 --preset tiny` shape with the
// models/tiny-qwen2 tokenizer): the loss falls, expert loads are logged and the balancing bias moves at most γ a step;
// a GRPO step moves every trainable parameter (experts, router, MLA projections).
using System.Text.Json;
using R1Sharp.Models;
using R1Sharp.Models.DeepSeekV3;
using R1Sharp.Text;
using R1Sharp.Training.Grpo;
using R1Sharp.Training.Sft;
using static R1Sharp.Tests.Training.Grpo.GrpoTrainerTestKit;

namespace R1Sharp.Tests.Models.DeepSeekV3;

public sealed class MoeTrainingTests
{
    /// <summary>A fresh tiny deepseek_v3 model directory (2 layers: dense + MoE with 8 experts) under <paramref name="dir"/>.</summary>
    internal static string CreateTinyDeepSeek(string dir, long seed = 11)
    {
        var tokenizer = HfTokenizer.Load(ModelDir);
        var config = ModelPresets.ToConfig(ModelPresets.Get("tiny"), "deepseek_v3", tokenizer.VocabSize, tokenizer.BosId, tokenizer.EosId);
        string modelDir = Path.Combine(dir, "tiny-deepseek");
        ModelFactory.CreateRandom(config, ModelDir, seed, modelDir);
        return modelDir;
    }

    static string WriteToyDataset(string dir) => R1Sharp.Tests.Training.Sft.SftTrainerTests.WriteToyDataset(dir, 32);

    [Fact]
    public void Sft_on_a_tiny_deepseek_v3_lowers_the_loss_logs_expert_loads_and_moves_the_bias_at_most_gamma_a_step()
    {
        string dir = TempDir();
        const int steps = 12;
        const double gamma = 0.01;
        var config = new SftConfig
        {
            ModelNameOrPath = CreateTinyDeepSeek(dir), DatasetPath = WriteToyDataset(dir), OutputDir = Path.Combine(dir, "out"),
            MaxSteps = steps, LearningRate = 3e-3, PerDeviceTrainBatchSize = 4, GradientAccumulationSteps = 2, WarmupSteps = 2,
            SaveSteps = 0, LoggingSteps = 5, MaxLength = 64, Seed = 3, MoeBiasUpdateSpeed = gamma,
        };
        var result = SftTrainer.Run(config);

        var losses = result.History.Select(r => r["loss"]).ToArray();
        Assert.All(losses, l => Assert.True(double.IsFinite(l)));
        Assert.True(losses.TakeLast(3).Average() < 0.8 * losses[0], $"loss {losses[0]} → {losses.TakeLast(3).Average()}");
        var rows = ReadJsonl(Path.Combine(config.OutputDir, "metrics.jsonl"));
        Assert.Equal(steps, rows.Count);
        for (int s = 0; s < steps; s++)
        {
            var row = rows[s];
            double max = row.GetProperty("moe/load_max_frac").GetDouble(), min = row.GetProperty("moe/load_min_frac").GetDouble();
            Assert.InRange(min, 0, 1.0 / 8);
            Assert.InRange(max, 1.0 / 8, 1);
            Assert.True(row.GetProperty("moe/max_vio").GetDouble() >= 0);
            double fractions = Enumerable.Range(0, 8).Sum(e => row.GetProperty($"moe/expert_{e}_frac").GetDouble());
            Assert.Equal(1.0, fractions, 6);
            // Zero at init, then ±γ or 0 per step: after s+1 steps no bias is beyond (s+1)·γ.
            Assert.InRange(row.GetProperty("moe/bias_abs_max").GetDouble(), 0, (s + 1) * gamma + 1e-6);
        }
        Assert.True(rows[^1].GetProperty("moe/bias_abs_max").GetDouble() > 0);

        // The trained bias is saved with the model (it is a parameter, not optimizer state).
        using var trained = DecoderModel.Load(config.OutputDir);
        var bias = MoeBalancer.For(trained, gamma)!.Layers[0].gate.e_score_correction_bias.data<float>().ToArray();
        Assert.Contains(bias, b => b != 0);
        Assert.All(bias, b => Assert.Equal(0, Math.Round(b / gamma) * gamma - b, 5));   // whole multiples of γ
    }

    [Fact]
    public void Grpo_step_on_a_tiny_deepseek_v3_with_the_sequence_balance_loss_changes_every_trainable_parameter_and_logs_loads()
    {
        string dir = TempDir();
        using var policy = DecoderModel.Load(CreateTinyDeepSeek(dir));
        var before = policy.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        using var trainer = new GrpoTrainer(Config(Path.Combine(dir, "out"), "--moe_bias_update_speed=0.01", "--seq_aux_loss_alpha=0.01"), policy, Tokenizer,
            Prompts(8), LengthRewards());
        var result = trainer.Train();

        Assert.Equal(2, result.Steps);
        Assert.All(result.History, m => Assert.True(double.IsFinite(m.Loss) && m.GradNorm > 0 && m.MoeLoad is { Assignments: > 0 }));
        var unchanged = policy.named_parameters().Where(p => p.parameter.requires_grad && p.parameter.allclose(before[p.name], 0, 0))
            .Select(p => p.name).ToList();
        Assert.Empty(unchanged);
        var bias = policy.named_parameters().Single(p => p.name.EndsWith("e_score_correction_bias", StringComparison.Ordinal));
        Assert.False(bias.parameter.allclose(before[bias.name], 0, 0));                 // moved by balancing, not by AdamW
        var rows = ReadJsonl(trainer.MetricsPath);
        Assert.All(rows, r => Assert.Equal(JsonValueKind.Number, r.GetProperty("moe/max_vio").ValueKind));
        // α·Σ f·P: positive and of the order of α (Σ f·P is 1 for perfectly even routing).
        Assert.All(rows, r => Assert.InRange(r.GetProperty("aux_loss").GetDouble(), 0.001, 0.1));
        foreach (var t in before.Values) t.Dispose();
    }
}
