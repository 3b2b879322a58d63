// GRPO with LoRA adapters (use_peft): two steps move every adapter parameter and no base weight, the checkpoint is a
// PEFT adapter, and with β > 0 the reference is the base itself (adapters off): no copy is made, KL starts at 0 and grows.
using R1Sharp.Models;
using R1Sharp.Models.Lora;
using R1Sharp.Training.Grpo;
using static R1Sharp.Tests.Training.Grpo.GrpoTrainerTestKit;

namespace R1Sharp.Tests.Training.Grpo;

public class GrpoLoraTests
{
    static LoraAdapters Attach(DecoderModel policy) =>
        LoraAttach.Attach(policy, new LoraSettings(R: 4, Alpha: 8, Dropout: 0, TargetModules: [LoraSettings.AllLinear]), seed: 1);

    [Fact]
    public void Two_steps_move_every_adapter_parameter_and_no_base_weight()
    {
        string dir = TempDir();
        using var policy = Policy();
        var adapters = Attach(policy);
        var baseBefore = policy.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        var adapterBefore = adapters.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.detach().clone());
        using var trainer = new GrpoTrainer(Config(dir), policy, Tokenizer, Prompts(8), LengthRewards());
        var result = trainer.Train();

        Assert.Equal(2, result.Steps);
        Assert.All(result.History, m => Assert.True(double.IsFinite(m.Loss) && m.GradNorm > 0));
        Assert.All(policy.named_parameters(), p => Assert.True(p.parameter.allclose(baseBefore[p.name], 0, 0), $"{p.name} changed"));
        // Step 1 moves B only (A's gradient is 0 while B = 0); step 2 moves A too.
        Assert.All(adapters.NamedParameters(), p => Assert.False(p.Parameter.allclose(adapterBefore[p.Name], 0, 0), $"{p.Name} did not change"));
        Assert.True(File.Exists(Path.Combine(result.LastCheckpoint!, "adapter_model.safetensors")));
        Assert.False(File.Exists(Path.Combine(result.LastCheckpoint!, "model.safetensors")));
    }

    [Fact]
    public void Resume_loads_the_adapter_checkpoint_and_continues()
    {
        string dir = TempDir();
        using (var policy = Policy())
        {
            Attach(policy);
            using var first = new GrpoTrainer(Config(dir, "--gradient_checkpointing=true"), policy, Tokenizer, Prompts(8), LengthRewards());
            Assert.Equal(2, first.Train().Steps);
        }
        using var resumed = Policy();
        var adapters = Attach(resumed);
        using var second = new GrpoTrainer(Config(dir, "--max_steps=3"), resumed, Tokenizer, Prompts(8), LengthRewards(), new GrpoRunOptions { Resume = true });
        var result = second.Train();
        Assert.Equal(3, result.Steps);
        Assert.Equal([1, 2, 3], ReadJsonl(second.MetricsPath).Select(r => r.GetProperty("step").GetInt32()));
        using var saved = R1Sharp.Formats.Safetensors.SafetensorsFile.Open(Path.Combine(dir, "checkpoint-2", "adapter_model.safetensors"));
        Assert.Equal(adapters.NamedParameters().Select(p => p.Name).Order(), saved.Tensors.Keys.Order());
    }

    [Fact]
    public void With_beta_the_reference_is_the_base_with_adapters_off()
    {
        string dir = TempDir();
        using var policy = Policy();
        Attach(policy);
        using var trainer = new GrpoTrainer(Config(dir, "--beta=0.1", "--learning_rate=1e-2"), policy, Tokenizer, Prompts(8), LengthRewards());
        Assert.Null(trainer.ReferenceModel);                       // no second copy of the weights
        var history = trainer.Train().History;
        Assert.Equal(0.0, history[0].Kl, 9);                       // the adapted policy starts as the base
        Assert.True(history[1].Kl > 0, $"kl {history[1].Kl}");
    }
}
