// OpenAiEvalClient + EvalRunner against the scripted fake endpoint: metrics checked exactly against hand-computed
// values (right, wrong, malformed, reasoning-only, 429/500/non-JSON then success), request shape, resumability, errors.
using R1Sharp.Evaluation;
using R1Sharp.Data;

namespace R1Sharp.Tests.Evaluation;

public class RemoteEvalTests
{
    const int K = 4;

    internal static readonly Problem[] Problems =
    [
        new("p0", "Natalia sold 48 clips in April and half as many in May. How many in total?", "72", null, "test"),
        new("p1", "Weng earns $12 an hour. How much for 50 minutes?", "10", null, "test"),
        new("p2", "What is 2 + 3?", "5", null, "test"),
        new("p3", "Find the number of ordered pairs.", "117", null, "test"),
    ];

    // Lengths: completion tokens (p+1)·10 + s, reasoning tokens s → means 26.5 and 1.5 over the 16 samples.
    static FakeReply R(int p, int s, string? content, string? reasoning = null) => new(content, reasoning, (p + 1) * 10 + s, s);

    // Hand-graded (see each line):
    //   p0 gold 72: 72, 72, 70, unbalanced box          → pass 2/4 = 0.5;  votes 72:2 70:1    → cons right
    //   p1 gold 10: 9, 10 (429 first), 9, 10.0          → pass 2/4 = 0.5;  9 reaches 2 first  → cons wrong (tie)
    //   p2 gold 5:  content 6 (reasoning says 5), reasoning-only 5 (content empty: full text graded),
    //               5 (500 first), 5.0 (non-JSON first) → pass 3/4 = 0.75; votes 5:3 6:1     → cons right
    //   p3 gold 117: no answers; the right one only in the reasoning while the content is not empty
    //                                                   → pass 0;           no votes         → cons wrong
    // Summary: pass@1 = (0.5 + 0.5 + 0.75 + 0) / 4 = 0.4375; cons@4 = 2/4 = 0.5.
    internal static FakeReply[][] Script() =>
    [
        [R(0, 0, @"So the total is \boxed{72}."), R(0, 1, @"\boxed{72}"), R(0, 2, @"\boxed{70}"), R(0, 3, @"The answer is \boxed{")],
        [R(1, 0, @"\boxed{9}"), R(1, 1, @"\boxed{10}"), R(1, 2, @"\boxed{9}"), R(1, 3, @"\boxed{10.0}")],
        [R(2, 0, @"\boxed{6}", @"2 + 3 = \boxed{5}"), R(2, 1, "", @"2 + 3 = 5, so \boxed{5}"), R(2, 2, @"\boxed{5}", "easy"), R(2, 3, @"\boxed{5.0}")],
        [R(3, 0, "I cannot solve this."), R(3, 1, "I give up.", @"maybe \boxed{117}"), R(3, 2, "no idea"), R(3, 3, @"\boxed{}")],
    ];

    internal static async Task<FakeChatEndpoint> StartScripted(bool faults = true, string? key = null)
    {
        var fake = await FakeChatEndpoint.StartAsync(K, Script(), key);
        if (faults)
        {
            fake.AddFault(1, 1, FakeFault.TooManyRequests);
            fake.AddFault(2, 2, FakeFault.ServerError);
            fake.AddFault(2, 3, FakeFault.NotJson);
        }
        return fake;
    }

    internal static OpenAiEvalClient Client(FakeChatEndpoint fake, int concurrency = 4, string? key = "sk-test", string suffix = "") => new(
        new OpenAiEvalClientOptions
        {
            Endpoint = fake.Address.ToString().TrimEnd('/') + suffix, ModelName = "fake-r1", ApiKey = key, Concurrency = concurrency,
            RetryBaseDelay = TimeSpan.FromMilliseconds(5), MaxRetries = 3,
        },
        new EvalOptions { K = K, Seed = 0, MaxNewTokens = 512 });

    [Fact]
    public async Task Remote_run_computes_pass_at_1_and_cons_at_k_exactly_through_retries()
    {
        await using var fake = await StartScripted();
        using var client = Client(fake);
        var result = await EvalRunner.RunAsync(client, Problems, K);

        Assert.Equal([0.5, 0.5, 0.75, 0.0], result.Records.Select(r => r.PassAt1));
        Assert.Equal([true, false, true, false], result.Records.Select(r => r.ConsAtK));
        Assert.Equal([true, true, false, false], result.Records[0].Correct);
        Assert.Equal([false, true, true, true], result.Records[2].Correct);
        Assert.Equal(["72", "72", "70", null], result.Records[0].Answers);
        Assert.Equal("5", result.Records[2].Answers[1]); // graded from the reasoning: the content was empty
        Assert.Null(result.Records[3].Answers[1]);        // the content was not empty: its reasoning is not graded
        Assert.Equal(["p0", "p1", "p2", "p3"], result.Records.Select(r => r.Id));
        Assert.StartsWith("<think>\n2 + 3 = ", result.Records[2].Completions[0]);

        var s = result.Summary;
        Assert.Equal((4, K), (s.Problems, s.K));
        Assert.Equal(0.4375, s.PassAt1);
        Assert.Equal(0.5, s.ConsAtK);
        Assert.Equal(26.5, s.MeanLength);
        Assert.Equal(1.5, s.MeanReasoningLength);

        var log = fake.Log.ToList();
        Assert.Equal(16 + 3, log.Count); // every sample once, plus the three scripted failures
        Assert.Equal(16 + 3, client.RequestsSent);
        Assert.Equal([429, 200], log.Where(r => (r.Problem, r.Sample) == (1, 1)).Select(r => r.Status));
        Assert.Equal([500, 200], log.Where(r => (r.Problem, r.Sample) == (2, 2)).Select(r => r.Status));
        Assert.Equal(2, log.Count(r => (r.Problem, r.Sample) == (2, 3)));
        // Retry-After: 1 was honoured although the backoff base is 5 ms.
        var limited = log.Where(r => (r.Problem, r.Sample) == (1, 1)).Select(r => r.At).ToList();
        Assert.True(limited[1] - limited[0] >= TimeSpan.FromSeconds(0.9), $"retried after {(limited[1] - limited[0]).TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Requests_follow_the_R1_protocol_and_accept_a_v1_base_url()
    {
        await using var fake = await StartScripted(faults: false);
        using var client = Client(fake, suffix: "/v1/");
        await EvalRunner.RunAsync(client, Problems[..1], K);
        var body = fake.Log.First().Body;
        Assert.Equal("fake-r1", body.GetProperty("model").GetString());
        var messages = body.GetProperty("messages").EnumerateArray().ToList();
        Assert.Single(messages); // no system prompt
        Assert.Equal("user", messages[0].GetProperty("role").GetString());
        Assert.Equal(Problems[0].Question + "\n" + EvalPrompt.DefaultInstruction, messages[0].GetProperty("content").GetString());
        Assert.Equal(0.6, body.GetProperty("temperature").GetDouble(), 5);
        Assert.Equal(0.95, body.GetProperty("top_p").GetDouble(), 5);
        Assert.Equal(512, body.GetProperty("max_tokens").GetInt32());
        Assert.Equal([0L, 1, 2, 3], fake.Log.Select(r => r.Body.GetProperty("seed").GetInt64()).Order());
        Assert.All(fake.Log, r => Assert.Equal("Bearer sk-test", r.Authorization));
    }

    [Fact]
    public async Task Concurrency_bounds_the_requests_in_flight()
    {
        await using var fake = await StartScripted(faults: false);
        using var client = Client(fake, concurrency: 1);
        var result = await EvalRunner.RunAsync(client, Problems, K);
        Assert.Equal(0.4375, result.Summary.PassAt1);
        // One at a time: the log is in seed order.
        Assert.Equal(Enumerable.Range(0, 16).Select(i => (long)i), fake.Log.Select(r => r.Body.GetProperty("seed").GetInt64()));
    }

    [Fact]
    public async Task A_wrong_key_is_a_one_line_error_without_retries()
    {
        await using var fake = await StartScripted(faults: false, key: "right-key");
        using var client = Client(fake, key: "wrong-key");
        var e = await Assert.ThrowsAsync<R1SharpException>(() => EvalRunner.RunAsync(client, Problems[..1], K));
        Assert.Contains("HTTP 401", e.Message);
        Assert.Contains("--api-key", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.InRange(fake.Log.Count, 1, K); // each sample asked once, none retried
    }

    [Fact]
    public async Task A_wrong_path_is_a_404_error_naming_the_endpoint()
    {
        await using var fake = await StartScripted(faults: false);
        using var client = Client(fake, suffix: "/api");
        var e = await Assert.ThrowsAsync<R1SharpException>(() => EvalRunner.RunAsync(client, Problems[..1], K));
        Assert.Contains("HTTP 404", e.Message);
        Assert.Contains("--endpoint", e.Message);
    }

    [Fact]
    public async Task An_unreachable_endpoint_fails_at_once_with_one_line()
    {
        int port;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0)) { probe.Start(); port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port; probe.Stop(); }
        using var client = new OpenAiEvalClient(new OpenAiEvalClientOptions { Endpoint = $"http://127.0.0.1:{port}", ModelName = "m" }, new EvalOptions { K = 2 });
        var started = DateTime.UtcNow;
        var e = await Assert.ThrowsAsync<R1SharpException>(() => EvalRunner.RunAsync(client, Problems[..1], 2));
        Assert.Contains("cannot reach the endpoint", e.Message);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Retry_delay_honours_retry_after_and_grows_with_jitter_within_the_cap()
    {
        var options = new OpenAiEvalClientOptions { Endpoint = "http://x", ModelName = "m", RetryBaseDelay = TimeSpan.FromSeconds(1), MaxRetryDelay = TimeSpan.FromSeconds(10) };
        Assert.Equal(TimeSpan.FromSeconds(3), OpenAiEvalClient.RetryDelay(0, new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(3)), options));
        Assert.Equal(TimeSpan.FromSeconds(10), OpenAiEvalClient.RetryDelay(0, new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(300)), options));
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var d = OpenAiEvalClient.RetryDelay(attempt, null, options).TotalSeconds;
            Assert.InRange(d, Math.Pow(2, attempt), 1.5 * Math.Pow(2, attempt));
        }
        Assert.Equal(TimeSpan.FromSeconds(10), OpenAiEvalClient.RetryDelay(8, null, options));
        Assert.True(OpenAiEvalClient.IsRetryable(System.Net.HttpStatusCode.TooManyRequests));
        Assert.True(OpenAiEvalClient.IsRetryable(System.Net.HttpStatusCode.BadGateway));
        Assert.False(OpenAiEvalClient.IsRetryable(System.Net.HttpStatusCode.Unauthorized));
    }

    [Theory]
    [InlineData("http://h:8000", "http://h:8000/v1/chat/completions")]
    [InlineData("http://h:8000/", "http://h:8000/v1/chat/completions")]
    [InlineData("https://api.deepseek.com/v1", "https://api.deepseek.com/v1/chat/completions")]
    public void Completions_url_appends_v1_only_when_missing(string endpoint, string expected) =>
        Assert.Equal(expected, new OpenAiEvalClientOptions { Endpoint = endpoint, ModelName = "m" }.CompletionsUri().ToString());

    [Fact]
    public void Reply_parsing_reads_reasoning_under_either_name_and_usage()
    {
        var vllm = OpenAiEvalClient.TryParseReply("""{"choices":[{"message":{"content":"\\boxed{3}","reasoning":"think"}}],"usage":{"completion_tokens":7}}""")!.Value;
        Assert.Equal("<think>\nthink\n</think>\n\n\\boxed{3}", vllm.Text);
        Assert.Equal("\\boxed{3}", vllm.Graded);
        Assert.Equal((7, 0), (vllm.CompletionTokens, vllm.ReasoningTokens));
        var inline = OpenAiEvalClient.TryParseReply("""{"choices":[{"message":{"content":"<think>x 4</think> \\boxed{3}"}}]}""")!.Value;
        Assert.Equal(" \\boxed{3}", inline.Graded); // a server that does not split reasoning: graded after </think>
        Assert.Null(OpenAiEvalClient.TryParseReply("""{"error":"x"}"""));
        Assert.Null(OpenAiEvalClient.TryParseReply("not json"));
    }
}
