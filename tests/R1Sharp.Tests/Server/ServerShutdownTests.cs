// R1Server.ShutdownAsync in process: running generations get the grace period, queued and new requests an
// OpenAI-shaped 503 (code server_shutting_down), and the scheduler thread has ended when it returns.
using System.Net;
using System.Text.Json;

namespace R1Sharp.Tests.Server;

public sealed class ServerShutdownTests
{
    [Fact]
    public async Task Shutdown_lets_running_requests_finish_within_the_grace_and_refuses_queued_ones()
    {
        await using var host = await ServerTestHost.StartAsync(configure: o => o with
        {
            MaxBatch = 1, StepDelay = TimeSpan.FromMilliseconds(20), ShutdownGrace = TimeSpan.FromSeconds(30),
        });
        var scheduler = host.Server.Scheduler;
        var running = host.PostAsync(ServerTestHost.Chat("hi", 30, ""","thinking_budget":0"""));
        for (int i = 0; i < 500 && scheduler.RunningSequences == 0; i++) await Task.Delay(10);
        var queued = host.PostAsync(ServerTestHost.Chat("later", 5));
        for (int i = 0; i < 500 && scheduler.QueuedJobs == 0; i++) await Task.Delay(10);
        Assert.Equal((1, 1), (scheduler.RunningSequences, scheduler.QueuedJobs));

        var shutdown = host.Server.ShutdownAsync();
        using (var refused = await queued)
        {
            string body = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.ServiceUnavailable, body);
            Assert.Equal("server_shutting_down", JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("code").GetString());
        }
        using (var finished = await running)
        {
            string body = await finished.Content.ReadAsStringAsync();
            Assert.True(finished.IsSuccessStatusCode, body);
            Assert.Equal(30, JsonDocument.Parse(body).RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        }
        await shutdown;
        Assert.Throws<R1Sharp.Generation.SchedulerStoppingException>(() =>
            scheduler.TrySubmit(new R1Sharp.Generation.GenerationRequest([1, 2]), scheduler.TextGenerator.DefaultOptions()));
        Assert.Contains("503", host.LogText);
    }
}
