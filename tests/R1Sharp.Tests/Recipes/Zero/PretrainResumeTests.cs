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
}
