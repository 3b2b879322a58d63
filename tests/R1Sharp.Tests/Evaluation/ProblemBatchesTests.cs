// Eval and distill sample problems in batches of the backend's ProblemsPerCall (dataset order over the to-do list, so a
// resumed run's batches depend only on what is left); a local model runs each batch as one Generate call whose problems
// keep their own seeds.
using R1Sharp.Data;
using R1Sharp.Evaluation;
using R1Sharp.Text.ChatTemplates;
using static R1Sharp.Tests.Generation.GeneratorTestKit;

namespace R1Sharp.Tests.Evaluation;

public sealed class ProblemBatchesTests
{
    private static readonly Problem[] Problems = [.. Enumerable.Range(0, 7).Select(i => new Problem($"p{i}", $"{i} + {i} = ?", $"{2 * i}", null, "test"))];

    // Answers every problem with one sample naming it, and records the batches it was asked.
    private sealed class RecordingBackend(int perCall) : IEvalBackend
    {
        public List<int[]> Calls { get; } = [];
        public string Name => "recording";
        public int MaxConcurrentProblems => 1;
        public int ProblemsPerCall => perCall;
        public Task<IReadOnlyList<EvalSample>> SampleAsync(Problem problem, int problemIndex, CancellationToken ct) => throw new NotSupportedException();
        public Task<IReadOnlyList<IReadOnlyList<EvalSample>>> SampleBatchAsync(IReadOnlyList<(Problem Problem, int Index)> problems, CancellationToken ct)
        {
            Calls.Add([.. problems.Select(p => p.Index)]);
            return Task.FromResult<IReadOnlyList<IReadOnlyList<EvalSample>>>(
                [.. problems.Select(p => (IReadOnlyList<EvalSample>)[new EvalSample(p.Problem.Id, p.Problem.Answer, 1, 0)])]);
        }
    }

    [Fact]
    public async Task Batches_follow_the_to_do_list_in_dataset_order()
    {
        var backend = new RecordingBackend(perCall: 3);
        var seen = new List<(int, string)>();
        await ProblemBatches.RunAsync(backend, Problems, [0, 2, 3, 4, 6], (i, samples) => seen.Add((i, samples[0].Text)), default);
        Assert.Equal([[0, 2, 3], [4, 6]], backend.Calls);
        Assert.Equal([(0, "p0"), (2, "p2"), (3, "p3"), (4, "p4"), (6, "p6")], seen);
    }

    [Fact]
    public async Task Eval_records_come_out_graded_whatever_the_batch_size()
    {
        var one = await EvalRunner.RunAsync(new RecordingBackend(1), Problems, k: 1);
        var four = await EvalRunner.RunAsync(new RecordingBackend(4), Problems, k: 1);
        Assert.Equal(one.Summary, four.Summary);
        Assert.Equal(1.0, four.Summary.PassAt1);
        Assert.Equal(Problems.Select(p => p.Id), four.Records.Select(r => r.Id));
    }

    [Fact]
    public async Task A_local_model_samples_a_batch_of_problems_with_each_problems_own_seeds()
    {
        using var model = RandomModel(seed: 5);
        using var generator = NewGenerator(model);
        var options = new EvalOptions { K = 4, MaxNewTokens = 10, Seed = 9 };
        using var backend = new LocalEvalBackend(generator, new DeepSeekR1ChatTemplate(), options, instruction: null);
        Assert.Equal(16, backend.ProblemsPerCall); // 64 rows of the managed step / K
        Assert.Equal(1, new LocalEvalBackend(generator, new DeepSeekR1ChatTemplate(), options with { K = 64 }, null).ProblemsPerCall);
        Assert.Equal(2, new LocalEvalBackend(generator, new DeepSeekR1ChatTemplate(), options with { ProblemsPerBatch = 2 }, null).ProblemsPerCall);

        var batch = await backend.SampleBatchAsync([(Problems[1], 1), (Problems[4], 4)], default);
        var again = await backend.SampleBatchAsync([(Problems[1], 1), (Problems[4], 4)], default);
        Assert.Equal(2, batch.Count);
        Assert.All(batch, samples => Assert.Equal(4, samples.Count));
        Assert.Equal(batch.SelectMany(s => s).Select(s => s.Text), again.SelectMany(s => s).Select(s => s.Text)); // seeded
        Assert.NotEqual(batch[0].Select(s => s.Text), batch[1].Select(s => s.Text));
        // Problem 1 alone (its prompt is as long as problem 4's, so the batch had no padding): the samples of the batch.
        var alone = await backend.SampleAsync(Problems[1], 1, default);
        Assert.Equal(batch[0].Select(s => s.Text), alone.Select(s => s.Text));
    }
}
