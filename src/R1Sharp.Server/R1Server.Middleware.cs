// R1Server's middleware: one log line per request with OpenAI-shaped errors (and 499 for abandoned requests), the
// Host allow-list against DNS rebinding, bearer keys; and the JSON writers the routes share.
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using R1Sharp.Generation;

namespace R1Sharp.Server;

public sealed partial class R1Server
{
    private async Task LogAndHandleErrors(HttpContext http, RequestDelegate next)
    {
        var clock = Stopwatch.StartNew();
        http.Items[ModelKey] = Options.ModelId;
        try
        {
            if (_draining) throw ShuttingDown("The server is shutting down and takes no new requests; retry later or on another instance.");
            await next(http);
        }
        catch (ApiError e) { await WriteError(http, e); }
        catch (SchedulerStoppingException e) { await WriteError(http, ShuttingDown(e.Message)); }
        catch (BadHttpRequestException e) { await WriteError(http, new ApiError(e.StatusCode, e.Message, code: e.StatusCode == 413 ? "request_too_large" : null)); }
        catch (OperationCanceledException e) when (http.RequestAborted.IsCancellationRequested || e is Microsoft.AspNetCore.Connections.ConnectionAbortedException)
        {
            http.Items[LogKey] = "client disconnected";
            http.Items[CancelledKey] = true;
        }
        catch (Exception e)
        {
            await WriteError(http, new ApiError(500, $"{e.GetType().Name}: {e.Message}", "server_error"));
        }
        if (http.Response.StatusCode == 405 && !http.Response.HasStarted)
            await WriteError(http, new ApiError(405, $"Method {http.Request.Method} is not allowed on {http.Request.Path}", code: "method_not_allowed"));
        int status = http.Items.ContainsKey(CancelledKey) ? ClientClosedRequest : http.Response.StatusCode;
        Metrics.Request(http.Request.Path.StartsWithSegments("/v1") || http.Request.Path == "/health" || http.Request.Path == "/metrics" ? http.Request.Path.Value! : "other",
            status);
        string line = string.Create(CultureInfo.InvariantCulture,
            $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {http.Connection.RemoteIpAddress} {http.Request.Method} {http.Request.Path} {status} {clock.Elapsed.TotalMilliseconds:0} ms {http.Items[LogKey]}");
        line = LogText.Escape(line.TrimEnd()); // the path, the model field and error messages come from the request
        lock (_logGate) { _log.WriteLine(line); _log.Flush(); }
    }

    /// <summary>503 while shutting down (OpenAI answers overload and maintenance with 503 too).</summary>
    internal static ApiError ShuttingDown(string message) => new(503, message, "server_error", code: "server_shutting_down");

    private async Task CheckHost(HttpContext http, RequestDelegate next)
    {
        string host = http.Request.Host.Host;
        if (!_hosts.Allows(host))
            throw new ApiError(403, $"Host '{host}' is not allowed (DNS-rebinding protection); open the server by its address, " +
                $"or start r1 serve with --allowed-hosts {host} (or --allowed-hosts '*' to accept any host).", code: "host_not_allowed");
        await next(http);
    }

    private async Task Authenticate(HttpContext http, RequestDelegate next)
    {
        var path = http.Request.Path;
        bool protectedRoute = path.StartsWithSegments("/v1") || path.StartsWithSegments("/metrics");
        if (Options.ApiKeys.Count > 0 && protectedRoute && !HasValidKey(http.Request.Headers.Authorization.ToString()))
            throw new ApiError(401, "Incorrect or missing API key; send it as 'Authorization: Bearer KEY'.", code: "invalid_api_key");
        await next(http);
    }

    private bool HasValidKey(string header)
    {
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return false;
        var given = Encoding.UTF8.GetBytes(header[7..].Trim());
        bool ok = false;
        foreach (var key in Options.ApiKeys)
            ok |= CryptographicOperations.FixedTimeEquals(given, Encoding.UTF8.GetBytes(key));
        return ok;
    }

    private static async Task WriteError(HttpContext http, ApiError e)
    {
        if (http.Response.HasStarted) return;
        http.Items[LogKey] = $"error {e.Code ?? e.Type}: {e.Message}";
        var retry = http.Response.Headers.RetryAfter;
        http.Response.Clear();
        if (e.Status == 429) http.Response.Headers.RetryAfter = retry.Count > 0 ? retry : "1";
        if (e.Status == 401) http.Response.Headers.WWWAuthenticate = "Bearer";
        if (e.Status == 503) http.Response.Headers.Connection = "close";
        http.Response.StatusCode = e.Status;
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(e.ToJson());
    }

    private static async Task WriteJson(HttpContext http, int status, Action<Utf8JsonWriter> write)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, OpenAiJson.WriterOptions)) write(w);
        await http.Response.Body.WriteAsync(buffer.WrittenMemory);
    }
}
