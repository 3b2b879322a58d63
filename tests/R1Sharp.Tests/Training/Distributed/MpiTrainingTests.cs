// Data-parallel training through the real r1 under Open MPI's mpirun on loopback (issue 18): two ranks train to the
// same weights as one process with the same global batch, resume, and a killed rank ends the job with an error that
// names it while the last checkpoint stays loadable.
using System.Diagnostics;
using R1Sharp.Formats.Safetensors;
using R1Sharp.Models;
using R1Sharp.Tests.Cli;
using R1Sharp.Training.Infrastructure;

namespace R1Sharp.Tests.Training.Distributed;

public class MpiTrainingTests
{
    static string Repo(params string[] parts) => Path.Combine([RepoPaths.Root, .. parts]);
    static string RunDir() => Path.Combine(Path.GetTempPath(), "r1-mpi-" + Guid.NewGuid().ToString("N"));

    static string[] Grpo(string outDir, params string[] extra) =>
        ["train", "grpo", "--config", Repo("examples", "grpo.json"), "--output_dir=" + outDir,
         "--model_name_or_path=" + Repo("models", "chain-sum-base"), "--lr_scheduler_type=constant", .. extra];

    /// <summary>Largest |a − b| over every tensor of two model.safetensors files (same names and shapes).</summary>
    static double MaxDifference(string a, string b)
    {
        using var x = SafetensorsModel.Open(a);
        using var y = SafetensorsModel.Open(b);
        double max = 0;
        foreach (string name in x.Tensors.Keys)
        {
            float[] ta = x.ReadAsFloat32(name), tb = y.ReadAsFloat32(name);
            Assert.Equal(ta.Length, tb.Length);
            for (int i = 0; i < ta.Length; i++) max = Math.Max(max, Math.Abs(ta[i] - tb[i]));
        }
        return max;
    }

    [Fact]
    public void Two_ranks_of_r1_zero_write_the_one_process_weights()
    {
        string one = RunDir(), two = RunDir();
        try
        {
            string[] args = ["zero", "--steps", "3", "--eval-problems", "4", "--eval-k", "2", "--base", Repo("models", "chain-sum-base")];
            var single = R1Process.Run([.. args, "--out", one]);
            Assert.True(single.ExitCode == 0, single.Stderr);
            var job = MpiJob.Run(2, [.. args, "--out", two]);
            Assert.True(job.ExitCode == 0, job.Stdout + job.Stderr);
            Assert.Single(job.Stdout.Split('\n'), l => l.Contains("R1-Zero on chain-sum: 3 GRPO steps"));   // rank 0 prints alone
            Assert.InRange(MaxDifference(Path.Combine(one, "checkpoint-3"), Path.Combine(two, "checkpoint-3")), 0, 1e-5);
            Assert.Equal(File.ReadAllLines(Path.Combine(one, "metrics.jsonl")).Length, File.ReadAllLines(Path.Combine(two, "metrics.jsonl")).Length);
        }
        finally { Delete(one); Delete(two); }
    }

    [Fact]
    public void Two_ranks_resume_to_the_one_process_weights_and_sft_matches_too()
    {
        string one = RunDir(), two = RunDir(), sftOne = RunDir(), sftTwo = RunDir();
        try
        {
            // GRPO: 4 steps in one process against 2 + 2 resumed steps on two ranks.
            Assert.Equal(0, R1Process.Run(Grpo(one, "--max_steps=4")).ExitCode);
            var first = MpiJob.Run(2, Grpo(two, "--max_steps=2"));
            Assert.True(first.ExitCode == 0, first.Stdout + first.Stderr);
            var resumed = MpiJob.Run(2, [.. Grpo(two, "--max_steps=4"), "--resume"]);
            Assert.True(resumed.ExitCode == 0, resumed.Stdout + resumed.Stderr);
            Assert.InRange(MaxDifference(Path.Combine(one, "checkpoint-4"), Path.Combine(two, "checkpoint-4")), 0, 1e-5);

            // SFT: 16 rows a step split 8 + 8.
            string[] sft = ["train", "sft", "--config", Repo("examples", "sft.json"), "--model_name_or_path=" + Repo("models", "chain-sum-base"),
                "--dataset_path=" + Repo("examples", "sft.jsonl"), "--max_steps=3", "--save_steps=3"];
            Assert.Equal(0, R1Process.Run([.. sft, "--output_dir=" + sftOne]).ExitCode);
            var job = MpiJob.Run(2, [.. sft, "--output_dir=" + sftTwo]);
            Assert.True(job.ExitCode == 0, job.Stdout + job.Stderr);
            Assert.InRange(MaxDifference(Path.Combine(sftOne, "checkpoint-3"), Path.Combine(sftTwo, "checkpoint-3")), 0, 1e-5);
        }
        finally { Delete(one); Delete(two); Delete(sftOne); Delete(sftTwo); }
    }

    [Fact]
    public void A_killed_rank_ends_the_job_naming_it_and_the_last_checkpoint_loads()
    {
        string run = RunDir();
        try
        {
            using var job = MpiJob.Start(2, Grpo(run, "--max_steps=500", "--save_steps=2", "--save_total_limit=1"));
            job.WaitForLine(l => l.Contains("checkpoint-4"), TimeSpan.FromMinutes(3));
            using (var kill = Process.Start("kill", ["-9", MpiJob.RankPid(job.Pid, 1).ToString()])!) kill.WaitForExit();
            var result = job.WaitForExit(TimeSpan.FromMinutes(2));
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("rank 1", result.Stdout + result.Stderr);
            string latest = Checkpointer.Latest(run) ?? throw new InvalidOperationException("no checkpoint left");
            var state = TrainerState.Parse(File.ReadAllText(Path.Combine(latest, TrainerState.FileName)), latest);
            Assert.True(state.GlobalStep >= 4, latest);
            using var model = DecoderModel.Load(latest);
            Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(run), e => e.EndsWith(".tmp", StringComparison.Ordinal));
        }
        finally { Delete(run); }
    }

    [Fact]
    public void Ranks_whose_parameters_drift_apart_stop_with_an_error_naming_the_rank()
    {
        // Rank 1 trains with another learning rate (a mistake the checksum is there to catch): after step 1 its
        // parameters differ from rank 0's, and the check every step (R1SHARP_DP_CHECK_STEPS=1, exported to rank 0's app
        // context only: rank 0's value holds for all) stops the job.
        string run = RunDir();
        try
        {
            var result = MpiJob.RunEach(new Dictionary<string, string> { ["R1SHARP_DP_CHECK_STEPS"] = "1" },
                Grpo(run, "--max_steps=3"), Grpo(run, "--max_steps=3", "--learning_rate=1e-3"));
            string output = result.Stdout + result.Stderr;
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("after step 1 the parameters of rank 1 differ from rank 0's", output);
            Assert.Contains("rank", output);
        }
        finally { Delete(run); }
    }

    static void Delete(string dir)
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }
}
