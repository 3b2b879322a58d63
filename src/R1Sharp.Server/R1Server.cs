// The HTTP server: Kestrel + minimal APIs. Routes: POST /v1/chat/completions, POST /v1/completions, GET /v1/models, GET /health,
// SGLang's weight sync (R1Server.WeightSync.cs),
// GET /metrics, the chat page at /. Middleware (R1Server.Middleware.cs): one log line per request, OpenAI-shaped errors, 503 while shutting
// down, the Host allow-list (DNS rebinding), bearer keys. Shutdown is graceful (vLLM / uvicorn): see ShutdownAsync.
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using R1Sharp.Generation;
using R1Sharp.Models;
using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Server;

/// <summary>
/// An OpenAI-compatible server over one model. <see cref="Load"/> a model directory or wrap a
/// <see cref="TextGenerator"/> with <see cref="Create"/>; <see cref="StartAsync"/>, then <see cref="ShutdownAsync"/> (graceful)
/// and <see cref="DisposeAsync"/>. The server does not handle process signals itself; its host (e.g. `r1 serve`) does.
/// </summary>
public sealed partial class R1Server : IAsyncDisposable
{
    internal const string LogKey = "r1.log";
    internal const string ModelKey = "r1.model";
    /// <summary>Set by a handler whose client left before the answer was delivered: logged and counted as 499.</summary>
    internal const string CancelledKey = "r1.cancelled";
    /// <summary>nginx's "client closed request": the status logged for requests the client abandoned.</summary>
    internal const int ClientClosedRequest = 499;
    private readonly WebApplication _app;
    private readonly BatchScheduler _scheduler;
    private readonly TextGenerator? _ownedGenerator; // set by Load: freed after the scheduler thread has ended
    private readonly TextWriter _log;
    private readonly object _logGate = new();
    private readonly HostAllowList _hosts;
    private volatile bool _draining;
    private string? _modelPath, _tokenizerPath;          // the loaded directory (Load); model_path follows weight updates
    private string _weightVersion = "default";           // SGLang's weight_version, set by update_weights_from_disk
    private bool _started, _stopped;

    private R1Server(TextGenerator generator, IChatTemplate template, ServerOptions options, TextWriter log, bool ownsGenerator)
    {
        Options = options.Validate();
        BindAddress = ServerBinding.ResolveHost(options.Host); // before the scheduler thread starts
        _hosts = new HostAllowList(options.Host, options.AllowedHosts);
        _log = log;
        _ownedGenerator = ownsGenerator ? generator : null;
        _scheduler = new BatchScheduler(generator, new BatchSchedulerOptions
        {
            MaxBatchRows = options.MaxBatch, MaxQueuedJobs = options.MaxQueue, ContextLength = options.ContextLength, StepDelay = options.StepDelay,
        });
        try
        {
            Metrics = new ServerMetrics(_scheduler);
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            // No ConsoleLifetime: it would catch SIGINT/SIGTERM too; the host calls ShutdownAsync instead.
            builder.Services.AddSingleton<IHostLifetime, NoSignalLifetime>();
            builder.WebHost.ConfigureKestrel(k =>
            {
                k.Limits.MaxRequestBodySize = options.MaxBodyBytes;
                k.Listen(BindAddress, options.Port);
            });
            _app = builder.Build();
            var chat = new ChatCompletionsEndpoint(_scheduler, template, Options, Metrics);
            Map(chat, new CompletionsEndpoint(_scheduler, template, Options, Metrics, chat));
        }
        catch
        {
            _scheduler.Dispose(); // joined before the caller frees the model
            throw;
        }
    }

    /// <summary>A server over a loaded generator (not disposed with the server) and a chat template.</summary>
    public static R1Server Create(TextGenerator generator, IChatTemplate template, ServerOptions options, TextWriter? log = null) =>
        new(generator, template, options, log ?? Console.Out, ownsGenerator: false);

    /// <summary>Loads the model, tokenizer, generation_config.json and chat template (unless
    /// <see cref="ServerOptions.ChatTemplate"/> names one) from a model directory; <paramref name="load"/> chooses the weight
    /// dtype (default f32).</summary>
    public static R1Server Load(string modelDirectory, ServerOptions options, TextWriter? log = null, ModelLoadOptions? load = null)
    {
        var template = ChatTemplate.ForModel(modelDirectory, options.ChatTemplate);
        var generator = TextGenerator.Load(modelDirectory, load);
        try
        {
            string path = Path.GetFullPath(modelDirectory);
            return new R1Server(generator, template, options, log ?? Console.Out, ownsGenerator: true) { _modelPath = path, _tokenizerPath = path };
        }
        catch { generator.Dispose(); throw; }
    }

    /// <summary>The options.</summary>
    public ServerOptions Options { get; }
    /// <summary>The scheduler (queue depth, running batch).</summary>
    public BatchScheduler Scheduler => _scheduler;
    /// <summary>The /metrics collectors.</summary>
    public ServerMetrics Metrics { get; }
    /// <summary>The IP address listened on (<see cref="ServerOptions.Host"/> resolved by <see cref="ServerBinding.ResolveHost"/>).</summary>
    public System.Net.IPAddress BindAddress { get; }
    /// <summary>The bound address (the real port when <see cref="ServerOptions.Port"/> is 0), after <see cref="StartAsync"/>.</summary>
    public Uri Address => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    /// <summary>Binds and starts serving.</summary>
    /// <exception cref="R1SharpException">The port is in use, or the address cannot be bound (one line naming it).</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        try { await _app.StartAsync(cancellationToken); }
        catch (Exception e) when (BindError(e) is { } error) { throw error; }
        _started = true;
    }

    // Kestrel reports bind failures as IOException("Failed to bind ...", AddressInUseException / SocketException).
    private R1SharpException? BindError(Exception e)
    {
        string where = $"{Options.Host}:{Options.Port}";
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is Microsoft.AspNetCore.Connections.AddressInUseException
                || x is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse })
                return new R1SharpException($"port {Options.Port} is already in use on {Options.Host}; stop the other server or pick another --port (0 picks a free one)", e);
            if (x is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressNotAvailable })
                return new R1SharpException($"--host {Options.Host}: {BindAddress} is not an address of this machine; cannot listen on {where}", e);
            if (x is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AccessDenied })
                return new R1SharpException($"port {Options.Port}: not allowed to listen on {where} (ports below 1024 need privileges); pick another --port", e);
        }
        return null;
    }

    /// <summary>
    /// Graceful shutdown (vLLM / uvicorn): from now on every request gets an OpenAI-shaped 503 and queued requests get it
    /// too; running generations go on for up to <see cref="ServerOptions.ShutdownGrace"/> (or until <paramref name="force"/>
    /// is cancelled), then each still running ends with an error (an error event and <c>data: [DONE]</c> when streaming).
    /// Completes once the scheduler thread has ended and the listener is closed.
    /// </summary>
    public Task ShutdownAsync(CancellationToken force = default) => StopAsync(Options.ShutdownGrace, force);

    private async Task StopAsync(TimeSpan grace, CancellationToken force)
    {
        if (_stopped) return;
        _stopped = true;
        _draining = true;
        await _scheduler.ShutdownAsync(grace, force);
        // Every job has ended: the handlers only write their last bytes. Kestrel then closes the connections.
        if (_started)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(timeout.Token);
        }
    }

    /// <summary>Shuts down at once (no grace: running generations end with an error) unless <see cref="ShutdownAsync"/>
    /// already ran; frees the model when <see cref="Load"/> loaded it. The scheduler thread has ended before the model is freed.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero, CancellationToken.None);
        await _app.DisposeAsync();
        _scheduler.Dispose();
        _ownedGenerator?.Dispose();
    }

    private void Map(ChatCompletionsEndpoint chat, CompletionsEndpoint completions)
    {
        _app.Use(LogAndHandleErrors);
        _app.Use(CheckHost);
        _app.Use(Authenticate);
        _app.MapPost("/v1/chat/completions", chat.HandleAsync);
        _app.MapPost("/v1/completions", completions.HandleAsync);
        _app.MapGet("/v1/models", WriteModels);
        _app.MapGet("/health", (HttpContext http) => WriteJson(http, 200, w => { w.WriteStartObject(); w.WriteString("status", "ok"); w.WriteEndObject(); }));
        _app.MapGet("/metrics", async (HttpContext http) =>
        {
            http.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await Metrics.WriteAsync(http.Response.Body, http.RequestAborted);
        });
        MapWeightSync();
        MapPage();
        string[] routes = ["/v1/chat/completions", "/v1/completions", "/v1/models", "/health", "/metrics", .. WeightSyncRoutes];
        _app.MapFallback((HttpContext http) => throw (routes.Contains(http.Request.Path.Value)
            ? new ApiError(405, $"Method {http.Request.Method} is not allowed on {http.Request.Path}", code: "method_not_allowed")
            : new ApiError(404, $"Unknown route {http.Request.Method} {http.Request.Path}; see {string.Join(", ", routes)}", code: "not_found")));
    }

    private Task WriteModels(HttpContext http) => WriteJson(http, 200, w =>
    {
        w.WriteStartObject();
        w.WriteString("object", "list");
        w.WriteStartArray("data");
        w.WriteStartObject();
        w.WriteString("id", Options.ModelId);
        w.WriteString("object", "model");
        w.WriteNumber("created", 0);
        w.WriteString("owned_by", "r1sharp");
        w.WriteNumber("context_length", _scheduler.ContextLength);
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    });

    // The chat page: embedded static files (no build step), index.html at /.
    private void MapPage()
    {
        var assembly = typeof(R1Server).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("wwwroot/", StringComparison.Ordinal)))
        {
            string file = name["wwwroot/".Length..];
            using var stream = assembly.GetManifestResourceStream(name)!;
            var bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            string type = Path.GetExtension(file) switch
            {
                ".html" => "text/html; charset=utf-8", ".js" => "text/javascript; charset=utf-8", ".css" => "text/css; charset=utf-8",
                ".woff2" => "font/woff2", ".txt" => "text/plain; charset=utf-8",
                _ => "application/octet-stream",
            };
            RequestDelegate serve = async http => { http.Response.ContentType = type; await http.Response.Body.WriteAsync(bytes); };
            _app.MapGet("/" + file, serve);
            if (file == "index.html") _app.MapGet("/", serve);
        }
    }

    // A host lifetime that leaves process signals alone (the default ConsoleLifetime stops the app on SIGINT/SIGTERM).
    private sealed class NoSignalLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
