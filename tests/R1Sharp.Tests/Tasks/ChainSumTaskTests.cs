// The built-in chain-sum task (last digit of a labelled sum): deterministic problems, correct worked solutions,
// mistakes that carry through, held-out problems kept out of the corpus, and the corpus mix.
using R1Sharp.Tasks;

namespace R1Sharp.Tests.Tasks;

public class ChainSumTaskTests
{
    [Fact]
    public void Worked_solution_adds_one_labelled_term_per_step_keeping_the_last_digit()
    {
        var p = ChainSumTask.Make([7, 5, 9, 3]);
        Assert.Equal("Last digit of a7 + b5 + c9 + d3", p.Question);
        Assert.Equal("4", p.Answer);
        Assert.Equal(4, p.Terms);
        Assert.Equal([7, 5, 9, 3], ChainSumTask.Terms(p));
        Assert.Equal(" <think> a7 + b5 = 2 , 2 + c9 = 1 , 1 + d3 = 4 </think> <answer> 4 </answer>", ChainSumTask.WorkedCompletion(p));
        Assert.Equal(" <think> </think> <answer> 4 </answer>", ChainSumTask.DirectCompletion(p));
    }

    [Fact]
    public void A_mistake_carries_through_to_the_answer()
    {
        var p = ChainSumTask.Make([7, 5, 9, 3]);
        Assert.Equal(" <think> a7 + b5 = 2 , 2 + c9 = 3 , 3 + d3 = 6 </think> <answer> 6 </answer>",
            ChainSumTask.WorkedCompletion(p, mistakeAt: 1, error: 2));
        // Errors wrap around mod 10 like the running digit does.
        Assert.Equal(" <think> a7 + b5 = 1 , 1 + c9 = 0 , 0 + d3 = 3 </think> <answer> 3 </answer>",
            ChainSumTask.WorkedCompletion(p, mistakeAt: 0, error: 9));
    }

    [Fact]
    public void Problems_are_deterministic_distinct_and_respect_exclusions()
    {
        var a = ChainSumTask.Problems(200, seed: 5);
        Assert.Equal(a, ChainSumTask.Problems(200, seed: 5));
        Assert.Equal(200, a.Select(p => p.Question).Distinct().Count());
        Assert.All(a, p => Assert.Equal((ChainSumTask.Terms(p).Sum() % 10).ToString(), p.Answer));
        Assert.All(a, p => Assert.EndsWith($"<answer> {p.Answer} </answer>", ChainSumTask.WorkedCompletion(p)));
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
