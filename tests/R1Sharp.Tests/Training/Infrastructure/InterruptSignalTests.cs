// SIGTERM (how systemd, Docker, Kubernetes and Slurm stop a job) and SIGINT (Ctrl+C) sent with the real `kill` to a
// real `r1` process mid-run — `train sft|grpo`, `zero`, `pretrain`, `distill`, one contract: it finishes the step,
// writes a checkpoint (distill: its state file), exits 143 (SIGTERM) or 130 (SIGINT), and `--resume` (distill: the
// same command) continues from there to the end.
using R1Sharp.Tests.Cli;
using R1Sharp.Training.Infrastructure;

namespace R1Sharp.Tests.Training.Infrastructure;

public sealed class InterruptSignalTests
{
    static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    static string TinyModel => Path.Combine(RepoPaths.Root, "models", "tiny-qwen2");

    static int StepOf(string checkpoint) => int.Parse(Path.GetFileName(checkpoint)["checkpoint-".Length..]);

    // Starts r1, waits for the line, signals, and checks the exit code, the message and the checkpoint; returns its step.
    static int StopMidRun(string[] args, Func<string, bool> started, string signal, string outputDir)
    {
        using var run = R1Process.Start(args);
        run.WaitForLine(started, Patience);
        run.Signal(signal);
        var r = run.WaitForExit(Patience);
        Assert.True(r.ExitCode == (signal == "TERM" ? 143 : 130), $"exit {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
        Assert.Contains($"interrupt ({(signal == "TERM" ? "SIGTERM" : "Ctrl+C")})", r.Stderr);
        string checkpoint = Checkpointer.Latest(outputDir) ?? throw new Xunit.Sdk.XunitException($"no checkpoint in {outputDir}:\n{r.Stdout}\n{r.Stderr}");
        Assert.True(File.Exists(Path.Combine(checkpoint, Checkpointer.OptimizerFile)));
        Assert.Empty(Directory.GetFileSystemEntries(outputDir, ".*")); // no temporary folder left behind
        return StepOf(checkpoint);
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public void Train_sft_checkpoints_on_a_signal_and_resumes(string signal)
    {
        string dir = Directory.CreateTempSubdirectory("r1-sig-sft-").FullName, output = Path.Combine(dir, "out");
        string data = Sft.SftTrainerTests.WriteToyDataset(dir, 16);
        string[] args = ["train", "sft", $"--model_name_or_path={TinyModel}", $"--dataset_path={data}", $"--output_dir={output}",
            "--per_device_train_batch_size=4", "--max_length=64", "--max_steps=200", "--save_steps=0", "--logging_steps=1"];
        int step = StopMidRun(args, l => l.StartsWith("step 2/200"), signal, output);
        Assert.InRange(step, 2, 199);
        Assert.Equal(step, MetricsLog.Read(Path.Combine(output, "metrics.jsonl")).Count);

        var resumed = R1Process.Run([.. args, "--resume"]);
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Equal(Enumerable.Range(1, 200).Select(s => (double)s), MetricsLog.Read(Path.Combine(output, "metrics.jsonl")).Select(r => r["step"]));
        Assert.True(File.Exists(Path.Combine(output, "model.safetensors")));
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public void Train_grpo_checkpoints_on_a_signal_and_resumes(string signal)
    {
        string dir = Directory.CreateTempSubdirectory("r1-sig-grpo-").FullName, output = Path.Combine(dir, "out");
        string[] args = ["train", "grpo", $"--model_name_or_path={TinyModel}", "--task=chain-sum", "--task_size=64", "--chat_template=r1-zero",
            "--reward_funcs=accuracy,format", "--num_generations=2", "--per_device_train_batch_size=4", "--max_completion_length=6",
            "--max_prompt_length=512", "--max_steps=400", "--logging_steps=1", "--save_steps=0", $"--output_dir={output}"];
        // 400 steps of ~10 ms on an idle machine: 20 used to finish before the signal arrived.
        int step = StopMidRun(args, l => l.Contains("step 2/400"), signal, output);
        Assert.InRange(step, 2, 399);

        var resumed = R1Process.Run([.. args, "--resume"]);
        Assert.True(resumed.ExitCode == 0, resumed.Stderr + resumed.Stdout);
        Assert.Contains($"resumed from {Path.Combine(output, $"checkpoint-{step}")} at step {step}", resumed.Stdout);
        Assert.Equal(400, MetricsLog.Read(Path.Combine(output, "metrics.jsonl")).Count);
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public void Zero_checkpoints_on_a_signal_and_resumes(string signal)
    {
        string run = Path.Combine(Directory.CreateTempSubdirectory("r1-sig-zero-").FullName, "run");
        string[] args = ["zero", "--out", run, "--base", Path.Combine(RepoPaths.Root, "models", "chain-sum-base"),
            "--eval-problems", "2", "--eval-k", "2"];
        int step = StopMidRun([.. args, "--steps", "300"], l => l.StartsWith("step 1/300"), signal, run);
        Assert.InRange(step, 1, 299);

        var resumed = R1Process.Run([.. args, "--steps", (step + 1).ToString(), "--resume"]);
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains($"R1-Zero on chain-sum: {step + 1} GRPO steps", resumed.Stdout);
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public void Pretrain_checkpoints_on_a_signal_and_resumes(string signal)
    {
        string output = Path.Combine(Directory.CreateTempSubdirectory("r1-sig-pretrain-").FullName, "base");
        string[] args = ["pretrain", "--out", output, "--steps", "150", "--corpus-size", "400", "--batch-size", "4", "--eval-problems", "1"];
        int step = StopMidRun(args, l => l.StartsWith("step 50/150"), signal, output + ".partial");
        Assert.InRange(step, 50, 150);
        Assert.False(Directory.Exists(output));

        var refused = R1Process.Run(args);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("pass --resume", refused.Stderr);
        var resumed = R1Process.Run([.. args, "--resume"]);
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains($"at step {step}", resumed.Stderr);
        Assert.True(File.Exists(Path.Combine(output, "model.safetensors")));
        Assert.False(Directory.Exists(output + ".partial"));
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public void Distill_stops_on_a_signal_with_its_state_file_resumable(string signal)
    {
        string dir = Directory.CreateTempSubdirectory("r1-sig-distill-").FullName, output = Path.Combine(dir, "traces.jsonl");
        string state = Path.Combine(dir, "traces.state.jsonl");
        string[] args = ["distill", "--teacher", Path.Combine(RepoPaths.Root, "models", "chain-sum-base"), "--task", "chain-sum",
            "--problems", "400", "--samples", "2", "--out", output];
        using (var run = R1Process.Start(args))
        {
            run.WaitForLine(l => l.StartsWith("[8/400]"), Patience); // a progress line every 8 problems
            run.Signal(signal);
            var r = run.WaitForExit(Patience);
            Assert.True(r.ExitCode == (signal == "TERM" ? 143 : 130), $"exit {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
            Assert.Contains($"interrupt ({(signal == "TERM" ? "SIGTERM" : "Ctrl+C")})", r.Stderr);
            Assert.Contains("run the same command again to continue", r.Stderr);
        }
        int done = File.ReadAllLines(state).Count(l => l.Length > 0) - 1; // the first line is the run key
        Assert.InRange(done, 8, 399);

        var resumed = R1Process.Run(args);
        Assert.True(resumed.ExitCode == 0, resumed.Stderr);
        Assert.Contains($"resuming: {done} of 400 problems already in", resumed.Stderr);
        Assert.Equal(401, File.ReadAllLines(state).Count(l => l.Length > 0));
    }
}
