// The request log: one line per request, and request-derived text (the model field, the path, error messages quoting
// them) cannot forge lines or send terminal escapes: control characters are escaped. Requests the client abandoned
// are logged (and counted) as 499, nginx's "client closed request", not 200.
using System.Text.Json;
using System.Text.RegularExpressions;

namespace R1Sharp.Tests.Server;

public sealed class ServerLogTests
{
    const string Forged = "2031-01-01T00:00:00.000Z 10.0.0.1 POST /v1/chat/completions 200 1 ms prompt=1";

    [Fact]
    public async Task Control_characters_from_the_request_are_escaped_in_the_log()
    {
        await using var host = await ServerTestHost.StartAsync();
        string model = $"evil\n{Forged}\r\u001b[31mred\u0007\u0085";
        using (var response = await host.PostAsync($$"""{"model":{{JsonSerializer.Serialize(model)}},"messages":[{"role":"user","content":"hi"}]}""")) { }
        using (var response = await host.Http.GetAsync("/v1/nothing%0A" + Uri.EscapeDataString(Forged))) { }

        string log = host.LogText;
        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 2, log);
        Assert.All(lines, l => Assert.Matches(new Regex(@"^\d{4}-\d\d-\d\dT\S+Z 127\.0\.0\.1 "), l));
        Assert.DoesNotContain(log, c => char.IsControl(c) && c != '\n');
        Assert.Contains(@"evil\n2031", lines[0]);
        Assert.Contains(@"\u001b[31mred\u0007\u0085", lines[0]);
        Assert.Contains("/v1/nothing%0A2031", lines[1]); // paths are logged percent-encoded
    }

    [Fact]
    public async Task A_stream_the_client_abandons_is_logged_as_499_cancelled()
    {
        // 100 ms a step: the tiny model's loop guard ends a stream after 64 tokens, and the abort must be seen before that.
        await using var host = await ServerTestHost.StartAsync(configure: o => o with { StepDelay = TimeSpan.FromMilliseconds(100) });
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(ServerTestHost.Chat("hi", 500, ""","stream":true"""), System.Text.Encoding.UTF8, "application/json"),
        };
        using (var response = await host.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            while (await reader.ReadLineAsync() is { } line && !line.Contains("reasoning_content", StringComparison.Ordinal)) { }
        }
        for (int i = 0; i < 500 && !host.LogText.Contains("POST"); i++) await Task.Delay(10);
        string log = host.LogText;
        Assert.True(log.Contains("POST /v1/chat/completions 499 ", StringComparison.Ordinal) && log.Contains("finish=cancelled", StringComparison.Ordinal), log);
        string metrics = await host.Http.GetStringAsync("/metrics");
        Assert.Contains("status=\"499\"", metrics);
    }

    [Fact]
    public async Task A_completion_the_client_abandons_is_logged_as_499()
    {
        // 100 ms a step (the loop guard ends the answer after 64 tokens): on a loaded machine Kestrel took over a second
        // to see the closed connection, and at 20 ms a step the answer had finished (200, finish=loop) by then.
        await using var host = await ServerTestHost.StartAsync(configure: o => o with { StepDelay = TimeSpan.FromMilliseconds(100) });
        using var cts = new CancellationTokenSource();
        var pending = host.Http.PostAsync("/v1/chat/completions",
            new StringContent(ServerTestHost.Chat("hi", 500), System.Text.Encoding.UTF8, "application/json"), cts.Token);
        Assert.True(SpinWait.SpinUntil(() => host.Server.Scheduler.RunningSequences == 1, 10_000));
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        for (int i = 0; i < 500 && !host.LogText.Contains("POST"); i++) await Task.Delay(10);
        Assert.True(host.LogText.Contains("POST /v1/chat/completions 499 ", StringComparison.Ordinal), host.LogText);
    }
}
