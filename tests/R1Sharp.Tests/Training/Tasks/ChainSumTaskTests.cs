// The built-in chain-sum task: deterministic problems, correct worked solutions, mistakes that carry
// through, held-out problems kept out of the corpus, and the corpus mix.
using R1Sharp.Training.Tasks;

namespace R1Sharp.Tests.Training.Tasks;

public class ChainSumTaskTests
{
    [Fact]
    public void Worked_solution_adds_one_term_per_step()
    {
        var p = ChainSumTask.Make([7, 5, 9, 3]);
        Assert.Equal("Compute 7 + 5 + 9 + 3", p.Question);
        Assert.Equal("24", p.Answer);
        Assert.Equal(" <think> 7 + 5 = 12 , 12 + 9 = 21 , 21 + 3 = 24 </think> <answer> 24 </answer>", ChainSumTask.WorkedCompletion(p));
        Assert.Equal(" <think> </think> <answer> 24 </answer>", ChainSumTask.DirectCompletion(p));
    }

    [Fact]
    public void A_mistake_carries_through_to_the_answer()
    {
        var p = ChainSumTask.Make([7, 5, 9, 3]);
        Assert.Equal(" <think> 7 + 5 = 12 , 12 + 9 = 23 , 23 + 3 = 26 </think> <answer> 26 </answer>",
            ChainSumTask.WorkedCompletion(p, mistakeAt: 1, error: 2));
    }

    [Fact]
    public void Problems_are_deterministic_distinct_and_respect_exclusions()
    {
        var a = ChainSumTask.Problems(200, seed: 5);
        Assert.Equal(a, ChainSumTask.Problems(200, seed: 5));
        Assert.Equal(200, a.Select(p => p.Question).Distinct().Count());
        Assert.All(a, p => Assert.Equal(ChainSumTask.Terms(p).Sum().ToString(), p.Answer));
        Assert.All(a, p => Assert.InRange(p.Terms, ChainSumTask.MinTerms, ChainSumTask.MaxTerms));

        var held = a.Select(p => p.Question).ToHashSet();
        var b = ChainSumTask.Problems(200, seed: 6, exclude: held);
        Assert.DoesNotContain(b, p => held.Contains(p.Question));
        var corpus = ChainSumTask.Corpus(5000, 7, new ChainSumCorpusOptions(), held).ToList();
        Assert.DoesNotContain(corpus, d => held.Contains(d.Problem.Question));
    }

    [Fact]
    public void Corpus_mixes_worked_and_direct_solutions_as_asked()
    {
        var options = new ChainSumCorpusOptions { WorkedFraction = 0.4, MistakeRate = 0.25 };
        var corpus = ChainSumTask.Corpus(20_000, 11, options).ToList();
        var worked = corpus.Where(d => !d.Completion.StartsWith(" <think> </think>")).ToList();
        Assert.InRange(worked.Count / 20_000.0, 0.38, 0.42);
        double wrong = worked.Count(d => !d.Completion.EndsWith($"<answer> {d.Problem.Answer} </answer>")) / (double)worked.Count;
        Assert.InRange(wrong, 0.23, 0.27);
        Assert.All(corpus.Except(worked), d => Assert.EndsWith($"<answer> {d.Problem.Answer} </answer>", d.Completion));
    }
}
