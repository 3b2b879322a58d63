// How eval and distill walk the problems still to do: in batches of the backend's ProblemsPerCall, taken in dataset order
// (a batch's members depend on the to-do list only), up to MaxConcurrentProblems calls at once.
using R1Sharp.Data;

namespace R1Sharp.Evaluation;

/// <summary>Samples the problems still to do through an <see cref="IEvalBackend"/>, batch by batch.</summary>
public static class ProblemBatches
{
    /// <summary>
    /// Samples <paramref name="problems"/>[i] for every i of <paramref name="todo"/> and hands each problem's samples to
    /// <paramref name="onSampled"/> (dataset index, samples) as its batch finishes, in batch order. With concurrent calls
    /// (an endpoint), <paramref name="onSampled"/> runs on several threads at once.
    /// </summary>
    public static Task RunAsync(IEvalBackend backend, IReadOnlyList<Problem> problems, IReadOnlyList<int> todo,
        Action<int, IReadOnlyList<EvalSample>> onSampled, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(backend);
        var batches = todo.Chunk(Math.Max(1, backend.ProblemsPerCall)).ToList();
        return Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, backend.MaxConcurrentProblems), CancellationToken = ct },
            async (batch, token) =>
            {
                var samples = await backend.SampleBatchAsync([.. batch.Select(i => (problems[i], i))], token).ConfigureAwait(false);
                if (samples.Count != batch.Length)
                    throw new InvalidOperationException($"{backend.Name} returned samples for {samples.Count} of {batch.Length} problems");
                for (int j = 0; j < batch.Length; j++) onSampled(batch[j], samples[j]);
            });
    }
}
