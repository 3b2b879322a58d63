// The chat completions protocol on a real Kestrel server: response and chunk shapes, reasoning under both names,
// usage with reasoning tokens, thinking budget / reasoning_effort, stop, n, seed, history reasoning dropped, routes.
using System.Text.Json;

namespace R1Sharp.Tests.Server;

public sealed class ChatCompletionsTests
{
    [Fact]
    public async Task Non_streaming_response_splits_reasoning_and_content_and_counts_reasoning_tokens()
    {
        await using var host = await ServerTestHost.StartAsync();
        var r = await host.PostJsonAsync(ServerTestHost.Chat("hi", 12, ""","thinking_budget":3,"temperature":0"""));
        Assert.Equal("chat.completion", r.GetProperty("object").GetString());
        Assert.Equal(ServerTestHost.ModelId, r.GetProperty("model").GetString());
        var choice = r.GetProperty("choices")[0];
        var message = choice.GetProperty("message");
        Assert.Equal("assistant", message.GetProperty("role").GetString());
        Assert.Equal("xxx\n", message.GetProperty("reasoning_content").GetString());
        Assert.Equal("xxx\n", message.GetProperty("reasoning").GetString());
        Assert.StartsWith("xx", message.GetProperty("content").GetString());
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        var usage = r.GetProperty("usage");
        Assert.Equal(12, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(3, usage.GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt32());
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32() + 12, usage.GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task Streaming_sends_role_then_reasoning_then_content_then_finish_usage_and_done()
    {
        await using var host = await ServerTestHost.StartAsync();
        using var response = await host.PostAsync(ServerTestHost.Chat("hi", 10, ""","thinking_budget":2,"stream":true,"stream_options":{"include_usage":true}"""));
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var events = ServerTestHost.SseData(await response.Content.ReadAsStringAsync());
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e).RootElement).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        Assert.Equal("assistant", chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        var deltas = chunks.Where(c => c.GetProperty("choices").GetArrayLength() > 0).Select(c => c.GetProperty("choices")[0].GetProperty("delta")).ToList();
        string reasoning = string.Concat(deltas.Select(d => d.TryGetProperty("reasoning_content", out var v) ? v.GetString() : ""));
        string reasoningAlias = string.Concat(deltas.Select(d => d.TryGetProperty("reasoning", out var v) ? v.GetString() : ""));
        string content = string.Concat(deltas.Select(d => d.TryGetProperty("content", out var v) ? v.GetString() : ""));
        Assert.Equal("xx\n", reasoning);
        Assert.Equal(reasoning, reasoningAlias);
        Assert.StartsWith("xx", content);
        int lastReasoning = deltas.FindLastIndex(d => d.TryGetProperty("reasoning_content", out _));
        int firstContent = deltas.FindIndex(d => d.TryGetProperty("content", out var v) && v.GetString()!.Length > 0);
        Assert.True(lastReasoning < firstContent);
        var finish = chunks[^2].GetProperty("choices")[0];
        Assert.Equal("length", finish.GetProperty("finish_reason").GetString());
        var usage = chunks[^1];
        Assert.Equal(0, usage.GetProperty("choices").GetArrayLength());
        Assert.Equal(2, usage.GetProperty("usage").GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt32());
        Assert.Equal(JsonValueKind.Null, chunks[1].GetProperty("usage").ValueKind);
    }

    [Theory]
    [InlineData("none", 0)]
    [InlineData("low", 512)]
    public async Task Reasoning_effort_maps_to_the_documented_budget(string effort, int budget)
    {
        await using var host = await ServerTestHost.StartAsync();
        var r = await host.PostJsonAsync(ServerTestHost.Chat("hi", 8, $$""","reasoning_effort":"{{effort}}","stream":false"""));
        int reasoningTokens = r.GetProperty("usage").GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt32();
        Assert.Equal(Math.Min(budget, 8), reasoningTokens);
    }

    [Fact]
    public async Task Stop_strings_n_and_seed_are_honoured()
    {
        await using var host = await ServerTestHost.StartAsync();
        var stopped = await host.PostJsonAsync(ServerTestHost.Chat("hi", 20, ""","thinking_budget":0,"stop":["xxx"]"""));
        var choice = stopped.GetProperty("choices")[0];
        Assert.Equal(("", "stop"), (choice.GetProperty("message").GetProperty("content").GetString(), choice.GetProperty("finish_reason").GetString()));

        var many = await host.PostJsonAsync(ServerTestHost.Chat("hi", 4, ""","n":3"""));
        Assert.Equal([0, 1, 2], many.GetProperty("choices").EnumerateArray().Select(c => c.GetProperty("index").GetInt32()));
        Assert.Equal(12, many.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Same_seed_gives_the_same_sampled_answer_on_a_random_model()
    {
        await using var host = await ServerTestHost.StartAsync(Generation.GeneratorTestKit.RandomModel(seed: 31));
        string body = ServerTestHost.Chat("hello", 16, ""","seed":1234,"temperature":1.0""");
        var a = await host.PostJsonAsync(body);
        var b = await host.PostJsonAsync(body);
        Assert.Equal(a.GetProperty("choices")[0].GetProperty("message").GetRawText(), b.GetProperty("choices")[0].GetProperty("message").GetRawText());
    }

    [Fact]
    public async Task Reasoning_content_sent_back_in_history_is_not_fed_to_the_model()
    {
        await using var host = await ServerTestHost.StartAsync(Generation.GeneratorTestKit.RandomModel(seed: 32));
        string Body(string extra) => $$"""{"model":"test-model","max_tokens":8,"temperature":0,"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"{{extra}}},{"role":"user","content":"c"}]}""";
        var plain = await host.PostJsonAsync(Body(""));
        var withReasoning = await host.PostJsonAsync(Body(""","reasoning_content":"long hidden thoughts","reasoning":"more" """));
        Assert.Equal(plain.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), withReasoning.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(plain.GetProperty("choices").GetRawText(), withReasoning.GetProperty("choices").GetRawText());
    }

    [Fact]
    public async Task Models_health_metrics_and_the_request_log_work()
    {
        await using var host = await ServerTestHost.StartAsync();
        var models = JsonDocument.Parse(await host.Http.GetStringAsync("/v1/models")).RootElement;
        Assert.Equal(ServerTestHost.ModelId, models.GetProperty("data")[0].GetProperty("id").GetString());
        Assert.Equal("""{"status":"ok"}""", await host.Http.GetStringAsync("/health"));
        await host.PostJsonAsync(ServerTestHost.Chat("hi", 5));
        string metrics = await host.Http.GetStringAsync("/metrics");
        foreach (var name in new[] { "r1_requests_total", "r1_prompt_tokens_total", "r1_completion_tokens_total 5", "r1_queue_depth 0",
                     "r1_running_sequences 0", "r1_time_to_first_token_seconds_count 1", "r1_tokens_per_second" })
            Assert.Contains(name, metrics);
        Assert.Contains("POST /v1/chat/completions 200", host.LogText);
        Assert.Contains("completion=5", host.LogText);
        var page = await host.Http.GetStringAsync("/");
        Assert.Contains("<html", page, StringComparison.OrdinalIgnoreCase);
    }
}
