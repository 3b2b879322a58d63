// A new training run over an earlier one in the same output directory is refused (it would delete the earlier
// metrics, overwrite its model and prune checkpoints) unless --resume continues it or --overwrite replaces it;
// --overwrite removes exactly the earlier run's files.
using R1Sharp.Tests.Cli;
using R1Sharp.Training.Infrastructure;

namespace R1Sharp.Tests.Training.Infrastructure;

public sealed class RunDirectoryTests
{
    static string TinyModel => Path.Combine(RepoPaths.Root, "models", "tiny-qwen2");

    // What a finished run leaves: metrics, two checkpoints, a chart, the final model's config; plus a file of the user's.
    static string EarlierRun()
    {
        string dir = Directory.CreateTempSubdirectory("r1-rundir-").FullName;
        File.WriteAllText(Path.Combine(dir, "metrics.jsonl"), "{\"step\":50,\"loss\":1}\n{\"step\":60,\"loss\":0.5}\n");
        foreach (int step in new[] { 50, 60 })
        {
            Directory.CreateDirectory(Path.Combine(dir, $"checkpoint-{step}"));
            File.WriteAllText(Path.Combine(dir, $"checkpoint-{step}", TrainerState.FileName), new TrainerState { GlobalStep = step }.ToJson());
        }
        File.WriteAllText(Path.Combine(dir, "loss.png"), "png");
        File.WriteAllText(Path.Combine(dir, "config.json"), "{}");
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "the user's");
        return dir;
    }

    static string[] Sft(string output, params string[] extra)
    {
        string data = R1Sharp.Tests.Training.Sft.SftTrainerTests.WriteToyDataset(Directory.CreateTempSubdirectory("r1-rundir-data-").FullName, 16);
        return ["train", "sft", $"--model_name_or_path={TinyModel}", $"--dataset_path={data}", $"--output_dir={output}",
            "--per_device_train_batch_size=4", "--max_length=64", "--max_steps=5", "--save_steps=5", "--save_total_limit=2", .. extra];
    }

    static void AssertRefused(R1Result r, string dir)
    {
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}: {r.Stderr}");
        var line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"{dir} holds an earlier run (checkpoint-50, checkpoint-60, config.json, … (5 in all))", line);
        Assert.Contains("--resume", line);
        Assert.Contains("--overwrite", line);
        Assert.Equal(2, File.ReadAllLines(Path.Combine(dir, "metrics.jsonl")).Length);
        Assert.Equal([50, 60], Checkpointer.List(dir).Select(c => c.Step));
    }

    [Fact]
    public void Train_sft_refuses_an_output_dir_with_an_earlier_run()
    {
        string dir = EarlierRun();
        AssertRefused(R1Process.Run(Sft(dir)), dir);
    }

    [Fact]
    public void Train_grpo_refuses_an_output_dir_with_an_earlier_run()
    {
        string dir = EarlierRun();
        AssertRefused(R1Process.Run("train", "grpo", $"--model_name_or_path={TinyModel}", "--task=chain-sum", "--reward_funcs=accuracy",
            "--num_generations=2", "--per_device_train_batch_size=4", "--max_steps=1", $"--output_dir={dir}"), dir);
    }

    [Fact]
    public void Train_sft_with_overwrite_replaces_the_earlier_run_and_keeps_other_files()
    {
        string dir = EarlierRun();
        var r = R1Process.Run(Sft(dir, "--overwrite"));
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal([1.0, 2, 3, 4, 5], MetricsLog.Read(Path.Combine(dir, "metrics.jsonl")).Select(row => row["step"]));
        Assert.Equal([5], Checkpointer.List(dir).Select(c => c.Step));
        Assert.Contains($"last checkpoint {Path.Combine(dir, "checkpoint-5")}", r.Stdout);
        Assert.Equal("the user's", File.ReadAllText(Path.Combine(dir, "notes.txt")));
        Assert.True(File.Exists(Path.Combine(dir, "model.safetensors")));

        var both = R1Process.Run(Sft(dir, "--overwrite", "--resume"));
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("not both", both.Stderr);
    }

    [Fact]
    public void Zero_with_overwrite_replaces_the_earlier_run()
    {
        string dir = EarlierRun();
        var refused = R1Process.Run("zero", "--out", dir, "--steps", "1");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--overwrite", refused.Stderr);

        var r = R1Process.Run("zero", "--out", dir, "--overwrite", "--steps", "1", "--eval-problems", "2", "--eval-k", "2",
            "--base", Path.Combine(RepoPaths.Root, "models", "chain-sum-base"));
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal([1], Checkpointer.List(dir).Select(c => c.Step));
        Assert.Single(File.ReadAllLines(Path.Combine(dir, "metrics.jsonl")));
        Assert.False(File.Exists(Path.Combine(dir, "loss.png")));
        Assert.True(File.Exists(Path.Combine(dir, "notes.txt")));
    }

    [Fact]
    public void Only_the_files_a_run_writes_count_as_an_earlier_run()
    {
        string dir = Directory.CreateTempSubdirectory("r1-rundir-").FullName;
        File.WriteAllText(Path.Combine(dir, "sft.json"), "{}");
        File.WriteAllText(Path.Combine(dir, "data.jsonl"), "");
        RunDirectory.Prepare(dir, RunStart.Fresh); // the config and data beside the output are no earlier run
        foreach (var name in new[] { "metrics.jsonl", "completions.jsonl", "model.safetensors", "model-00001-of-00002.safetensors",
                     "eval_base.jsonl", "eval_final_summary.json", "summary.json", "reward.png", ".config.json.123-abc.tmp" })
            Assert.True(RunDirectory.IsRunEntry(name), name);
        foreach (var name in new[] { "sft.json", "data.jsonl", "notes.txt", "README.md", "ckpts.txt" })
            Assert.False(RunDirectory.IsRunEntry(name), name);
    }
}
