// `r1 pretrain` interrupted (the cancellation token, as Ctrl+C/SIGTERM set it) and resumed writes the same model as an
// uninterrupted run, byte for byte; the work directory OUT.partial holds the checkpoint in between.
using R1Sharp.Training.Infrastructure;
using R1Sharp.Recipes.Zero;

namespace R1Sharp.Tests.Recipes.Zero;

public class PretrainResumeTests
{
    static readonly PretrainOptions Tiny = new() { Preset = "tiny", Steps = 60, BatchSize = 4, CorpusSize = 200, EvalProblems = 1 };

    [Fact]
    public void Interrupted_and_resumed_pretraining_matches_the_uninterrupted_run()
    {
        string root = Directory.CreateTempSubdirectory("r1-pretrain-resume").FullName;
        string straight = Path.Combine(root, "straight"), cut = Path.Combine(root, "cut");
        ZeroPretrainer.Run(Tiny, straight, "test");

        using var cts = new CancellationTokenSource();
        void StopAt50(string line) { if (line.StartsWith("step 50/", StringComparison.Ordinal)) cts.Cancel(); }
        Assert.Throws<OperationCanceledException>(() => ZeroPretrainer.Run(Tiny, cut, "test", StopAt50, cts.Token));
        Assert.False(Directory.Exists(cut));
        Assert.Equal(Path.Combine(cut + ".partial", "checkpoint-50"), Checkpointer.Latest(cut + ".partial"));

        var fresh = Assert.Throws<R1SharpException>(() => ZeroPretrainer.Run(Tiny, cut, "test"));
        Assert.Contains("pass --resume", fresh.Message);
        var changed = Assert.Throws<R1SharpException>(() => ZeroPretrainer.Run(Tiny with { Steps = 70 }, cut, "test", start: RunStart.Resume));
        Assert.Contains("Steps 60, this command 70", changed.Message);

        var lines = new List<string>();
        ZeroPretrainer.Run(Tiny, cut, "test", lines.Add, start: RunStart.Resume);
        Assert.Contains(lines, l => l.StartsWith($"resumed from {Path.Combine(cut + ".partial", "checkpoint-50")} at step 50", StringComparison.Ordinal));
        Assert.False(Directory.Exists(cut + ".partial"));
        Assert.False(Directory.Exists(Path.Combine(cut, "checkpoint-50")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, "model.safetensors")), File.ReadAllBytes(Path.Combine(cut, "model.safetensors")));
        Assert.Equal(File.ReadAllText(Path.Combine(straight, "tokenizer.json")), File.ReadAllText(Path.Combine(cut, "tokenizer.json")));

        var again = Assert.Throws<R1SharpException>(() => ZeroPretrainer.Run(Tiny, cut, "test"));
        Assert.Contains("--overwrite", again.Message);
        ZeroPretrainer.Run(Tiny with { Steps = 2 }, cut, "test", start: RunStart.Overwrite);
        Assert.Contains("2 steps of 4 documents", File.ReadAllText(Path.Combine(cut, "README.md")));
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public void A_crashed_run_resumes_from_its_last_periodic_checkpoint_and_matches_the_uninterrupted_run()
    {
        string root = Directory.CreateTempSubdirectory("r1-pretrain-crash").FullName;
        string straight = Path.Combine(root, "straight"), crashed = Path.Combine(root, "crashed");
        var options = Tiny with { EvalProblems = 0 };
        ZeroPretrainer.Run(options, straight, "test");

        // A crash (no cancellation, so no checkpoint at the stop) after step 50: checkpoint-40 of --save-steps 20 is left.
        var lines = new List<string>();
        void CrashAt50(string line) { lines.Add(line); if (line.StartsWith("step 50/", StringComparison.Ordinal)) throw new InvalidOperationException("simulated crash"); }
        Assert.Throws<InvalidOperationException>(() => ZeroPretrainer.Run(options with { SaveSteps = 20 }, crashed, "test", CrashAt50));
        string work = crashed + ".partial";
        Assert.Equal(Path.Combine(work, "checkpoint-40"), Checkpointer.Latest(work));
        Assert.Single(Checkpointer.List(work)); // checkpoint-20 replaced
        Assert.Contains($"step 20: checkpoint {Path.Combine(work, "checkpoint-20")}", lines);

        // --save-steps is not a setting of the result: a resume may change it.
        var resumed = new List<string>();
        ZeroPretrainer.Run(options with { SaveSteps = 25 }, crashed, "test", resumed.Add, start: RunStart.Resume);
        Assert.Contains(resumed, l => l.StartsWith($"resumed from {Path.Combine(work, "checkpoint-40")} at step 40", StringComparison.Ordinal));
        Assert.Contains($"step 50: checkpoint {Path.Combine(work, "checkpoint-50")}", resumed);
        Assert.DoesNotContain(resumed, l => l.Contains("checkpoint-60", StringComparison.Ordinal)); // the last step makes the model, not a checkpoint
        Assert.False(Directory.Exists(work));
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, "model.safetensors")), File.ReadAllBytes(Path.Combine(crashed, "model.safetensors")));
        Directory.Delete(root, recursive: true);
    }
}
