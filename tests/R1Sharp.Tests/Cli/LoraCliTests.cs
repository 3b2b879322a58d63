// LoRA through the real r1.dll: `r1 zero --use-peft` trains adapters on the committed tiny base (checkpoints are PEFT
// adapter directories with the adapters' optimizer state), `r1 merge-lora` writes a model whose
// logits equal base + adapter (≤ 1e-4 at fp32), `r1 run --adapter` answers as the merged model, and a directory without
// adapter_config.json is a one-line error.
using System.Text.Json;
using R1Sharp.Formats.Safetensors;
using R1Sharp.Models;
using R1Sharp.Models.Lora;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Cli;

public class LoraCliTests
{
    static readonly string Base = Path.Combine(RepoPaths.Root, "models", "chain-sum-base");

    [Fact]
    public void Zero_with_use_peft_trains_adapters_that_merge_and_run()
    {
        string root = Directory.CreateTempSubdirectory("r1-lora-cli-").FullName;
        try
        {
            // One step: its rollouts (64 completions) run on the TorchSharp forward while adapters are live.
            string run = Path.Combine(root, "run");
            var r = R1Process.RunFor(TimeSpan.FromMinutes(15), "zero", "--out", run, "--base", Base, "--steps", "1", "--eval-problems", "2",
                "--eval-k", "2", "--use-peft", "--lora-r", "4", "--lora-alpha", "8", "--lora-target-modules", "all-linear", "--lr", "1e-3");
            Assert.True(r.ExitCode == 0, r.Stderr);
            Assert.Contains("R1-Zero on chain-sum: 1 GRPO steps", r.Stdout);
            Assert.Contains("LoRA r=4 alpha=8", r.Stderr);
            string checkpoint = Path.Combine(run, "checkpoint-1");
            using (var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(checkpoint, "adapter_config.json"))))
            {
                var c = config.RootElement;
                Assert.Equal("LORA", c.GetProperty("peft_type").GetString());
                Assert.Equal(4, c.GetProperty("r").GetInt32());
                Assert.Equal(8, c.GetProperty("lora_alpha").GetDouble());
                Assert.Contains("down_proj", c.GetProperty("target_modules").EnumerateArray().Select(e => e.GetString()));
            }
            Assert.False(File.Exists(Path.Combine(checkpoint, "model.safetensors")));
            using (var optimizer = SafetensorsFile.Open(Path.Combine(checkpoint, "optimizer.safetensors")))
                Assert.All(optimizer.Tensors.Keys, k => Assert.Contains(".lora_", k));

            // merge-lora: the merged model's logits equal the base's with the adapter live.
            string merged = Path.Combine(root, "merged");
            var m = R1Process.Run("merge-lora", "--model", Base, "--adapter", checkpoint, "--out", merged);
            Assert.True(m.ExitCode == 0, m.Stderr);
            using (var live = DecoderModel.Load(Base))
            using (var mergedModel = DecoderModel.Load(merged))
            using (var noGrad = no_grad())
            {
                LoraAdapters.Load(live, checkpoint);
                using var ids = tensor(new long[] { 1, 5, 9, 3, 7, 2, 11, 4 }, [1, 8]);
                double diff = Models.TinyModels.MaxDiff(mergedModel.Forward(ids), live.Forward(ids));
                Assert.True(diff <= 1e-4, $"merged vs live adapter: {diff}");
            }

            // run --adapter answers as the merged model (greedy).
            string[] ask = ["--prompt", "Last digit of a3 + b6", "--temperature", "0", "--max-tokens", "12", "--chat-template", "r1-zero", "--json"];
            var withAdapter = R1Process.Run(["run", "--model", Base, "--adapter", checkpoint, .. ask]);
            var fromMerged = R1Process.Run(["run", "--model", merged, .. ask]);
            Assert.True(withAdapter.ExitCode == 0, withAdapter.Stderr);
            string Answer(string json) => JsonDocument.Parse(json).RootElement.GetProperty("reasoning").GetString() + "|" +
                JsonDocument.Parse(json).RootElement.GetProperty("content").GetString();
            Assert.Equal(Answer(fromMerged.Stdout), Answer(withAdapter.Stdout));
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Fact]
    public void An_adapter_directory_without_its_config_is_a_one_line_error()
    {
        string empty = Directory.CreateTempSubdirectory("r1-lora-empty-").FullName;
        try
        {
            var r = R1Process.Run("run", "--model", Base, "--adapter", empty, "--prompt", "hi");
            Assert.Equal(2, r.ExitCode);
            var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Single(lines);
            Assert.StartsWith($"error: --adapter {empty}: no adapter_config.json there", lines[0]);
        }
        finally { Directory.Delete(empty); }
    }
}
