// The R1-Zero pipeline's pure pieces: batch layout (shifted targets, completion mask), the pretraining batch order, the
// "does it think" check, and the held-out/train split, and accuracy by mode (thinking vs direct).
using R1Sharp.Evaluation;
using R1Sharp.Recipes.Zero;

namespace R1Sharp.Tests.Recipes.Zero;

public class ZeroPieceTests
{
    [Fact]
    public void CompletionBatch_shifts_targets_and_masks_only_completion_tokens()
    {
        using var batch = CompletionBatch.Create([[5, 6], [9]], [[7, 8], [3, 4, 2]]);
        Assert.Equal(new long[] { 2, 3 }, batch.Inputs.shape);
        Assert.Equal(new long[] { 5, 6, 7, 9, 3, 4 }, batch.Inputs.data<long>().ToArray());
        Assert.Equal(new long[] { 6, 7, 8, 3, 4, 2 }, batch.Targets.data<long>().ToArray());
        Assert.Equal(new float[] { 0, 1, 1, 1, 1, 1 }, batch.Mask.data<float>().ToArray());
        Assert.Equal(5, batch.CompletionTokens);
    }

    [Fact]
    public void CompletionBatch_pads_short_rows_with_masked_zeros()
    {
        using var batch = CompletionBatch.Create([[1, 2, 3], [4]], [[5], [6]]);
        Assert.Equal(new long[] { 1, 2, 3, 4, 0, 0 }, batch.Inputs.data<long>().ToArray());
        Assert.Equal(new float[] { 0, 0, 1, 1, 0, 0 }, batch.Mask.data<float>().ToArray());
    }

    [Fact]
    public void Pretraining_batches_are_whole_slices_of_a_seeded_permutation_per_epoch()
    {
        var rows = new EpochRows(10, 4, seed: 3);
        int[] epoch0 = [.. rows.Of(0), .. rows.Of(1)], epoch1 = [.. rows.Of(2), .. rows.Of(3)];
        Assert.Equal(8, epoch0.Distinct().Count()); // 2 whole batches of 4 per epoch; 2 rows left out
        Assert.Equal(8, epoch1.Distinct().Count());
        Assert.NotEqual(epoch0, epoch1);             // a new shuffle each epoch
        Assert.Equal(rows.Of(1), new EpochRows(10, 4, seed: 3).Of(1)); // a pure function of the step: resume needs no replay
        Assert.Equal(rows.Of(0), rows.Of(0));
    }

    [Fact]
    public void Zero_charts_have_one_spec_per_file_and_keep_every_trainer_chart()
    {
        var files = ZeroRun.ChartSpecs.Select(c => c.FileName).ToList();
        Assert.Equal(files.Distinct(), files);
        Assert.Subset(files.ToHashSet(), R1Sharp.Training.Grpo.GrpoTrainer.ChartSpecs.Select(c => c.FileName).ToHashSet());
    }

    [Theory]
    [InlineData(" <think> 7 + 5 = 12 </think> <answer> 12 </answer>", true)]
    [InlineData(" <think> </think> <answer> 12 </answer>", false)]
    [InlineData(" <think> 7 + 5", true)]
    [InlineData(" <answer> 12 </answer>", false)]
    public void Thinks_means_non_empty_thinking(string completion, bool expected) =>
        Assert.Equal(expected, ZeroText.Thinks(completion));

    [Fact]
    public void Training_problems_never_include_held_out_ones()
    {
        var heldOut = ZeroTask.EvalProblems(ZeroTask.HeldOutCount).Select(p => p.Question).ToHashSet();
        Assert.Equal(ZeroTask.HeldOutCount, heldOut.Count);
        Assert.DoesNotContain(ZeroTask.TrainProblems(3000, 7), p => heldOut.Contains(p.Question));
    }

    [Fact]
    public void ByMode_splits_accuracy_between_thinking_and_direct_completions()
    {
        string[] completions = [" <think> a1 + b2 = 3 </think> <answer> 3 </answer>", " <think> a1 + b2 = 4 </think> <answer> 4 </answer>",
            " <think> </think> <answer> 3 </answer>", " <think> </think> <answer> 5 </answer>"];
        var first = new EvalRecord("q1", "3", completions, ["3", "4", "3", "5"], [true, false, true, false], [9, 9, 5, 5], [5, 5, 0, 0], 0.5, true);
        var second = new EvalRecord("q2", "7", [" <think> </think> <answer> 1 </answer>", " <think> x </think> <answer> 7 </answer>"],
            ["1", "7"], [false, true], [5, 6], [0, 1], 0.5, false);
        var modes = ZeroText.ByMode(new EvalResult([first, second], new EvalSummary(2, 4, 0.5, 0.5, 6, 2, 1)));
        Assert.Equal(3 / 6.0, modes.ThinkingShare, 12);
        Assert.Equal(2 / 3.0, modes.ThinkingAccuracy, 12);
        Assert.Equal(1 / 3.0, modes.DirectAccuracy, 12);
        var directOnly = second with { Completions = [completions[2], completions[3]] };
        Assert.True(double.IsNaN(ZeroText.ByMode(new EvalResult([directOnly], new EvalSummary(1, 2, 0.5, 0, 5, 0, 1))).ThinkingAccuracy));
    }

    [Theory]
    [InlineData("7 + 5 = 12\n</think>\n\n12", true)]
    [InlineData("\n</think>\n\n12", false)]
    [InlineData("7 + 5", true)]
    public void Thinks_reads_a_completion_of_a_prompt_ending_in_think_as_opened(string completion, bool expected) =>
        Assert.Equal(expected, R1Sharp.Training.Grpo.GrpoStepMetrics.Thinks(completion, startsInThinking: true));
}
