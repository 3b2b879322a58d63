// Recipe configs are validated once: Validate() on its own result returns that instance unchanged (the CLI validates
// to print the resolved config, the trainer then takes it as is), while a `with` copy of it is checked again.
using R1Sharp.Training.Grpo;
using R1Sharp.Training.Sft;

namespace R1Sharp.Tests.Training;

public sealed class RecipeValidationTests
{
    [Fact]
    public void Grpo_config_is_resolved_once_and_a_changed_copy_is_checked_again()
    {
        var resolved = GrpoConfig.Load(null, ["--num_generations=4", "--per_device_train_batch_size=8"]).Validate();
        Assert.True(resolved.IsValidated);
        Assert.Same(resolved, resolved.Validate());

        var changed = resolved with { NumGenerations = 1 };
        Assert.False(changed.IsValidated);
        var e = Assert.Throws<R1SharpException>(() => changed.Validate());
        Assert.Contains("num_generations must be at least 2", e.Message);
    }

    [Fact]
    public void Sft_config_is_resolved_once_and_a_changed_copy_is_checked_again()
    {
        var resolved = new SftConfig { ModelNameOrPath = Path.Combine(RepoPaths.Root, "models", "tiny-qwen2"), OutputDir = "out" }.Validate();
        Assert.True(resolved.IsValidated);
        Assert.Same(resolved, resolved.Validate());

        var changed = resolved with { LearningRate = -1 };
        Assert.False(changed.IsValidated);
        Assert.Contains("learning_rate must be > 0", Assert.Throws<R1SharpException>(() => changed.Validate()).Message);
    }
}
