// Training recipes of the real r1 under forced garbage collections (GcStress hook): 50 GRPO steps on qwen2 and on
// deepseek_v3 (MoE with bias balancing and the sequence-balance loss), 50 packed SFT steps on deepseek_v3 with the MTP
// loss, and a short `r1 pretrain`. Each must finish with no TorchSharp Scalar or Tensor left to the finalizer. Tiny settings keep
// the whole class around two minutes on 2 cores.
using System.Text.Json;
using System.Text.Json.Nodes;
using static R1Sharp.Tests.Training.Grpo.GrpoTrainerTestKit;

namespace R1Sharp.Tests.Reliability;

[Collection(GcStressCollection.Name)]
public sealed class GcStressTrainingTests
{
    static string Model(string name) => Path.Combine(RepoPaths.Root, "models", name);

    // 50 one-prompt GRPO steps of 2 completions of 8 tokens on the chain-sum task, with the options given (tag_count's
    // partial credit varies within a group, so advantages and gradients are not all zero).
    static string GrpoConfig(string dir, string model, string extra)
    {
        string path = Path.Combine(dir, "grpo.json");
        File.WriteAllText(path, $$"""
            { "model_name_or_path": "{{model}}", "task": "chain-sum", "task_size": 64, "chat_template": "r1-zero",
              "reward_funcs": ["accuracy", "format", "tag_count"], "num_generations": 2, "per_device_train_batch_size": 2,
              "max_completion_length": 8, "max_prompt_length": 512, "max_steps": 50, "learning_rate": 1e-4,
              "logging_steps": 25, "save_steps": 0, "seed": 5, "output_dir": "{{Path.Combine(dir, "run")}}", {{extra}} }
            """);
        return path;
    }

    static void AssertMetricRows(string run, int steps, params string[] keys)
    {
        var rows = ReadJsonl(Path.Combine(run, "metrics.jsonl"));
        Assert.Equal(steps, rows.Count);
        foreach (var key in keys)
            Assert.All(rows, r => Assert.True(double.IsFinite(r.GetProperty(key).GetDouble()), $"{key} not finite"));
    }

    [Fact]
    public void Grpo_on_qwen2_survives_50_steps_with_kl_two_iterations_and_temperature()
    {
        string dir = TempDir();
        // β > 0 adds the reference model and the k3 KL term; μ = 2 makes ρ ≠ 1 (clipping, approx KL); T ≠ 1 divides logits.
        var run = GcStressRun.Run("train", "grpo", "--config",
            GrpoConfig(dir, Model("chain-sum-base"), "\"beta\": 0.04, \"num_iterations\": 2, \"temperature\": 0.9"));
        run.AssertSurvived();
        AssertMetricRows(Path.Combine(dir, "run"), 50, "loss", "kl", "grad_norm");
    }

    [Fact]
    public void Grpo_on_deepseek_v3_survives_50_steps_with_moe_balancing_and_the_sequence_balance_loss()
    {
        string dir = TempDir();
        var run = GcStressRun.Run("train", "grpo", "--config",
            GrpoConfig(dir, Model("chain-sum-base-v3"), "\"seq_aux_loss_alpha\": 0.001, \"moe_bias_update_speed\": 0.001"));
        run.AssertSurvived();
        AssertMetricRows(Path.Combine(dir, "run"), 50, "loss", "aux_loss", "moe/max_vio");
    }

    [Fact]
    public void Sft_with_packing_mtp_and_moe_on_deepseek_v3_survives_50_steps()
    {
        string dir = TempDir();
        string model = Path.Combine(dir, "v3");
        GcStressRun.Run("new-model", "--arch", "deepseek_v3", "--preset", "tiny", "--tokenizer", ModelDir, "--seed", "1", "--out", model)
            .AssertSurvived();
        // One MTP layer in the config, none stored: the trainer draws it and trains it with the MTP loss.
        string configPath = Path.Combine(model, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!;
        config["num_nextn_predict_layers"] = 1;
        File.WriteAllText(configPath, config.ToJsonString());
        string data = R1Sharp.Tests.Training.Sft.SftTrainerTests.WriteToyDataset(dir, 64);
        string sft = Path.Combine(dir, "sft.json");
        File.WriteAllText(sft, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["model_name_or_path"] = model, ["dataset_path"] = data, ["output_dir"] = Path.Combine(dir, "out"),
            ["max_steps"] = 50, ["learning_rate"] = 3e-3, ["per_device_train_batch_size"] = 4, ["warmup_steps"] = 2,
            ["save_steps"] = 0, ["logging_steps"] = 25, ["max_length"] = 64, ["seed"] = 3, ["packing"] = true,
            ["mtp_loss_weight"] = 0.3, ["seq_aux_loss_alpha"] = 0.001, ["moe_bias_update_speed"] = 0.001,
            ["eval_fraction"] = 0.1, ["eval_steps"] = 25,
        }));

        var run = GcStressRun.Run("train", "sft", "--config", sft);
        run.AssertSurvived();
        AssertMetricRows(Path.Combine(dir, "out"), 50, "loss", "mtp_loss", "aux_loss", "grad_norm");
    }

    [Fact]
    public void Pretrain_survives_and_writes_a_model_that_generates()
    {
        string dir = TempDir();
        string model = Path.Combine(dir, "base");
        var run = GcStressRun.Run("pretrain", "--arch", "qwen2", "--preset", "tiny", "--steps", "5", "--eval-problems", "4", "--out", model);
        run.AssertSurvived();
        Assert.Contains("pretrained", run.Result.Stdout);
        Assert.True(File.Exists(Path.Combine(model, "model.safetensors")));
    }
}
