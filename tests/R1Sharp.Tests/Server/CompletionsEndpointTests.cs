// POST /v1/completions on a real `r1 serve` (tiny-qwen2, loopback): text_completion objects, SSE chunks, refusals.
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace R1Sharp.Tests.Server;

public sealed class CompletionsEndpointTests(ServeProcess serve) : IClassFixture<ServeProcess>
{
    HttpClient Http()
    {
        var http = new HttpClient { BaseAddress = serve.Address };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ServeProcess.Key);
        return http;
    }

    async Task<(int Status, string Body)> Post(string json)
    {
        using var http = Http();
        using var response = await http.PostAsync("v1/completions", new StringContent(json, Encoding.UTF8, "application/json"));
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_prompt_gets_text_and_the_stream_says_the_same()
    {
        const string request = """{"model":"tiny-qwen2","prompt":"Once upon a time","max_tokens":6,"seed":3,"temperature":0.8""";
        var (status, body) = await Post(request + "}");
        Assert.Equal(200, status);
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        Assert.Equal("text_completion", root.GetProperty("object").GetString());
        Assert.StartsWith("cmpl-", root.GetProperty("id").GetString());
        var choice = root.GetProperty("choices")[0];
        string text = choice.GetProperty("text").GetString()!;
        Assert.Contains(choice.GetProperty("finish_reason").GetString(), new[] { "stop", "length" });
        Assert.True(root.GetProperty("usage").GetProperty("completion_tokens").GetInt32() is > 0 and <= 6);

        var (streamStatus, events) = await Post(request + ""","stream":true,"stream_options":{"include_usage":true}}""");
        Assert.Equal(200, streamStatus);
        var chunks = events.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e["data: ".Length..]).ToList();
        Assert.Equal("[DONE]", chunks[^1]);
        var objects = chunks[..^1].Select(c => JsonDocument.Parse(c).RootElement).ToList();
        string streamed = string.Concat(objects.Where(o => o.GetProperty("choices").GetArrayLength() > 0)
            .Select(o => o.GetProperty("choices")[0].GetProperty("text").GetString()));
        Assert.Equal(text.Replace("<think>", "").Replace("</think>", ""), streamed.Replace("<think>", "").Replace("</think>", ""));
        Assert.True(objects[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32() > 0);
    }

    [Fact]
    public async Task Logprobs_zero_and_return_token_ids_give_each_sampled_token_its_id_and_log_prob()
    {
        const string request = """{"model":"tiny-qwen2","prompt":"Once upon a time","max_tokens":6,"seed":3,"n":2,"logprobs":0,"return_token_ids":true}""";
        var (status, body) = await Post(request);
        Assert.Equal(200, status);
        using var doc = JsonDocument.Parse(body);
        Assert.True(doc.RootElement.GetProperty("prompt_token_ids").GetArrayLength() > 0);
        foreach (var choice in doc.RootElement.GetProperty("choices").EnumerateArray())
        {
            int tokens = choice.GetProperty("token_ids").GetArrayLength();
            var logprobs = choice.GetProperty("logprobs");
            Assert.InRange(tokens, 1, 6);
            Assert.Equal(tokens, logprobs.GetProperty("token_logprobs").GetArrayLength());
            Assert.Equal(tokens, logprobs.GetProperty("tokens").GetArrayLength());
            Assert.Equal(tokens, logprobs.GetProperty("text_offset").GetArrayLength());
            Assert.Equal(JsonValueKind.Null, logprobs.GetProperty("top_logprobs").ValueKind);
            Assert.All(logprobs.GetProperty("token_logprobs").EnumerateArray(), lp => Assert.InRange(lp.GetDouble(), -100, 0));
        }
        // Without the fields the reply is as before.
        (status, body) = await Post("""{"model":"tiny-qwen2","prompt":"Once upon a time","max_tokens":2}""");
        using var plain = JsonDocument.Parse(body);
        Assert.Equal(JsonValueKind.Null, plain.RootElement.GetProperty("choices")[0].GetProperty("logprobs").ValueKind);
        Assert.False(plain.RootElement.GetProperty("choices")[0].TryGetProperty("token_ids", out _));
    }

    [Theory]
    [InlineData("\"logprobs\":0,\"stream\":true", "logprobs")]
    [InlineData("\"return_token_ids\":true,\"stream\":true", "return_token_ids")]
    [InlineData("\"echo\":true", "echo")]
    [InlineData("\"suffix\":\"end\"", "suffix")]
    [InlineData("\"best_of\":3", "best_of")]
    [InlineData("\"logprobs\":2", "logprobs")]
    [InlineData("\"messages\":[]", "messages")]
    [InlineData("\"prompt\":[1,2,3]", "prompt")]
    [InlineData("\"logit_bias\":{\"999999\":1}", "logit_bias")]
    public async Task Unsupported_fields_are_refused_by_name(string field, string param)
    {
        string prompt = field.StartsWith("\"prompt\"", StringComparison.Ordinal) ? "" : "\"prompt\":\"hi\",";
        var (status, body) = await Post("{\"model\":\"tiny-qwen2\"," + prompt + field + "}");
        Assert.Equal(400, status);
        using var doc = JsonDocument.Parse(body);
        Assert.Equal(param, doc.RootElement.GetProperty("error").GetProperty("param").GetString());
    }
}
