// HTTP plumbing of the hub client: retries with exponential backoff + jitter on 408/429/5xx and dropped
// connections (honouring Retry-After, as huggingface_hub's http_backoff), redirects, and one-line errors
// from the hub's X-Error-Code header (utils/_http.py hf_raise_for_status).
using System.Net;
using System.Net.Http.Headers;

using R1Sharp.IO;

namespace R1Sharp.Hub;

internal sealed class HubHttp(HttpClient http, HubSettings settings)
{
    public HubSettings Settings => settings;

    /// <summary>Sends a request built by <paramref name="make"/>, retrying transient failures. The caller disposes the reply.</summary>
    public async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> make, HttpCompletionOption completion, CancellationToken ct)
    {
        for (int attempt = 0; ; attempt++)
        {
            HttpResponseMessage reply;
            try
            {
                reply = await http.SendAsync(make(), completion, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e, ct) && attempt < settings.MaxRetries)
            {
                await Task.Delay(Backoff(attempt, null), ct).ConfigureAwait(false);
                continue;
            }
            catch (Exception e) when (IsTransient(e, ct))
            {
                throw Unreachable(e);
            }
            if (IsRetryable(reply.StatusCode) && attempt < settings.MaxRetries)
            {
                var wait = Backoff(attempt, reply.Headers.RetryAfter);
                reply.Dispose();
                await Task.Delay(wait, ct).ConfigureAwait(false);
                continue;
            }
            return reply;
        }
    }

    /// <summary>A request with the hub's headers: Bearer token unless <paramref name="withAuth"/> is false (CDN on another host).</summary>
    public HttpRequestMessage Request(HttpMethod method, Uri uri, bool withAuth = true)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.UserAgent.ParseAdd("r1sharp/1.0");
        if (withAuth && settings.Token is { } token) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    public static bool IsRetryable(HttpStatusCode code) => HttpRetry.IsRetryable(code);

    /// <summary>Connection failures, resets and read timeouts (not the user's Ctrl+C).</summary>
    public static bool IsTransient(Exception e, CancellationToken ct) =>
        e is HttpRequestException or IOException || (e is OperationCanceledException && !ct.IsCancellationRequested);

    /// <summary>Delay before retry <paramref name="attempt"/> (0-based): see <see cref="HttpRetry.Delay"/>.</summary>
    public TimeSpan Backoff(int attempt, RetryConditionHeaderValue? retryAfter) =>
        HttpRetry.Delay(attempt, retryAfter, settings.RetryBaseDelay, settings.MaxRetryDelay);

    public R1SharpException Unreachable(Exception e) => new(
        $"cannot reach the hub at {settings.Endpoint} ({e.Message}) after {settings.MaxRetries} retries: check the network, " +
        "set HF_ENDPOINT for a mirror, or set HF_HUB_OFFLINE=1 to use the cache", e);

    /// <summary>A one-line error for a failed reply, saying what to check (token, name, revision, file).</summary>
    public R1SharpException Error(HttpResponseMessage reply, string repoId, string revision, string? file)
    {
        string code = Header(reply, "X-Error-Code") ?? "";
        string? message = Header(reply, "X-Error-Message");
        int status = (int)reply.StatusCode;
        string tokenHint = settings.Token is null ? "set HF_TOKEN if the repo is private" : "check that HF_TOKEN can read it";
        return code switch
        {
            "RepoNotFound" => new($"repo {repoId} not found on {settings.Endpoint} (HTTP {status}): check the name, and {tokenHint}"),
            "GatedRepo" => new($"repo {repoId} is gated (HTTP {status}): accept its terms at {settings.Endpoint}/{repoId} and set HF_TOKEN to a token of that account"),
            "RevisionNotFound" => new($"revision '{revision}' not found in {repoId} (HTTP {status}): check --revision (a branch, tag or commit sha)"),
            "EntryNotFound" => new($"file '{file}' not found in {repoId} at revision '{revision}' (HTTP {status})"),
            _ when status == 401 => new($"the hub refused the credentials for {repoId} (HTTP 401{(message is null ? "" : ": " + message)}): check HF_TOKEN"),
            _ when status == 403 => new($"access to {repoId} is forbidden (HTTP 403{(message is null ? "" : ": " + message)}): check HF_TOKEN's permissions"),
            _ when status == 404 => new($"{(file is null ? "repo " + repoId : $"file '{file}' of {repoId}")} not found on {settings.Endpoint} (HTTP 404): check the name and revision '{revision}'"),
            _ => new($"the hub answered HTTP {status} for {repoId}{(file is null ? "" : "/" + file)}{(message is null ? "" : ": " + message)}"),
        };
    }

    public static string? Header(HttpResponseMessage reply, string name) =>
        reply.Headers.TryGetValues(name, out var v) ? v.FirstOrDefault()
        : reply.Content.Headers.TryGetValues(name, out var c) ? c.FirstOrDefault() : null;

    /// <summary>An HttpClient that never follows redirects itself: the hub's relative and CDN redirects are handled by hand.</summary>
    public static HttpClient CreateClient() => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(30),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    { Timeout = Timeout.InfiniteTimeSpan };
}
