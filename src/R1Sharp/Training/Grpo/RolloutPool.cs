// The pool of rollout workers GRPO samples from (TRL vllm_mode="server", veRL/slime's SGLang workers): prompts are spread
// round-robin over POST /v1/completions, weights are pushed with SGLang's POST /update_weights_from_disk. A worker that
// fails or times out is marked down and its request goes to the next one; a down worker comes back when it takes a
// weight update again. All workers down is an error naming each one's last failure.
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace R1Sharp.Training.Grpo;

/// <summary>The sampling settings of one rollout request (the GRPO config's).</summary>
public sealed record RolloutSampling(string Model, int N, int MaxTokens, double Temperature, double TopP, int TopK);

/// <summary>See the file header. Thread-safe; dispose to release the connections.</summary>
public sealed class RolloutPool : IDisposable
{
    private readonly Uri[] _workers;
    private readonly bool[] _down;
    private readonly string?[] _lastFailure;
    private readonly TimeSpan _timeout;
    private readonly Action<string>? _log;
    private readonly HttpClient _http;
    private int _next;   // round-robin start of the next batch

    /// <summary>A pool over <paramref name="endpoints"/> (base URLs); <paramref name="log"/> hears of failures.</summary>
    public RolloutPool(IReadOnlyList<string> endpoints, TimeSpan timeout, Action<string>? log = null)
    {
        if (endpoints.Count == 0) throw new ArgumentException("no rollout endpoints", nameof(endpoints));
        _workers = endpoints.Select(e => new Uri(e.TrimEnd('/') + "/")).ToArray();
        _down = new bool[_workers.Length];
        _lastFailure = new string?[_workers.Length];
        _timeout = timeout;
        _log = log;
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(15) }) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Workers taking requests now.</summary>
    public int Up { get { lock (_down) return _down.Count(d => !d); } }

    /// <summary>The request body: the raw prompt, n samples, per-token log-probs (logprobs = 0) and vLLM's
    /// return_token_ids; ignore_eos false so the model's EOS ends a sample as in-process rollouts do.</summary>
    public static byte[] Body(RolloutSampling s, string prompt, ulong seed)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("model", s.Model);
            w.WriteString("prompt", prompt);
            w.WriteNumber("n", s.N);
            w.WriteNumber("max_tokens", s.MaxTokens);
            w.WriteNumber("temperature", s.Temperature);
            w.WriteNumber("top_p", s.TopP);
            if (s.TopK > 0) w.WriteNumber("top_k", s.TopK);
            w.WriteNumber("seed", (long)(seed & long.MaxValue));
            w.WriteNumber("logprobs", 0);
            w.WriteBoolean("return_token_ids", true);
            w.WriteBoolean("ignore_eos", false);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>The served model's name: the first id of a worker's GET /v1/models.</summary>
    public async Task<string> ModelNameAsync(CancellationToken ct)
    {
        for (int i = 0; i < _workers.Length; i++)
        {
            try
            {
                using var timeout = Linked(ct);
                using var doc = JsonDocument.Parse(await _http.GetStringAsync(new Uri(_workers[i], "v1/models"), timeout.Token).ConfigureAwait(false));
                return doc.RootElement.GetProperty("data")[0].GetProperty("id").GetString()!;
            }
            catch (Exception e) when (IsFailure(e, ct)) { MarkDown(i, $"GET /v1/models: {e.Message}"); }
        }
        throw AllDown("none answered GET /v1/models; set rollout.model_name or start the servers");
    }

    /// <summary>The n samples of every prompt (bodies[i] for prompt i), spread round-robin over the workers that are up.</summary>
    public async Task<RemoteChoice[][]> SampleAsync(IReadOnlyList<byte[]> bodies, int n, CancellationToken ct)
    {
        int start = Interlocked.Add(ref _next, bodies.Count) - bodies.Count;
        var tasks = bodies.Select((body, i) => SampleOneAsync(body, n, start + i, ct));
        return await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    private async Task<RemoteChoice[]> SampleOneAsync(byte[] body, int n, int first, CancellationToken ct)
    {
        for (int k = 0; k < _workers.Length; k++)
        {
            int i = (first + k) % _workers.Length;
            if (IsDown(i)) continue;
            string failure;
            try
            {
                using var timeout = Linked(ct);
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var reply = await _http.PostAsync(new Uri(_workers[i], "v1/completions"), content, timeout.Token).ConfigureAwait(false);
                string text = await reply.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
                if (reply.IsSuccessStatusCode && RemoteCompletion.Parse(text, n) is { } choices) return choices;
                failure = reply.IsSuccessStatusCode ? $"a reply that is not {n} completions: {Snippet(text)}" : $"HTTP {(int)reply.StatusCode} {Snippet(text)}";
            }
            catch (Exception e) when (IsFailure(e, ct)) { failure = e is OperationCanceledException ? $"no reply within {_timeout.TotalSeconds:0} s" : e.Message; }
            MarkDown(i, failure);
        }
        throw AllDown("no worker could sample the prompt");
    }

    /// <summary>
    /// POSTs SGLang's update_weights_from_disk {model_path, weight_version} to every worker (down ones too: a worker
    /// that loads the weights is up again). Throws when none loaded them.
    /// </summary>
    public async Task SyncAsync(string directory, string version, CancellationToken ct)
    {
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["model_path"] = Path.GetFullPath(directory), ["weight_version"] = version });
        var loaded = await Task.WhenAll(_workers.Select(async (worker, i) =>
        {
            string failure;
            try
            {
                using var timeout = Linked(ct);
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var reply = await _http.PostAsync(new Uri(worker, "update_weights_from_disk"), content, timeout.Token).ConfigureAwait(false);
                string text = await reply.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
                if (reply.IsSuccessStatusCode && Succeeded(text)) { MarkUp(i); return true; }
                failure = $"update_weights_from_disk: HTTP {(int)reply.StatusCode} {Snippet(text)}";
            }
            catch (Exception e) when (IsFailure(e, ct)) { failure = $"update_weights_from_disk: {(e is OperationCanceledException ? $"no reply within {_timeout.TotalSeconds:0} s" : e.Message)}"; }
            MarkDown(i, failure);
            return false;
        })).ConfigureAwait(false);
        if (!loaded.Any(x => x)) throw AllDown($"none loaded the weights of {directory}");
    }

    private static bool Succeeded(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.TryGetProperty("success", out var s) && s.ValueKind == JsonValueKind.True;
        }
        catch (JsonException) { return false; }
    }

    private CancellationTokenSource Linked(CancellationToken ct)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(_timeout);
        return cts;
    }

    // Anything but the caller's own cancellation is the worker's failure.
    private static bool IsFailure(Exception e, CancellationToken ct) =>
        !ct.IsCancellationRequested && e is HttpRequestException or IOException or OperationCanceledException or JsonException
            or KeyNotFoundException or IndexOutOfRangeException or InvalidOperationException;

    private bool IsDown(int i) { lock (_down) return _down[i]; }

    private void MarkUp(int i)
    {
        bool was;
        lock (_down) { was = _down[i]; _down[i] = false; }
        if (was) _log?.Invoke($"rollout worker {_workers[i]} is back (it loaded the weights)");
    }

    private void MarkDown(int i, string failure)
    {
        bool was;
        lock (_down) { was = _down[i]; _down[i] = true; _lastFailure[i] = failure; }
        if (!was) _log?.Invoke($"rollout worker {_workers[i]} failed ({failure}); its requests go to the other workers");
    }

    private R1SharpException AllDown(string what)
    {
        string detail;
        lock (_down) detail = string.Join("; ", _workers.Select((w, i) => $"{w}: {_lastFailure[i] ?? "not tried"}"));
        return new R1SharpException($"all {_workers.Length} rollout workers failed ({what}): {detail}; check the servers in rollout.endpoints");
    }

    private static string Snippet(string text)
    {
        string one = text.Replace('\n', ' ').Replace('\r', ' ').Trim();
        return one.Length <= 200 ? one : one[..200] + "…";
    }

    /// <summary>Releases the HTTP connections.</summary>
    public void Dispose() => _http.Dispose();
}
