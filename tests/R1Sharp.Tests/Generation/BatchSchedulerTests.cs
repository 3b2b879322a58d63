// Continuous batching: requests admitted into a running batch produce exactly what the plain generator produces
// alone; cancelled jobs leave within a step; a full queue refuses; KvCache row appends/trims keep the logits.
using R1Sharp.Generation;
using R1Sharp.Models;
using static R1Sharp.Tests.Generation.GeneratorTestKit;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Generation;

public sealed class BatchSchedulerTests
{
    [Fact]
    public async Task Requests_joining_a_running_batch_match_the_plain_generator_token_for_token()
    {
        using var model = RandomModel(seed: 21);
        var generator = NewGenerator(model);
        var rng = new Random(5);
        var prompts = new[] { 5, 11, 3, 8 }.Select(n => new GenerationRequest(RandomPrompt(rng, n))).ToArray();
        var options = Greedy(24);
        var expected = prompts.Select(p => generator.Generate(p, options).Tokens).ToArray();

        using var scheduler = new BatchScheduler(generator, new BatchSchedulerOptions { MaxBatchRows = 8, StepDelay = TimeSpan.FromMilliseconds(2) });
        var jobs = new List<GenerationJob>();
        foreach (var p in prompts)
        {
            var job = scheduler.TrySubmit(p, options)!;
            jobs.Add(job);
            // Wait for the job's first token so the next one joins a batch that is already decoding.
            await job.Deltas.WaitToReadAsync();
        }
        for (int i = 0; i < jobs.Count; i++)
            Assert.Equal(expected[i], (await jobs[i].Completion)[0].Tokens);
        Assert.True(scheduler.DecodeSteps < prompts.Length * 24, "jobs shared decode steps");
    }

    [Fact]
    public async Task Seeded_samples_match_the_plain_generator_and_differ_from_each_other()
    {
        using var model = RandomModel(seed: 22);
        var generator = NewGenerator(model);
        var prompt = new GenerationRequest(RandomPrompt(new Random(6), 6));
        var options = new GenerationOptions { Sampler = new SamplerOptions { Temperature = 1f }, MaxNewTokens = 16, SamplesPerPrompt = 3, Seed = 99, LoopGuard = null };
        var expected = generator.Generate([prompt], options);
        using var scheduler = new BatchScheduler(generator);
        var results = await scheduler.TrySubmit(prompt, options)!.Completion;
        Assert.Equal(expected.Select(r => r.Tokens), results.Select(r => r.Tokens));
        Assert.NotEqual(results[0].Tokens, results[1].Tokens);
    }

    [Fact]
    public async Task Cancelling_a_job_frees_its_rows_within_one_step()
    {
        using var model = RandomModel(seed: 23);
        using var scheduler = new BatchScheduler(NewGenerator(model), new BatchSchedulerOptions { StepDelay = TimeSpan.FromMilliseconds(20) });
        using var cts = new CancellationTokenSource();
        var job = scheduler.TrySubmit(new GenerationRequest(RandomPrompt(new Random(7), 4)), Greedy(200) with { SamplesPerPrompt = 2 }, cts.Token)!;
        await job.Deltas.WaitToReadAsync();
        Assert.True(SpinWait.SpinUntil(() => scheduler.RunningSequences == 2, 5000));
        long stepAtCancel = scheduler.DecodeSteps;
        cts.Cancel();
        var results = await job.Completion;
        Assert.All(results, r => Assert.Equal(FinishReason.Cancelled, r.FinishReason));
        Assert.True(scheduler.DecodeSteps - stepAtCancel <= 1, $"{scheduler.DecodeSteps - stepAtCancel} steps after cancel");
        // The results are published just before the rows leave the batch (same step): wait for the count, not a step.
        Assert.True(SpinWait.SpinUntil(() => scheduler.RunningSequences == 0, 5000), $"{scheduler.RunningSequences} running");
    }

    [Fact]
    public void A_full_queue_refuses_new_jobs()
    {
        using var model = RandomModel(seed: 24);
        using var scheduler = new BatchScheduler(NewGenerator(model),
            new BatchSchedulerOptions { MaxBatchRows = 1, MaxQueuedJobs = 1, StepDelay = TimeSpan.FromMilliseconds(50) });
        using var cts = new CancellationTokenSource();
        var prompt = new GenerationRequest(RandomPrompt(new Random(8), 4));
        var accepted = Enumerable.Range(0, 4).Select(_ => scheduler.TrySubmit(prompt, Greedy(100), cts.Token)).ToArray();
        Assert.Contains(null, accepted);
        Assert.NotNull(accepted[0]);
        cts.Cancel();
    }

    [Fact]
    public void Reservations_hold_queue_places_until_submitted_or_disposed()
    {
        using var model = RandomModel(seed: 26);
        using var scheduler = new BatchScheduler(NewGenerator(model),
            new BatchSchedulerOptions { MaxBatchRows = 1, MaxQueuedJobs = 1, StepDelay = TimeSpan.FromMilliseconds(20) });
        var first = scheduler.TryReserve();
        var second = scheduler.TryReserve();
        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(scheduler.TryReserve()); // one free row + one queue place, both held
        second!.Dispose();
        using var third = scheduler.TryReserve();
        Assert.NotNull(third);
        using var cts = new CancellationTokenSource();
        var job = scheduler.Submit(first!, new GenerationRequest([1, 2]), Greedy(200), cts.Token);
        Assert.Throws<InvalidOperationException>(() => scheduler.Submit(first!, new GenerationRequest([1, 2]), Greedy(2)));
        first!.Dispose(); // used: gives nothing back twice
        Assert.Null(scheduler.TryReserve());
        cts.Cancel();
    }

    [Fact]
    public void Bad_requests_throw_at_submission()
    {
        using var model = RandomModel(seed: 25, context: 32);
        using var scheduler = new BatchScheduler(NewGenerator(model), new BatchSchedulerOptions { MaxBatchRows = 2 });
        var ex = Assert.Throws<R1SharpException>(() => scheduler.TrySubmit(new GenerationRequest(RandomPrompt(new Random(1), 40)), Greedy(4)));
        Assert.Contains("context", ex.Message);
        Assert.Throws<R1SharpException>(() => scheduler.TrySubmit(new GenerationRequest([1, 2]), Greedy(4) with { SamplesPerPrompt = 3 }));
    }

    [Fact]
    public void Appended_and_trimmed_cache_rows_give_the_same_logits_as_separate_caches()
    {
        using var model = RandomModel(seed: 26);
        using var noGrad = no_grad();
        int[] a = RandomPrompt(new Random(2), 7), b = RandomPrompt(new Random(3), 3);
        using var cacheA = model.CreateCache(1, 16);
        using var cacheB = model.CreateCache(1, 16);
        using var la = model.Forward(tensor(a.Select(x => (long)x).ToArray(), new long[] { 1, a.Length }), cache: cacheA, lastOnly: true);
        using var lb = model.Forward(tensor(b.Select(x => (long)x).ToArray(), new long[] { 1, b.Length }), cache: cacheB, lastOnly: true);
        // Reference: the next token of each on its own cache.
        using var refA = model.Forward(tensor(new long[] { 5 }, new long[] { 1, 1 }), tensor(new long[] { a.Length }, new long[] { 1, 1 }), cache: cacheA);
        using var refB = model.Forward(tensor(new long[] { 9 }, new long[] { 1, 1 }), tensor(new long[] { b.Length }, new long[] { 1, 1 }), cache: cacheB);

        using var mergedA = model.CreateCache(1, 16);
        using var mergedB = model.CreateCache(1, 16);
        model.Forward(tensor(a.Select(x => (long)x).ToArray(), new long[] { 1, a.Length }), cache: mergedA, lastOnly: true).Dispose();
        model.Forward(tensor(b.Select(x => (long)x).ToArray(), new long[] { 1, b.Length }), cache: mergedB, lastOnly: true).Dispose();
        mergedA.AppendRows(mergedB);
        Assert.Equal((2L, 7L, true), (mergedA.BatchSize, mergedA.Length, mergedA.HasPadding));
        using var both = model.Forward(tensor(new long[] { 5, 9 }, new long[] { 2, 1 }), tensor(new long[] { a.Length, b.Length }, new long[] { 2, 1 }), cache: mergedA);
        Assert.True(both[0].allclose(refA[0], rtol: 1e-4, atol: 1e-5));
        Assert.True(both[1].allclose(refB[0], rtol: 1e-4, atol: 1e-5));

        // Drop the long row: its 4 extra leading slots are unused by the short one and get trimmed.
        mergedA.SelectRows([1]);
        Assert.Equal(4, mergedA.UnusedLeadingSlots());
        Assert.Equal(4, mergedA.TrimLeadingSlots());
        Assert.Equal((4L, false), (mergedA.Length, mergedA.HasPadding));
        using var next = model.Forward(tensor(new long[] { 3 }, new long[] { 1, 1 }), tensor(new long[] { b.Length + 1 }, new long[] { 1, 1 }), cache: mergedA);
        using var nextRef = model.Forward(tensor(new long[] { 3 }, new long[] { 1, 1 }), tensor(new long[] { b.Length + 1 }, new long[] { 1, 1 }), cache: cacheB);
        Assert.True(next.allclose(nextRef, rtol: 1e-4, atol: 1e-5));
    }
}
