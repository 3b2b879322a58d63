// Evaluation samples from any OpenAI-compatible chat completions endpoint (vLLM, SGLang, llama.cpp, DeepSeek API,
// `r1 serve`): K requests of n = 1 per problem (per-sample usage; n is not supported everywhere), bounded concurrency,
// retries with exponential backoff + jitter on 408/429/5xx, timeouts and dropped connections (Retry-After honoured).
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using R1Sharp.Data;
using R1Sharp.Rewards;

using R1Sharp.IO;

namespace R1Sharp.Evaluation;

/// <summary>Where and how <see cref="OpenAiEvalClient"/> connects.</summary>
public sealed record OpenAiEvalClientOptions
{
    /// <summary>Base URL: <c>http://host:port</c> or one already ending in <c>/v1</c>.</summary>
    public required string Endpoint { get; init; }
    /// <summary>The <c>model</c> field of each request.</summary>
    public required string ModelName { get; init; }
    /// <summary>Sent as <c>Authorization: Bearer KEY</c> when set.</summary>
    public string? ApiKey { get; init; }
    /// <summary>Requests in flight at most. Default 8.</summary>
    public int Concurrency { get; init; } = 8;
    /// <summary>Retries of one request after a transient failure. Default 6.</summary>
    public int MaxRetries { get; init; } = 6;
    /// <summary>First backoff delay (doubled each retry, plus up to 50% jitter). Default 1 s.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Longest wait between retries, Retry-After included. Default 60 s.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Time limit of one request (long reasoning takes minutes). Default 20 min.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(20);
    /// <summary>The instruction after the problem; default <see cref="EvalPrompt.DefaultInstruction"/>.</summary>
    public string? Instruction { get; init; } = EvalPrompt.DefaultInstruction;

    /// <summary>The chat completions URL: <c>{Endpoint}/v1/chat/completions</c>, or <c>{Endpoint}/chat/completions</c> when it ends in /v1.</summary>
    public Uri CompletionsUri()
    {
        string baseUrl = Endpoint.TrimEnd('/');
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            throw new R1SharpException($"--endpoint: '{Endpoint}' is not an http(s) URL; give e.g. http://localhost:8000 or https://api.deepseek.com/v1");
        return new Uri(baseUrl + (baseUrl.EndsWith("/v1", StringComparison.Ordinal) ? "" : "/v1") + "/chat/completions");
    }
}

/// <summary>An <see cref="IEvalBackend"/> over an OpenAI-compatible endpoint. Dispose to release the connection pool.</summary>
public sealed class OpenAiEvalClient : IEvalBackend, IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly OpenAiEvalClientOptions _client;
    private readonly EvalOptions _eval;
    private readonly Uri _uri;
    private readonly SemaphoreSlim _inFlight;
    private int _answered; // replies seen: connection refused before any reply is fatal at once (wrong URL, no server)

    /// <summary>A client; <paramref name="http"/> (not disposed) for tests, else one of its own.</summary>
    public OpenAiEvalClient(OpenAiEvalClientOptions client, EvalOptions eval, HttpClient? http = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _eval = (eval ?? throw new ArgumentNullException(nameof(eval))).Validate();
        if (client.Concurrency < 1) throw new R1SharpException($"--concurrency must be >= 1, got {client.Concurrency}");
        if (string.IsNullOrWhiteSpace(client.ModelName)) throw new R1SharpException("--model-name is required with --endpoint (the model the server serves)");
        _uri = client.CompletionsUri();
        _inFlight = new SemaphoreSlim(client.Concurrency, client.Concurrency);
        _ownsHttp = http is null;
        _http = http ?? new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(15), MaxConnectionsPerServer = client.Concurrency })
            { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <inheritdoc/>
    public string Name => $"{_client.ModelName} at {_uri}";

    /// <inheritdoc/>
    public int MaxConcurrentProblems => _client.Concurrency;

    /// <summary>Requests sent so far, retries included.</summary>
    public int RequestsSent => _sent;
    private int _sent;

    /// <inheritdoc/>
    public async Task<IReadOnlyList<EvalSample>> SampleAsync(Problem problem, int problemIndex, CancellationToken ct)
    {
        string user = EvalPrompt.UserMessage(problem.Question, _client.Instruction);
        var samples = Enumerable.Range(0, _eval.K).Select(async i =>
        {
            await _inFlight.WaitAsync(ct).ConfigureAwait(false);
            try { return await CompleteAsync(Body(user, EvalPrompt.Seed(_eval, problemIndex, i)), ct).ConfigureAwait(false); }
            finally { _inFlight.Release(); }
        });
        return await Task.WhenAll(samples).ConfigureAwait(false);
    }

    private byte[] Body(string user, ulong seed)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("model", _client.ModelName);
            w.WriteStartArray("messages");
            w.WriteStartObject(); w.WriteString("role", "user"); w.WriteString("content", user); w.WriteEndObject();
            w.WriteEndArray();
            w.WriteNumber("temperature", _eval.Temperature);
            w.WriteNumber("top_p", _eval.TopP);
            w.WriteNumber("max_tokens", _eval.MaxNewTokens);
            w.WriteNumber("seed", (long)(seed & long.MaxValue));
            w.WriteNumber("n", 1);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private async Task<EvalSample> CompleteAsync(byte[] body, CancellationToken ct)
    {
        for (int attempt = 0; ; attempt++)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_client.RequestTimeout);
            RetryConditionHeaderValue? retryAfter = null;
            string failure;
            try
            {
                Interlocked.Increment(ref _sent);
                using var request = new HttpRequestMessage(HttpMethod.Post, _uri) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                if (_client.ApiKey is { Length: > 0 } key) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                using var reply = await _http.SendAsync(request, timeout.Token).ConfigureAwait(false);
                string text = await reply.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
                Interlocked.Increment(ref _answered);
                if (reply.IsSuccessStatusCode)
                {
                    if (TryParseReply(text) is { } sample) return sample;
                    failure = "a reply that is not a chat completion: " + Snippet(text);
                }
                else if (IsRetryable(reply.StatusCode)) { failure = $"HTTP {(int)reply.StatusCode} {Snippet(ErrorMessage(text))}"; retryAfter = reply.Headers.RetryAfter; }
                else throw Refused(reply.StatusCode, ErrorMessage(text));
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                failure = $"no reply within {_client.RequestTimeout.TotalSeconds:0} s";
            }
            catch (HttpRequestException e) when (Volatile.Read(ref _answered) == 0 && e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostNotFound })
            {
                throw new R1SharpException($"cannot reach the endpoint {_uri} ({e.Message}): check --endpoint and that the server is running", e);
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                failure = e.Message;
            }
            if (attempt >= _client.MaxRetries)
                throw new R1SharpException($"the endpoint {_uri} failed {attempt + 1} times, last with {failure}; retry later or lower --concurrency");
            await Task.Delay(RetryDelay(attempt, retryAfter, _client), ct).ConfigureAwait(false);
        }
    }

    /// <summary>408, 429 and 5xx are worth retrying (overload, restarts); other errors are the caller's.</summary>
    public static bool IsRetryable(HttpStatusCode code) => HttpRetry.IsRetryable(code);

    /// <summary>Delay before retry <paramref name="attempt"/> (0-based): see <see cref="HttpRetry.Delay"/>.</summary>
    public static TimeSpan RetryDelay(int attempt, RetryConditionHeaderValue? retryAfter, OpenAiEvalClientOptions options) =>
        HttpRetry.Delay(attempt, retryAfter, options.RetryBaseDelay, options.MaxRetryDelay);

    private R1SharpException Refused(HttpStatusCode code, string message)
    {
        int status = (int)code;
        string detail = message.Length > 0 ? ": " + Snippet(message) : "";
        return status switch
        {
            401 or 403 => new($"the endpoint {_uri} refused the request (HTTP {status}{detail}): check --api-key"),
            404 => new($"the endpoint {_uri} answered HTTP 404{detail}: check --endpoint (the server's base URL) and --model-name '{_client.ModelName}'"),
            _ => new($"the endpoint {_uri} rejected the request (HTTP {status}{detail}): check --model-name, --max-tokens and the sampling options"),
        };
    }

    /// <summary>
    /// The first choice of a chat.completion body as a sample: reasoning from <c>reasoning_content</c> (DeepSeek,
    /// llama.cpp) or <c>reasoning</c> (vLLM, Ollama); the content graded (after any inline &lt;/think&gt;), or the full
    /// text when the content is empty; lengths from usage (completion_tokens, completion_tokens_details.reasoning_tokens).
    /// Null when the body is not a chat completion.
    /// </summary>
    public static EvalSample? TryParseReply(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("choices", out var choices)
                || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0
                || !choices[0].TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.Object) return null;
            string content = Str(message, "content") ?? "";
            string reasoning = Str(message, "reasoning_content") ?? Str(message, "reasoning") ?? "";
            string text = reasoning.Length > 0 ? "<think>\n" + reasoning + "\n</think>\n\n" + content : content;
            string graded = content.Trim().Length > 0 ? MathAnswer.AfterThinking(content) : reasoning + content;
            int completion = 0, reasoningTokens = 0;
            if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                completion = Int(usage, "completion_tokens");
                if (usage.TryGetProperty("completion_tokens_details", out var details) && details.ValueKind == JsonValueKind.Object)
                    reasoningTokens = Int(details, "reasoning_tokens");
            }
            return new EvalSample(text, graded, completion, reasoningTokens);
        }
        catch (JsonException) { return null; }
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int n) ? n : 0;

    // OpenAI's {"error":{"message":...}}, else the body itself.
    private static string ErrorMessage(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var error))
                return error.ValueKind == JsonValueKind.Object ? Str(error, "message") ?? error.ToString() : error.ToString();
        }
        catch (JsonException) { }
        return body;
    }

    private static string Snippet(string text)
    {
        var one = new StringBuilder(text.Length).Append(text).Replace('\n', ' ').Replace('\r', ' ').ToString().Trim();
        return one.Length <= 200 ? one : one[..200] + "…";
    }

    /// <summary>Releases the HTTP connections (when the client created them).</summary>
    public void Dispose()
    {
        if (_ownsHttp) _http.Dispose();
        _inFlight.Dispose();
    }
}
