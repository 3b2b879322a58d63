// An in-process R1Server on a loopback port over a test model (GeneratorTestKit's tokenizer with the R1 template),
// plus an HttpClient and small helpers to read JSON and SSE bodies.
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using R1Sharp.Models;
using R1Sharp.Server;
using R1Sharp.Tests.Generation;
using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Tests.Server;

internal sealed class ServerTestHost : IAsyncDisposable
{
    public const string ModelId = "test-model";
    private readonly DecoderModel _model;

    private ServerTestHost(DecoderModel model, R1Server server)
    {
        _model = model;
        Server = server;
        Http = new HttpClient { BaseAddress = server.Address, Timeout = TimeSpan.FromMinutes(2) };
    }

    public R1Server Server { get; }
    public HttpClient Http { get; }
    public StringWriter Log { get; } = new();

    /// <summary>Starts a server over <paramref name="model"/> (owned by the host); default: the constant-"x" model.
    /// <paramref name="setup"/> sees the generator before the server starts (e.g. to script its output).</summary>
    public static async Task<ServerTestHost> StartAsync(DecoderModel? model = null, Func<ServerOptions, ServerOptions>? configure = null,
        Action<R1Sharp.Generation.TextGenerator>? setup = null)
    {
        model ??= GeneratorTestKit.ConstantModel(X);
        var options = new ServerOptions { ModelId = ModelId, Port = 0 };
        if (configure is not null) options = configure(options);
        var template = ChatTemplate.FromModelDirectory(GeneratorTestKit.TokenizerDir);
        var log = new StringWriter();
        var generator = GeneratorTestKit.NewGenerator(model);
        setup?.Invoke(generator);
        var server = R1Server.Create(generator, template, options, TextWriter.Synchronized(log));
        await server.StartAsync();
        var host = new ServerTestHost(model, server);
        host._log = log;
        return host;
    }

    private StringWriter? _log;
    public string LogText => _log?.ToString() ?? "";

    /// <summary>The id of "x", the constant model's only output.</summary>
    public static int X => GeneratorTestKit.Tokenizer.Encode("x", addSpecialTokens: false).Single();

    public Task<HttpResponseMessage> PostAsync(string json, string? key = null, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return Http.SendAsync(request, cancellationToken);
    }

    public async Task<JsonElement> PostJsonAsync(string json)
    {
        using var response = await PostAsync(json);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>The `data:` payloads of an SSE body, in order.</summary>
    public static List<string> SseData(string body) =>
        body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e.Trim()).Where(e => e.StartsWith("data: ", StringComparison.Ordinal))
            .Select(e => e["data: ".Length..]).ToList();

    public static string Chat(string content, int maxTokens, string extra = "") =>
        $$"""{"model":"{{ModelId}}","messages":[{"role":"user","content":{{JsonSerializer.Serialize(content)}}}],"max_tokens":{{maxTokens}}{{extra}}}""";

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        _model.Dispose();
    }
}
