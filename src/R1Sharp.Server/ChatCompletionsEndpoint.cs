// POST /v1/chat/completions: request → chat template → tokens → BatchScheduler job → one JSON object, or SSE
// chat.completion.chunk events ending with `data: [DONE]` (OpenAI streaming; DeepSeek's reasoning_content deltas).
using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using R1Sharp.Generation;
using R1Sharp.Serving;
using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Server;

internal sealed class ChatCompletionsEndpoint(BatchScheduler scheduler, IChatTemplate template, ServerOptions options, ServerMetrics metrics)
{
    private static readonly byte[] s_dataPrefix = "data: "u8.ToArray();
    private static readonly byte[] s_eventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] s_done = "data: [DONE]\n\n"u8.ToArray();
    private readonly long _maxPromptChars = options.MaxPromptChars ?? (long)scheduler.ContextLength * ServerOptions.PromptCharsPerToken;

    public async Task HandleAsync(HttpContext http)
    {
        var clock = Stopwatch.StartNew();
        var body = await ReadBodyAsync(http);
        RequireJson(http.Request.ContentType);
        var request = ChatCompletionRequest.Parse(body);
        if (request.Model != options.ModelId)
            throw ApiError.BadField("model", $"The model '{request.Model}' does not exist; this server serves '{options.ModelId}' (see /v1/models)", "model_not_found");
        CheckPromptSize(request.Messages, request.Settings.Tools);
        // Admission before the costly part: a full queue is refused before the prompt is rendered and tokenized.
        using var reservation = scheduler.TryReserve() ?? throw QueueFull(http);
        var (prompt, generationOptions) = Prepare(request);
        GenerationJob job;
        try { job = scheduler.Submit(reservation, prompt, generationOptions, http.RequestAborted); }
        catch (R1SharpException e) { throw new ApiError(400, e.Message, param: null, code: "invalid_value"); }
        string id = "chatcmpl-" + Guid.NewGuid().ToString("N")[..24];
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var run = new RunInfo(clock);
        // Requests with tools: each choice's answer goes through the template's tool-call parser (OpenAiToolJson).
        Func<ToolCallParser?> newParser = () => ChatTools.Parser(template, request.Settings);
        IReadOnlyList<GenerationResult>? results = request.Stream
            ? await StreamAsync(http, request, job, id, created, run, newParser)
            : await CompleteAsync(http, job, id, created, run, newParser);
        if (results is null) return;
        var usage = OpenAiJson.Usage(results);
        metrics.Completion(usage, run.FirstToken, clock.Elapsed - (run.FirstToken ?? TimeSpan.Zero));
        http.Items[R1Server.LogKey] = $"prompt={usage.PromptTokens} completion={usage.CompletionTokens} reasoning={usage.ReasoningTokens} " +
            $"n={request.N} finish={string.Join(',', results.Select(r => r.FinishReason.ToApiString()))}{(request.Stream ? " stream" : "")}";
    }

    internal ApiError QueueFull(HttpContext http)
    {
        http.Response.Headers.RetryAfter = options.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new ApiError(429, $"The server is busy ({options.MaxQueue} requests queued); retry after {options.RetryAfterSeconds} s.",
            "rate_limit_error", code: "queue_full");
    }

    // A bound on characters, checked before tokenizing: no prompt of more than maxPromptChars costs tokenizer time or memory.
    private void CheckPromptSize(IReadOnlyList<ChatTurn> messages, IReadOnlyList<ChatTool>? tools)
    {
        long chars = messages.Sum(m => (long)m.Content.Length + (m.ToolCalls?.Sum(c => (long)c.Arguments.Length) ?? 0))
            + (tools?.Sum(t => (long)t.Json.Length) ?? 0);
        if (chars <= _maxPromptChars) return;
        string why = options.MaxPromptChars is null
            ? $"{scheduler.ContextLength} tokens of context × {ServerOptions.PromptCharsPerToken} characters per token"
            : "--max-prompt-chars";
        throw ApiError.BadField("messages", $"The messages hold {chars} characters; this server takes at most {_maxPromptChars} ({why}); shorten them.",
            "context_length_exceeded");
    }

    // The mapping LocalChatClient uses too (ChatGeneration): the same request gets the same options in process and here.
    private (GenerationRequest, GenerationOptions) Prepare(ChatCompletionRequest request)
    {
        GenerationRequest prompt;
        GenerationOptions generation;
        try { (prompt, generation) = ChatGeneration.Prepare(scheduler, template, request.Messages, request.Settings, options.ParseSpecialInContent); }
        catch (ChatRequestException e) { throw ApiError.BadField(e.Field, e.Message); }
        int length = prompt.PromptIds.Count;
        if (length >= scheduler.ContextLength)
            throw ApiError.BadField("messages", $"This model's context is {scheduler.ContextLength} tokens, but the messages take {length}; shorten them.",
                "context_length_exceeded");
        return (prompt, generation);
    }

    private static async Task<IReadOnlyList<GenerationResult>?> CompleteAsync(HttpContext http, GenerationJob job, string id, long created, RunInfo run,
        Func<ToolCallParser?> newParser)
    {
        await foreach (var delta in job.Deltas.ReadAllAsync(CancellationToken.None))
            if (run.FirstToken is null && (delta.Reasoning.Length > 0 || delta.Content.Length > 0)) run.FirstToken = run.Clock.Elapsed;
        var results = await job.Completion;
        if (http.RequestAborted.IsCancellationRequested) return ClientLeft(http, results);
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, OpenAiJson.WriterOptions))
            OpenAiJson.WriteCompletion(w, id, created, ModelOf(http), results,
                [.. results.Select(r => newParser() is { } parser ? ToolAnswer.Parse(parser, r.Content) : null)]);
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(buffer.WrittenMemory);
        return results;
    }

    private static string ModelOf(HttpContext http) => (string)http.Items[R1Server.ModelKey]!;

    private static async Task<IReadOnlyList<GenerationResult>?> StreamAsync(HttpContext http, ChatCompletionRequest request, GenerationJob job,
        string id, long created, RunInfo run, Func<ToolCallParser?> newParser)
    {
        var response = http.Response;
        var parsers = Enumerable.Range(0, request.N).Select(_ => newParser()).ToArray();
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        string model = ModelOf(http);
        var buffer = new ArrayBufferWriter<byte>();
        var w = new Utf8JsonWriter(buffer, OpenAiJson.WriterOptions);
        try
        {
            for (int i = 0; i < request.N; i++)
                Event(buffer, w, () => OpenAiJson.WriteChunk(w, id, created, model, i, "assistant", "", "", null, request.IncludeUsage));
            var reader = job.Deltas;
            var finished = new List<GenerationResult>(request.N);
            while (await reader.WaitToReadAsync(CancellationToken.None))
            {
                // Everything already produced goes out in one flush (several rows finish a step together).
                while (reader.TryRead(out var d))
                {
                    if (run.FirstToken is null && (d.Reasoning.Length > 0 || d.Content.Length > 0)) run.FirstToken = run.Clock.Elapsed;
                    var parser = parsers[d.Sequence];
                    var split = parser is null ? new ToolCallDelta(d.Content, []) : parser.Feed(d.Content);
                    if (d.Reasoning.Length > 0 || !split.IsEmpty || d.LogProbs is not null)
                        Event(buffer, w, () => OpenAiJson.WriteChunk(w, id, created, model, d.Sequence, null, d.Reasoning, split.Content, null,
                            request.IncludeUsage, toolCalls: ToolAnswer.WithIds(split.Calls), logProbs: d.LogProbs));
                    if (d.Result is { } r)
                    {
                        var last = parser?.Finish() ?? ToolCallDelta.Empty;
                        if (!last.IsEmpty)
                            Event(buffer, w, () => OpenAiJson.WriteChunk(w, id, created, model, d.Sequence, null, "", last.Content, null,
                                request.IncludeUsage, toolCalls: ToolAnswer.WithIds(last.Calls)));
                        finished.Add(r);
                        // llama-server puts timings on the stream's last chunk: this one, unless a usage chunk follows.
                        var timings = finished.Count == request.N && !request.IncludeUsage ? GenerationTimings.Combine(finished) : null;
                        Event(buffer, w, () => OpenAiJson.WriteChunk(w, id, created, model, d.Sequence, null, "", "",
                            OpenAiToolJson.FinishReason(r.FinishReason, parser?.CallCount > 0), request.IncludeUsage, timings));
                    }
                }
                if (http.RequestAborted.IsCancellationRequested) break;
                await response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted);
                buffer.Clear();
                await response.Body.FlushAsync(http.RequestAborted);
            }
            var results = await job.Completion;
            if (http.RequestAborted.IsCancellationRequested) return ClientLeft(http, results);
            if (request.IncludeUsage)
                Event(buffer, w, () => OpenAiJson.WriteUsageChunk(w, id, created, model, OpenAiJson.Usage(results), GenerationTimings.Combine(results)));
            buffer.Write(s_done);
            await response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted);
            await response.Body.FlushAsync(http.RequestAborted);
            return results;
        }
        // Only the connection cancels here (RequestAborted, or Kestrel's ConnectionAbortedException, which can come
        // before RequestAborted reads as cancelled); a failed write means the client left as well.
        catch (Exception e) when (e is OperationCanceledException or IOException || http.RequestAborted.IsCancellationRequested)
        {
            return ClientLeft(http, await SafeResults(job));
        }
        catch (Exception e)
        {
            // Nothing sent yet (e.g. a queued request at shutdown): the error middleware answers with a status code.
            if (!response.HasStarted) throw;
            // Headers are gone: report the failure as an error event then [DONE], as vLLM does mid-stream.
            var error = e is SchedulerStoppingException ? R1Server.ShuttingDown(e.Message) : new ApiError(500, e.Message, "server_error");
            http.Items[R1Server.LogKey] = $"error {error.Code ?? error.Type} mid-stream: {e.Message}";
            buffer.Clear();
            Event(buffer, w, () => { w.WriteStartObject(); error.WriteErrorObject(w); w.WriteEndObject(); });
            buffer.Write(s_done);
            try
            {
                await response.Body.WriteAsync(buffer.WrittenMemory, CancellationToken.None);
                await response.Body.FlushAsync(CancellationToken.None);
            }
            catch (IOException) { } // the client left as well
            return null;
        }
        finally { await w.DisposeAsync(); }
    }

    // The client went away before the whole answer was written: logged as 499, like nginx.
    private static T ClientLeft<T>(HttpContext http, T results)
    {
        http.Items[R1Server.CancelledKey] = true;
        return results;
    }

    private static async Task<IReadOnlyList<GenerationResult>?> SafeResults(GenerationJob job)
    {
        try { return await job.Completion; } catch { return null; }
    }

    internal static void Event(ArrayBufferWriter<byte> buffer, Utf8JsonWriter w, Action write)
    {
        buffer.Write(s_dataPrefix);
        w.Reset(buffer);
        write();
        w.Flush();
        buffer.Write(s_eventEnd);
    }

    internal async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpContext http)
    {
        if (http.Request.ContentLength > options.MaxBodyBytes) throw TooLarge();
        var stream = new MemoryStream();
        try { await http.Request.Body.CopyToAsync(stream, http.RequestAborted); }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge) { throw TooLarge(); }
        if (stream.Length > options.MaxBodyBytes) throw TooLarge();
        return stream.GetBuffer().AsMemory(0, (int)stream.Length);
    }

    // A cross-site page can POST text/plain or a form without a CORS preflight; application/json needs one, which this
    // server never grants, so requiring it keeps other sites from starting generations (a browser "simple request").
    internal static void RequireJson(string? contentType)
    {
        if (Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var type)
            && type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
            return;
        throw new ApiError(415, $"Content-Type must be application/json, got '{contentType ?? "none"}'.", code: "unsupported_media_type");
    }

    private ApiError TooLarge() =>
        new(413, $"The request body exceeds {options.MaxBodyBytes} bytes.", code: "request_too_large");

    private sealed class RunInfo(Stopwatch clock)
    {
        public Stopwatch Clock { get; } = clock;
        public TimeSpan? FirstToken { get; set; }
    }
}
