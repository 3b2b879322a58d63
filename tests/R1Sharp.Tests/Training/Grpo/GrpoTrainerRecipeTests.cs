// What a recipe composing GrpoTrainer relies on: rollouts stop on the model's generation_config.json EOS ids, a resumed
// run keeps completions.jsonl consistent itself, the trainer names its latest checkpoint and config, and the charts
// are the recipe's choice (one writer per file).
using R1Sharp.Training.Grpo;
using R1Sharp.Training.Infrastructure;
using static R1Sharp.Tests.Training.Grpo.GrpoTrainerTestKit;

namespace R1Sharp.Tests.Training.Grpo;

public sealed class GrpoTrainerRecipeTests
{
    [Fact]
    public void Run_stops_rollouts_on_the_eos_ids_of_generation_config()
    {
        // Every id of the vocabulary is an EOS here: each completion ends after its first token.
        string model = Path.Combine(TempDir(), "model");
        Directory.CreateDirectory(model);
        foreach (string file in Directory.GetFiles(ModelDir)) File.Copy(file, Path.Combine(model, Path.GetFileName(file)));
        File.WriteAllText(Path.Combine(model, "generation_config.json"),
            $$"""{ "eos_token_id": [{{string.Join(", ", Enumerable.Range(0, 600))}}], "pad_token_id": 595 }""");
        string output = TempDir();
        var config = GrpoConfig.Load(null, [$"--model_name_or_path={model}", "--task=chain-sum", "--task_size=8", "--chat_template=r1-zero", "--reward_funcs=format",
            "--num_generations=2", "--per_device_train_batch_size=4", "--max_completion_length=8", "--max_steps=1",
            "--log_completions_steps=1", "--save_steps=0", $"--output_dir={output}"]).Validate();

        GrpoTrainer.Run(config);

        var completions = ReadJsonl(Path.Combine(output, "completions.jsonl"));
        Assert.NotEmpty(completions);
        Assert.All(completions, c => Assert.Equal("stop", c.GetProperty("finish_reason").GetString()));
        Assert.Equal(1.0, ReadJsonl(Path.Combine(output, "metrics.jsonl"))[0].GetProperty("completions/mean_length").GetDouble());
    }

    [Fact]
    public void A_resumed_run_drops_the_completions_of_steps_after_its_checkpoint()
    {
        string dir = TempDir();
        using (var policy = Policy())
        using (var first = new GrpoTrainer(Config(dir, "--save_steps=1", "--save_total_limit=0", "--log_completions_steps=1"),
            policy, Tokenizer, Prompts(8), LengthRewards()))
            first.Train();
        Directory.Delete(Path.Combine(dir, "checkpoint-2"), recursive: true); // a crash after step 2's lines, before its checkpoint

        using var resumed = Policy();
        using var second = new GrpoTrainer(Config(dir, "--log_completions_steps=1"), resumed, Tokenizer, Prompts(8), LengthRewards(),
            new GrpoRunOptions { Resume = true });
        second.Train();

        var steps = ReadJsonl(second.CompletionsPath).Select(c => c.GetProperty("step").GetInt32()).ToList();
        Assert.Equal(Enumerable.Repeat(1, 8).Concat(Enumerable.Repeat(2, 8)), steps);
    }

    [Fact]
    public void LatestCheckpoint_names_the_newest_checkpoint_and_the_config_it_was_trained_with()
    {
        string dir = TempDir();
        Assert.Null(GrpoTrainer.LatestCheckpoint(dir));
        using (var policy = Policy())
        using (var trainer = new GrpoTrainer(Config(dir, $"--model_name_or_path={ModelDir}"), policy, Tokenizer, Prompts(8), LengthRewards()))
            trainer.Train();

        var (checkpoint, config) = GrpoTrainer.LatestCheckpoint(dir)!.Value;
        Assert.Equal(Path.Combine(dir, "checkpoint-2"), checkpoint);
        Assert.Equal(ModelDir, config.ModelNameOrPath);
        Assert.Equal(3, config.Seed);
        Assert.Equal(4, config.NumGenerations);
    }

    [Fact]
    public void Charts_option_replaces_the_trainer_charts()
    {
        string dir = TempDir();
        using var policy = Policy();
        var options = new GrpoRunOptions { Charts = [new ChartSpec("mine.png", "mine", ["reward"])] };
        using (var trainer = new GrpoTrainer(Config(dir), policy, Tokenizer, Prompts(8), LengthRewards(), options))
            trainer.Train();

        Assert.True(File.Exists(Path.Combine(dir, "mine.png")));
        Assert.DoesNotContain(GrpoTrainer.ChartSpecs, c => File.Exists(Path.Combine(dir, c.FileName)));
    }
}
