// A scripted OpenAI-compatible chat completions server on a loopback port (ASP.NET Core minimal host): each request's
// seed (= problem·K + sample, with base seed 0) picks a scripted reply, and per-(problem, sample) fault queues send a
// 429 (Retry-After), a 500 or a non-JSON 200 before the real reply. Every request is logged with its body.
using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace R1Sharp.Tests.Evaluation;

/// <summary>One scripted completion: content, optional reasoning, usage token counts.</summary>
public sealed record FakeReply(string? Content, string? Reasoning = null, int CompletionTokens = 0, int ReasoningTokens = 0);

/// <summary>A scripted failure sent instead of the reply, once.</summary>
public enum FakeFault { TooManyRequests, ServerError, NotJson }

/// <summary>A logged request: when, which problem and sample, the parsed body, the Authorization header, the status sent.</summary>
public sealed record FakeRequest(DateTime At, int Problem, int Sample, JsonElement Body, string? Authorization, int Status);

public sealed class FakeChatEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly int _k;

    /// <summary>Replies by [problem][sample].</summary>
    public required FakeReply[][] Replies { get; init; }
    public ConcurrentDictionary<(int Problem, int Sample), ConcurrentQueue<FakeFault>> Faults { get; } = new();
    public ConcurrentQueue<FakeRequest> Log { get; } = new();
    /// <summary>When set, requests without "Bearer KEY" get 401.</summary>
    public string? RequiredKey { get; init; }
    /// <summary>Retry-After seconds sent with a 429.</summary>
    public int RetryAfterSeconds { get; init; } = 1;

    private FakeChatEndpoint(int k)
    {
        _k = k;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapPost("/v1/chat/completions", HandleAsync);
    }

    /// <summary>Starts a server whose requests carry seeds problem·<paramref name="k"/> + sample.</summary>
    public static async Task<FakeChatEndpoint> StartAsync(int k, FakeReply[][] replies, string? requiredKey = null)
    {
        var fake = new FakeChatEndpoint(k) { Replies = replies, RequiredKey = requiredKey };
        await fake._app.StartAsync();
        return fake;
    }

    public Uri Address => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public void AddFault(int problem, int sample, params FakeFault[] faults)
    {
        var queue = Faults.GetOrAdd((problem, sample), _ => new ConcurrentQueue<FakeFault>());
        foreach (var f in faults) queue.Enqueue(f);
    }

    private async Task HandleAsync(HttpContext http)
    {
        using var doc = await JsonDocument.ParseAsync(http.Request.Body);
        var body = doc.RootElement.Clone();
        long seed = body.GetProperty("seed").GetInt64();
        int problem = (int)(seed / _k), sample = (int)(seed % _k);
        string? auth = http.Request.Headers.Authorization.FirstOrDefault();
        int status = 200;
        string text;
        if (RequiredKey is not null && auth != "Bearer " + RequiredKey)
            (status, text) = (401, """{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}""");
        else if (Faults.TryGetValue((problem, sample), out var queue) && queue.TryDequeue(out var fault))
        {
            (status, text) = fault switch
            {
                FakeFault.TooManyRequests => (429, """{"error":{"message":"rate limited"}}"""),
                FakeFault.ServerError => (500, """{"error":{"message":"engine crashed"}}"""),
                _ => (200, "<html>gateway hiccup</html>"),
            };
            if (fault == FakeFault.TooManyRequests) http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else text = Completion(Replies[problem][sample], body.GetProperty("model").GetString()!);
        Log.Enqueue(new FakeRequest(DateTime.UtcNow, problem, sample, body, auth, status));
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(text);
    }

    private static string Completion(FakeReply r, string model)
    {
        var message = new Dictionary<string, object?> { ["role"] = "assistant", ["content"] = r.Content };
        if (r.Reasoning is not null) message["reasoning_content"] = r.Reasoning;
        return JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["id"] = "chatcmpl-fake", ["object"] = "chat.completion", ["model"] = model,
            ["choices"] = new[] { new Dictionary<string, object?> { ["index"] = 0, ["message"] = message, ["finish_reason"] = "stop" } },
            ["usage"] = new Dictionary<string, object?>
            {
                ["prompt_tokens"] = 20, ["completion_tokens"] = r.CompletionTokens, ["total_tokens"] = 20 + r.CompletionTokens,
                ["completion_tokens_details"] = new Dictionary<string, object?> { ["reasoning_tokens"] = r.ReasoningTokens },
            },
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
