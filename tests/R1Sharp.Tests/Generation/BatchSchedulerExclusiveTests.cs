// BatchScheduler.RunWhenIdleAsync (used by r1 serve's update_weights_from_disk): the action runs on the scheduler thread
// after the running sequences finish and before a job queued meanwhile starts; an action's exception reaches the caller.
using R1Sharp.Generation;
using static R1Sharp.Tests.Generation.GeneratorTestKit;

namespace R1Sharp.Tests.Generation;

public sealed class BatchSchedulerExclusiveTests
{
    [Fact]
    public async Task An_idle_action_waits_for_running_rows_and_holds_queued_jobs()
    {
        using var model = RandomModel(seed: 31);
        using var scheduler = new BatchScheduler(NewGenerator(model), new BatchSchedulerOptions { StepDelay = TimeSpan.FromMilliseconds(5) });
        var running = scheduler.TrySubmit(new GenerationRequest(RandomPrompt(new Random(3), 4)), Greedy(12))!;
        await running.Deltas.WaitToReadAsync();
        bool runningDone = false, queuedStarted = true;
        GenerationJob? queued = null;
        var action = scheduler.RunWhenIdleAsync(() =>
        {
            runningDone = running.Completion.IsCompleted;
            queuedStarted = scheduler.RunningSequences > 0;
            Assert.Equal("r1-batch-scheduler", Thread.CurrentThread.Name);
        });
        queued = scheduler.TrySubmit(new GenerationRequest(RandomPrompt(new Random(4), 3)), Greedy(4))!;
        await action;
        Assert.True(runningDone, "the running job had finished");
        Assert.False(queuedStarted, "the job queued meanwhile had not started");
        Assert.Single(await queued.Completion);

        var failing = scheduler.RunWhenIdleAsync(() => throw new R1SharpException("bad weights"));
        Assert.Equal("bad weights", (await Assert.ThrowsAsync<R1SharpException>(() => failing)).Message);
    }
}
