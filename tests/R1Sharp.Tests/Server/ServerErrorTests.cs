// OpenAI-shaped errors: 400 for bad JSON, fields, models and prompts; 401 without the key; 413 for big bodies;
// 404/405 for routes; 429 with Retry-After when the queue is full. Every body is {"error":{message,type,param,code}}.
using System.Net;
using System.Text;
using System.Text.Json;

namespace R1Sharp.Tests.Server;

public sealed class ServerErrorTests
{
    static async Task<JsonElement> ErrorOf(HttpResponseMessage response, HttpStatusCode status)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{response.StatusCode}: {body}");
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.Equal(JsonValueKind.String, error.GetProperty("type").ValueKind);
        Assert.True(error.TryGetProperty("param", out _) && error.TryGetProperty("code", out _));
        return error.Clone();
    }

    [Theory]
    [InlineData("{", null)]
    [InlineData("[]", null)]
    [InlineData("""{"messages":[{"role":"user","content":"a"}]}""", "model")]
    [InlineData("""{"model":"nope","messages":[{"role":"user","content":"a"}]}""", "model")]
    [InlineData("""{"model":"test-model"}""", "messages")]
    [InlineData("""{"model":"test-model","messages":[]}""", "messages")]
    [InlineData("""{"model":"test-model","messages":[{"role":"wizard","content":"a"}]}""", "messages[0].role")]
    [InlineData("""{"model":"test-model","messages":[{"role":"user","content":5}]}""", "messages[0].content")]
    [InlineData("""{"model":"test-model","messages":[{"role":"user","content":"a"}],"temperature":3}""", "temperature")]
    [InlineData("""{"model":"test-model","messages":[{"role":"user","content":"a"}],"top_p":0}""", "top_p")]
    [InlineData("""{"model":"test-model","messages":[{"role":"user","content":"a"}],"max_tokens":0}""", "max_tokens")]
    [InlineData("""{"model":"test-model","messages":[{"role":"user","content":"a"}],"max_tokens":"9"}""", "max_tokens")]
    [InlineData("""{"model":"test-model","messages":[{"role":"user","content":"a"}],"n":0}""", "n")]
    [InlineData("""{"model":"test-model","messages":[{"role":"user","content":"a"}],"seed":1.5}""", "seed")]
    [InlineData("""{"model":"test-model","messages":[{"role":"user","content":"a"}],"stop":[1]}""", "stop")]
    [InlineData("""{"model":"test-model","messages":[{"role":"user","content":"a"}],"stream":"yes"}""", "stream")]
    [InlineData("""{"model":"test-model","messages":[{"role":"user","content":"a"}],"thinking_budget":-1}""", "thinking_budget")]
    [InlineData("""{"model":"test-model","messages":[{"role":"user","content":"a"}],"reasoning_effort":"huge"}""", "reasoning_effort")]
    [InlineData("""{"model":"test-model","messages":[{"role":"user","content":"a"}],"logprobs":"yes"}""", "logprobs")]
    [InlineData("""{"model":"test-model","messages":[{"role":"user","content":"a"}],"min_p":0.1}""", "min_p")]
    public async Task Bad_requests_get_400_naming_the_field(string body, string? param)
    {
        await using var host = await ServerTestHost.StartAsync();
        var error = await ErrorOf(await host.PostAsync(body), HttpStatusCode.BadRequest);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        if (param is null) Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
        else Assert.Equal(param, error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task A_prompt_longer_than_the_context_gets_400_context_length_exceeded()
    {
        await using var host = await ServerTestHost.StartAsync(configure: o => o with { ContextLength = 32 });
        var error = await ErrorOf(await host.PostAsync(ServerTestHost.Chat(string.Concat(Enumerable.Repeat("hello world ", 40)), 4)), HttpStatusCode.BadRequest);
        Assert.Equal("context_length_exceeded", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_prompt_over_the_character_limit_gets_400_naming_the_limit_before_it_is_tokenized()
    {
        // Default limit: context × 16 characters (32 × 16 = 512 here); a configured one wins.
        await using var host = await ServerTestHost.StartAsync(configure: o => o with { ContextLength = 32 });
        var error = await ErrorOf(await host.PostAsync(ServerTestHost.Chat(new string('a', 513), 4)), HttpStatusCode.BadRequest);
        Assert.Equal("messages", error.GetProperty("param").GetString());
        Assert.Contains("513 characters", error.GetProperty("message").GetString());
        Assert.Contains("at most 512", error.GetProperty("message").GetString());
        await using var configured = await ServerTestHost.StartAsync(configure: o => o with { MaxPromptChars = 100 });
        error = await ErrorOf(await configured.PostAsync(ServerTestHost.Chat(new string('a', 101), 4)), HttpStatusCode.BadRequest);
        Assert.Contains("at most 100", error.GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.OK, (await configured.PostAsync(ServerTestHost.Chat(new string('a', 100), 2))).StatusCode);
    }

    [Fact]
    public async Task A_full_queue_answers_429_before_the_prompt_is_tokenized()
    {
        await using var host = await ServerTestHost.StartAsync(configure: o => o with
        {
            MaxBatch = 1, MaxQueue = 0, ContextLength = 64, StepDelay = TimeSpan.FromMilliseconds(250),
        });
        // 40 steps of 250 ms: the row stays busy however late a loaded machine serves the second request; the client
        // hangs up at the end, which drops the row.
        using var hangUp = new CancellationTokenSource();
        var slow = host.PostAsync(ServerTestHost.Chat("hi", 40, ""","thinking_budget":0"""), cancellationToken: hangUp.Token);
        var scheduler = host.Server.Scheduler;
        for (int i = 0; i < 500 && scheduler.RunningSequences == 0; i++) await Task.Delay(10);
        // Too long for the context once tokenized, but within the character limit: the queue is checked first.
        var error = await ErrorOf(await host.PostAsync(ServerTestHost.Chat(string.Concat(Enumerable.Repeat("hello world ", 60)), 4)), HttpStatusCode.TooManyRequests);
        Assert.Equal("queue_full", error.GetProperty("code").GetString());
        hangUp.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow);
    }

    [Fact]
    public async Task Keys_are_required_on_the_api_but_not_on_health()
    {
        await using var host = await ServerTestHost.StartAsync(configure: o => o with { ApiKeys = ["sesame"] });
        await ErrorOf(await host.PostAsync(ServerTestHost.Chat("hi", 2)), HttpStatusCode.Unauthorized);
        await ErrorOf(await host.PostAsync(ServerTestHost.Chat("hi", 2), key: "wrong"), HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync(ServerTestHost.Chat("hi", 2), key: "sesame")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Http.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await host.Http.GetAsync("/v1/models")).StatusCode);
    }

    [Fact]
    public async Task Oversized_bodies_get_413_unknown_routes_404_wrong_methods_405()
    {
        await using var host = await ServerTestHost.StartAsync(configure: o => o with { MaxBodyBytes = 4096 });
        // Expect: 100-continue lets the server refuse on Content-Length before the client sends the body (no broken pipe).
        var big = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(ServerTestHost.Chat(new string('a', 10_000), 2)) };
        big.Headers.ExpectContinue = true;
        await ErrorOf(await host.Http.SendAsync(big), HttpStatusCode.RequestEntityTooLarge);
        // Chunked upload with no Content-Length: the limit is enforced while reading.
        var chunked = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StreamContent(new MemoryStream(new byte[6_000])) };
        chunked.Headers.TransferEncodingChunked = true;
        await ErrorOf(await host.Http.SendAsync(chunked), HttpStatusCode.RequestEntityTooLarge);
        await ErrorOf(await host.Http.GetAsync("/v1/nothing"), HttpStatusCode.NotFound);
        await ErrorOf(await host.Http.GetAsync("/v1/chat/completions"), HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task A_full_queue_answers_429_with_retry_after()
    {
        await using var host = await ServerTestHost.StartAsync(configure: o => o with { MaxBatch = 1, MaxQueue = 1, StepDelay = TimeSpan.FromMilliseconds(20) });
        using var cts = new CancellationTokenSource();
        var slow = Enumerable.Range(0, 3).Select(_ => host.PostAsync(ServerTestHost.Chat("hi", 60, ""","thinking_budget":0"""))).ToList();
        // Wait for one running and one queued request (a loaded machine may take a while to send them), not a fixed time.
        var scheduler = host.Server.Scheduler;
        for (int i = 0; i < 500 && !(scheduler.RunningSequences == 1 && scheduler.QueuedJobs == 1); i++) await Task.Delay(20);
        Assert.True(scheduler.RunningSequences == 1 && scheduler.QueuedJobs == 1, $"running {scheduler.RunningSequences}, queued {scheduler.QueuedJobs}");
        using var refused = await host.PostAsync(ServerTestHost.Chat("hi", 2));
        var error = await ErrorOf(refused, HttpStatusCode.TooManyRequests);
        Assert.Equal("1", refused.Headers.RetryAfter!.Delta!.Value.TotalSeconds.ToString());
        Assert.Equal("queue_full", error.GetProperty("code").GetString());
        foreach (var r in slow) (await r).Dispose();
    }

    [Fact]
    public async Task A_thousand_random_and_malformed_bodies_do_not_break_the_server()
    {
        await using var host = await ServerTestHost.StartAsync();
        var rng = new Random(2024);
        int served = 0;
        for (int i = 0; i < 1000; i++)
        {
            string body = RandomBody(rng);
            using var response = await host.PostAsync(body);
            int status = (int)response.StatusCode;
            string text = await response.Content.ReadAsStringAsync();
            Assert.True(status is 200 or 400 or 413, $"body {i} {body}: {status} {text}");
            if (status != 200) Assert.True(JsonDocument.Parse(text).RootElement.TryGetProperty("error", out _), text);
            else served++;
        }
        var ok = await host.PostJsonAsync(ServerTestHost.Chat("still alive?", 3));
        Assert.Equal(3, ok.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.True(served > 10, $"only {served} fuzzed bodies were valid requests");
    }

    // Mutations of a valid body (small max_tokens kept so valid ones stay cheap), random JSON values and raw bytes.
    static string RandomBody(Random rng)
    {
        string[] values = ["null", "true", "-1", "0", "1e309", "3.5", "\"\"", "\"x\"", "[]", "{}", "[1,\"a\"]", "{\"a\":{}}", "99999999999999999999", "\"\\ud800\""];
        string[] fields = ["model", "messages", "temperature", "top_p", "top_k", "n", "seed", "stop", "stream", "stream_options", "thinking_budget",
            "reasoning_effort", "max_completion_tokens", "presence_penalty", "frequency_penalty"];
        string Value() => values[rng.Next(values.Length)];
        switch (rng.Next(5))
        {
            case 0:
                var bytes = new byte[rng.Next(0, 64)];
                rng.NextBytes(bytes);
                return Encoding.Latin1.GetString(bytes);
            case 1:
                string valid = ServerTestHost.Chat("hi", 2);
                return valid[..rng.Next(valid.Length)];
            case 2:
                return $$"""{"model":"test-model","max_tokens":2,"messages":[{"role":"user","content":"hi"}],"{{fields[rng.Next(fields.Length)]}}":{{Value()}}}""";
            case 3:
                return $$"""{"model":"test-model","max_tokens":2,"messages":[{"role":{{Value()}},"content":{{Value()}}}]}""";
            default:
                const string alphabet = "{}[]\":,0a \\";
                return new string(Enumerable.Range(0, rng.Next(1, 40)).Select(_ => alphabet[rng.Next(alphabet.Length)]).ToArray());
        }
    }
}
