// Real clients against a real `r1 serve` process on a loopback port: the official OpenAI .NET SDK (OpenAI 2.15.0),
// streaming and not, with an API key; and Microsoft.Extensions.AI.OpenAI's IChatClient reading reasoning_content.
#pragma warning disable OPENAI001 // Seed and reasoning effort are marked experimental in the SDK
using System.ClientModel;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;
using ChatFinishReason = OpenAI.Chat.ChatFinishReason;
using ChatRole = Microsoft.Extensions.AI.ChatRole;
using R1Sharp.Tests.Cli;

namespace R1Sharp.Tests.Server;

/// <summary>One `r1 serve --model models/tiny-qwen2 --port 0 --api-key KEY` process for the class.</summary>
public sealed class ServeProcess : IDisposable
{
    public const string Key = "test-key-123";
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public ServeProcess() : this(null) { }

    /// <summary>Starts the server with extra environment variables (e.g. the GC-stress hook) and batch size.</summary>
    internal ServeProcess(IReadOnlyDictionary<string, string>? environment, int maxBatch = 4, bool apiKey = true)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, StandardOutputEncoding = Encoding.UTF8 };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "r1.dll"), "serve", "--model", Path.Combine(RepoPaths.Root, "models", "tiny-qwen2"),
                     "--port", "0", "--max-batch", maxBatch.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            info.ArgumentList.Add(a);
        if (apiKey) { info.ArgumentList.Add("--api-key"); info.ArgumentList.Add(Key); }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        _process = Process.Start(info)!;
        _process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.BeginErrorReadLine();
        var ready = new TaskCompletionSource<Uri>();
        _process.OutputDataReceived += (_, e) =>
        {
            lock (_output) _output.AppendLine(e.Data);
            // "serving tiny-qwen2 on http://127.0.0.1:PORT/ (...)"
            if (e.Data?.StartsWith("serving ", StringComparison.Ordinal) == true) ready.TrySetResult(new Uri(e.Data.Split(' ')[3]));
        };
        _process.BeginOutputReadLine();
        if (!ready.Task.Wait(TimeSpan.FromMinutes(2))) { Dispose(); throw new TimeoutException("r1 serve did not start: " + Output); }
        Address = ready.Task.Result;
    }

    public Uri Address { get; }
    public string Output { get { lock (_output) return _output.ToString(); } }

    public ChatClient Client(string key = Key) =>
        new("tiny-qwen2", new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(Address, "v1") });

    public void Dispose()
    {
        if (!_process.HasExited) { _process.Kill(entireProcessTree: true); _process.WaitForExit(10_000); }
        _process.Dispose();
    }
}

public sealed class OpenAiClientTests(ServeProcess serve) : IClassFixture<ServeProcess>
{
    static ChatCompletionOptions Options(int maxTokens) => new()
    {
        MaxOutputTokenCount = maxTokens,
        Seed = 7,
        Temperature = 0.7f,
        // "none" → thinking budget 0: the answer starts at once (R1Sharp's reasoning_effort mapping).
        ReasoningEffortLevel = new ChatReasoningEffortLevel("none"),
    };

    [Fact]
    public async Task Openai_sdk_non_streaming_completion_parses()
    {
        ChatCompletion completion = await serve.Client().CompleteChatAsync([new UserChatMessage("What is 2+2?")], Options(16));
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.Equal("tiny-qwen2", completion.Model);
        Assert.Contains(completion.FinishReason, new[] { ChatFinishReason.Stop, ChatFinishReason.Length });
        Assert.True(completion.Usage.OutputTokenCount is > 0 and <= 16);
        Assert.Equal(0, completion.Usage.OutputTokenDetails.ReasoningTokenCount);
        Assert.Contains("POST /v1/chat/completions 200", serve.Output);
    }

    [Fact]
    public async Task Openai_sdk_streams_updates_finish_reason_and_usage()
    {
        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        await foreach (var update in serve.Client().CompleteChatStreamingAsync([new UserChatMessage("Hello")], Options(12)))
        {
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }
        Assert.NotNull(finish);
        Assert.NotNull(usage);
        Assert.True(usage!.OutputTokenCount is > 0 and <= 12);
    }

    [Fact]
    public async Task Openai_sdk_with_a_wrong_key_gets_401()
    {
        var e = await Assert.ThrowsAsync<ClientResultException>(() => serve.Client("wrong").CompleteChatAsync([new UserChatMessage("hi")], Options(2)));
        Assert.Equal(401, e.Status);
    }

    [Fact]
    public async Task Meai_openai_chat_client_reads_reasoning_content_as_text_reasoning_content()
    {
        IChatClient chat = serve.Client().AsIChatClient();
        // Unlimited thinking on a random model: the 10 tokens are (almost surely) all reasoning.
        var response = await chat.GetResponseAsync([new Microsoft.Extensions.AI.ChatMessage(ChatRole.User, "Think about it")],
            new ChatOptions { MaxOutputTokens = 10, Seed = 3 });
        var reasoning = response.Messages.SelectMany(m => m.Contents).OfType<TextReasoningContent>().ToList();
        Assert.NotEmpty(reasoning);
        Assert.False(string.IsNullOrEmpty(string.Concat(reasoning.Select(r => r.Text))));

        var streamed = new StringBuilder();
        await foreach (var update in chat.GetStreamingResponseAsync([new Microsoft.Extensions.AI.ChatMessage(ChatRole.User, "Again")],
                           new ChatOptions { MaxOutputTokens = 10, Seed = 3 }))
            foreach (var r in update.Contents.OfType<TextReasoningContent>()) streamed.Append(r.Text);
        Assert.NotEqual("", streamed.ToString());
    }

    [Fact]
    public async Task Openai_sdk_gets_schema_valid_json_streamed_and_not()
    {
        var options = Options(300);
        options.Temperature = 1f;
        options.ResponseFormat = OpenAI.Chat.ChatResponseFormat.CreateJsonSchemaFormat("verdict", BinaryData.FromString(R1Sharp.Tests.Serving.VerdictSchema.Verdict),
            jsonSchemaIsStrict: true);
        for (int seed = 0; seed < 3; seed++)
        {
            options.Seed = seed;
            ChatCompletion completion = await serve.Client().CompleteChatAsync([new UserChatMessage("Is it?")], options);
            Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
            R1Sharp.Tests.Serving.VerdictSchema.AssertVerdict(completion.Content[0].Text);
        }
        var text = new StringBuilder();
        await foreach (var update in serve.Client().CompleteChatStreamingAsync([new UserChatMessage("Is it?")], options))
            foreach (var part in update.ContentUpdate) text.Append(part.Text);
        R1Sharp.Tests.Serving.VerdictSchema.AssertVerdict(text.ToString());
    }

    [Fact]
    public async Task Openai_sdk_gets_400_naming_an_unsupported_schema_keyword()
    {
        var options = Options(10);
        options.ResponseFormat = OpenAI.Chat.ChatResponseFormat.CreateJsonSchemaFormat("s",
            BinaryData.FromString("""{"type":"object","properties":{"n":{"type":"integer","minimum":0}},"required":["n"],"additionalProperties":false}"""),
            jsonSchemaIsStrict: true);
        var e = await Assert.ThrowsAsync<ClientResultException>(() => serve.Client().CompleteChatAsync([new UserChatMessage("hi")], options));
        Assert.Equal(400, e.Status);
        Assert.Contains("response_format.json_schema.schema.properties.n.minimum", e.Message);
    }

    [Fact]
    public async Task Openai_sdk_reads_logprobs_and_top_logprobs_streamed_and_not()
    {
        var options = Options(12);
        options.IncludeLogProbabilities = true;
        options.TopLogProbabilityCount = 3;
        ChatCompletion completion = await serve.Client().CompleteChatAsync([new UserChatMessage("Hello")], options);
        var entries = completion.ContentTokenLogProbabilities;
        Assert.NotEmpty(entries);
        foreach (var e in entries)
        {
            Assert.Equal(3, e.TopLogProbabilities.Count);
            Assert.True(e.LogProbability <= 0 && e.TopLogProbabilities[0].LogProbability >= e.LogProbability);
            Assert.True(e.TopLogProbabilities.Zip(e.TopLogProbabilities.Skip(1)).All(p => p.First.LogProbability >= p.Second.LogProbability));
        }
        string written = Encoding.UTF8.GetString([.. entries.SelectMany(e => e.Utf8Bytes!.Value.ToArray())]);
        Assert.Equal(completion.Content[0].Text.TrimStart(), written.TrimStart());

        var streamed = new List<ChatTokenLogProbabilityDetails>();
        await foreach (var update in serve.Client().CompleteChatStreamingAsync([new UserChatMessage("Hello")], options))
            streamed.AddRange(update.ContentTokenLogProbabilities);
        Assert.Equal(entries.Select(e => (e.Token, e.LogProbability)), streamed.Select(e => (e.Token, e.LogProbability)));
    }

    [Fact]
    public async Task Openai_sdk_logit_bias_forces_a_token_and_out_of_vocabulary_ids_get_400()
    {
        var tokenizer = R1Sharp.Text.HfTokenizer.Load(Path.Combine(RepoPaths.Root, "models", "tiny-qwen2"));
        int x = tokenizer.TokenToId("x")!.Value;
        var options = Options(12);
        options.LogitBiases.Add(x, 100);
        ChatCompletion completion = await serve.Client().CompleteChatAsync([new UserChatMessage("Hello")], options);
        Assert.Matches("^x+$", completion.Content[0].Text);

        var bad = Options(4);
        bad.LogitBiases.Add(1_000_000, 5);
        var e = await Assert.ThrowsAsync<ClientResultException>(() => serve.Client().CompleteChatAsync([new UserChatMessage("hi")], bad));
        Assert.Equal(400, e.Status);
        Assert.Contains("logit_bias", e.Message);
    }

    [Fact]
    public async Task Enable_thinking_false_prefills_an_empty_thinking_block()
    {
        using var http = new HttpClient { BaseAddress = serve.Address };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ServeProcess.Key);
        string body = """{"model":"tiny-qwen2","messages":[{"role":"user","content":"hi"}],"max_tokens":8,"seed":1,"chat_template_kwargs":{"enable_thinking":false}}""";
        using var response = await http.PostAsync("v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        using var doc = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var usage = doc.RootElement.GetProperty("usage");
        Assert.Equal(0, usage.GetProperty("completion_tokens_details").GetProperty("reasoning_tokens").GetInt32());
        Assert.Equal("", doc.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("reasoning_content").GetString());
        Assert.True(usage.GetProperty("completion_tokens").GetInt32() > 0);
    }
}
