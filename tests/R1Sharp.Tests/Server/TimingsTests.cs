// llama-server's `timings` in chat completions: on the completion object, on the last chunk of a stream (the usage
// chunk when include_usage asks for one), and ignore_eos for fixed-length runs.
using System.Net;
using System.Text.Json;
using R1Sharp.Tests.Generation;

namespace R1Sharp.Tests.Server;

public sealed class TimingsTests
{
    [Fact]
    public async Task A_completion_carries_timings_counting_the_prompt_once_and_every_sample()
    {
        await using var host = await ServerTestHost.StartAsync();
        var r = await host.PostJsonAsync(ServerTestHost.Chat("hi", 5, ""","n":2"""));
        var usage = r.GetProperty("usage");
        var timings = r.GetProperty("timings");
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32(), timings.GetProperty("prompt_n").GetInt32());
        Assert.Equal(10, timings.GetProperty("predicted_n").GetInt32());
        foreach (var name in new[] { "prompt_ms", "prompt_per_token_ms", "prompt_per_second", "predicted_ms", "predicted_per_token_ms", "predicted_per_second" })
            Assert.True(timings.GetProperty(name).GetDouble() > 0, name);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Only_the_last_chunk_of_a_stream_carries_timings(bool includeUsage)
    {
        await using var host = await ServerTestHost.StartAsync();
        string extra = includeUsage ? ""","stream":true,"n":2,"stream_options":{"include_usage":true}""" : ""","stream":true,"n":2""";
        using var response = await host.PostAsync(ServerTestHost.Chat("hi", 4, extra));
        var events = ServerTestHost.SseData(await response.Content.ReadAsStringAsync());
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e).RootElement).ToList();
        Assert.Equal([chunks.Count - 1], chunks.Select((c, i) => (c, i)).Where(p => p.c.TryGetProperty("timings", out _)).Select(p => p.i));
        var last = chunks[^1];
        Assert.Equal(includeUsage ? 0 : 1, last.GetProperty("choices").GetArrayLength());
        if (!includeUsage) Assert.Equal("length", last.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(8, last.GetProperty("timings").GetProperty("predicted_n").GetInt32());
    }

    [Fact]
    public async Task Ignore_eos_keeps_a_model_that_always_predicts_eos_going_to_max_tokens()
    {
        await using var host = await ServerTestHost.StartAsync(GeneratorTestKit.ConstantModel(GeneratorTestKit.EosId));
        var stopped = await host.PostJsonAsync(ServerTestHost.Chat("hi", 12));
        Assert.Equal(1, stopped.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal("stop", stopped.GetProperty("choices")[0].GetProperty("finish_reason").GetString());

        var full = await host.PostJsonAsync(ServerTestHost.Chat("hi", 12, ""","ignore_eos":true"""));
        Assert.Equal(12, full.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(12, full.GetProperty("timings").GetProperty("predicted_n").GetInt32());
        Assert.Equal("length", full.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Ignore_eos_that_is_not_a_boolean_gets_400_naming_it()
    {
        await using var host = await ServerTestHost.StartAsync();
        using var response = await host.PostAsync(ServerTestHost.Chat("hi", 4, ""","ignore_eos":"yes" """));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("ignore_eos", error.GetProperty("param").GetString());
    }
}
