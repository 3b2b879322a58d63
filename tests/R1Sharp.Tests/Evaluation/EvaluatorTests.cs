// Evaluator: grading of hand-made samples (answers, flags, pass@1, cons@k) and a run on a tiny random model
// (record shapes, finite summary, same seed → same records).
using R1Sharp.Evaluation;
using R1Sharp.Generation;
using R1Sharp.Tests.Generation;
using R1Sharp.Text.ChatTemplates;
using R1Sharp.Data;

namespace R1Sharp.Tests.Evaluation;

public class EvaluatorTests
{
    private static readonly Problem Sum = new("p1", "Compute 7 + 5 + 9 + 3", "24", null, "test");

    private static GenerationResult Sample(int index, string text, int tokens, int reasoning) => new()
    {
        PromptIndex = 0, SampleIndex = index, Tokens = new int[tokens], LogProbs = new float[tokens], Forced = new bool[tokens],
        Text = text, Reasoning = "", Content = text, FinishReason = FinishReason.Stop,
        Usage = new GenerationUsage(10, tokens, reasoning),
    };

    [Fact]
    public void Grade_extracts_answers_after_thinking_and_votes()
    {
        var record = Evaluator.Grade(Sum, [
            Sample(0, " <think> 7 + 5 = 12 , 12 + 9 = 21 , 21 + 3 = 24 </think> <answer> 24 </answer>", 30, 20),
            Sample(1, " <think> </think> <answer> 23 </answer>", 8, 0),
            Sample(2, " <think> </think> <answer> 23 </answer>", 8, 0),
            Sample(3, " <think> 7 + 5 = 12 </think> <answer> 24.0 </answer>", 14, 6),
        ]);
        Assert.Equal(["24", "23", "23", "24.0"], record.Answers);
        Assert.Equal([true, false, false, true], record.Correct);
        Assert.Equal(0.5, record.PassAt1);
        Assert.False(record.ConsAtK); // 2–2 tie: "23" reached two votes first
        Assert.Equal([30, 8, 8, 14], record.Lengths);
        Assert.Equal([20, 0, 0, 6], record.ReasoningLengths);

        var summary = Evaluator.Summarize([record], 4);
        Assert.Equal(0.5, summary.PassAt1);
        Assert.Equal(0.0, summary.ConsAtK);
        Assert.Equal(15.0, summary.MeanLength);
        Assert.Equal(6.5, summary.MeanReasoningLength);
        Assert.Equal(1.0, summary.FormatRate);
    }

    [Fact]
    public void Grade_counts_a_completion_without_answer_as_wrong_and_not_voting()
    {
        var record = Evaluator.Grade(Sum, [Sample(0, " <think> let me see", 5, 5), Sample(1, " <answer> 24 </answer>", 5, 0)]);
        Assert.Equal([false, true], record.Correct);
        Assert.True(record.ConsAtK);
        Assert.Equal(0.0, Evaluator.Summarize([record], 2).FormatRate); // neither has both tag pairs
    }

    [Fact]
    public void Run_on_a_tiny_model_gives_k_samples_per_problem_and_repeats_with_the_seed()
    {
        var problems = Enumerable.Range(0, 3).Select(i => Sum with { Id = $"p{i}", Question = $"Compute {i + 1} + 2", Answer = $"{i + 3}" }).ToList();
        using var model = GeneratorTestKit.RandomModel(context: 512);
        using var generator = GeneratorTestKit.NewGenerator(model);
        var options = new EvalOptions { K = 4, MaxNewTokens = 12, Seed = 7, ProblemsPerBatch = 2 };
        var template = new R1ZeroTemplate(DeepSeekR1ChatTemplate.Eos);
        int reported = 0;
        var first = Evaluator.Run(generator, problems, template, options, progress: (done, _) => reported = done);
        var second = Evaluator.Run(generator, problems, template, options);

        Assert.Equal(3, reported);
        Assert.Equal(3, first.Records.Count);
        Assert.Equal(problems.Select(p => p.Question), first.Records.Select(r => r.Question));
        foreach (var r in first.Records)
        {
            Assert.Equal(4, r.Completions.Count);
            Assert.Equal(4, r.Answers.Count);
            Assert.Equal(4, r.Correct.Count);
            Assert.All(r.Lengths, l => Assert.InRange(l, 1, 12));
        }
        var s = first.Summary;
        Assert.Equal((3, 4), (s.Problems, s.K));
        Assert.All(new[] { s.PassAt1, s.ConsAtK, s.FormatRate }, v => Assert.InRange(v, 0.0, 1.0));
        Assert.InRange(s.MeanLength, 1.0, 12.0);
        Assert.Equal(first.Records.SelectMany(r => r.Completions), second.Records.SelectMany(r => r.Completions));
    }

    [Fact]
    public void Options_reject_greedy_and_empty_k()
    {
        Assert.Throws<R1SharpException>(() => new EvalOptions { Temperature = 0 }.Validate());
        Assert.Throws<R1SharpException>(() => new EvalOptions { K = 0 }.Validate());
    }
}
