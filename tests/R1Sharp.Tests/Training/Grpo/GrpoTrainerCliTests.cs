// `r1 train grpo` end to end on the shipped tiny model and the chain-sum task: resolved config printed, metrics and
// checkpoint written, bad keys reported in one line with exit 2.
using R1Sharp.Cli;
using static R1Sharp.Tests.Training.Grpo.GrpoTrainerTestKit;

namespace R1Sharp.Tests.Training.Grpo;

public sealed class GrpoTrainerCliTests
{
    // The real `r1` program: real exit codes and output, no shared Console state with other tests.
    private static (int Code, string Out, string Err) Invoke(params string[] args)
    {
        var result = R1Sharp.Tests.Cli.R1Process.Run(["train", .. args]);
        return (result.ExitCode, result.Stdout, result.Stderr);
    }

    [Fact]
    public void Train_grpo_prints_the_resolved_config_and_trains_on_the_chain_sum_task()
    {
        string dir = TempDir();
        string config = Path.Combine(dir, "grpo.json");
        File.WriteAllText(config, $$"""
            { "model_name_or_path": "{{ModelDir}}", "task": "chain-sum", "task_size": 16, "chat_template": "r1-zero",
              "reward_funcs": ["accuracy", "format", "tag_count"], "reward_weights": [1.0, 0.5, 0.5],
              "num_generations": 2, "per_device_train_batch_size": 4, "max_completion_length": 6, "max_prompt_length": 512,
              "max_steps": 1, "logging_steps": 1 }
            """);
        var (code, stdout, stderr) = Invoke("grpo", "--config", config, $"--output_dir={dir}/run", "--learning_rate=1e-4");

        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("\"learning_rate\": 0.0001", stdout);
        Assert.Contains("step 1/1", stdout);
        var row = ReadJsonl(Path.Combine(dir, "run", "metrics.jsonl")).Single();
        Assert.Equal(System.Text.Json.JsonValueKind.Number, row.GetProperty("rewards/format/mean").ValueKind);
        Assert.True(File.Exists(Path.Combine(dir, "run", "checkpoint-1", "tokenizer.json")));
    }

    [Fact]
    public void Unknown_key_and_missing_data_source_are_one_line_errors()
    {
        var (code, _, stderr) = Invoke("grpo", "--num_generatons=4");
        Assert.Equal(R1Cli.UsageError, code);
        Assert.Contains("num_generations", stderr);

        (code, _, stderr) = Invoke("grpo", $"--model_name_or_path={ModelDir}", "--reward_funcs=accuracy");
        Assert.Equal(R1Cli.UsageError, code);
        Assert.Contains("dataset_path", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }
}
