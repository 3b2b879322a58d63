// POST /v1/completions (OpenAI's legacy text completions): the prompt is tokenized as it is (no chat template; BOS as
// the tokenizer adds it), sampled with the chat endpoint's mapping (ChatGeneration), answered as one text_completion
// object or as SSE chunks ending with `data: [DONE]`. No stop strings but the request's; the thinking is not split off.
using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using R1Sharp.Generation;
using R1Sharp.Serving;
using R1Sharp.Text;
using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Server;

internal sealed class CompletionsEndpoint(BatchScheduler scheduler, IChatTemplate template, ServerOptions options, ServerMetrics metrics,
    ChatCompletionsEndpoint chat)
{
    public async Task HandleAsync(HttpContext http)
    {
        var clock = Stopwatch.StartNew();
        var body = await chat.ReadBodyAsync(http);
        ChatCompletionsEndpoint.RequireJson(http.Request.ContentType);
        var request = CompletionRequest.Parse(body);
        if (request.Model != options.ModelId)
            throw ApiError.BadField("model", $"The model '{request.Model}' does not exist; this server serves '{options.ModelId}' (see /v1/models)", "model_not_found");
        long maxChars = options.MaxPromptChars ?? (long)scheduler.ContextLength * ServerOptions.PromptCharsPerToken;
        if (request.Prompt.Length > maxChars)
            throw ApiError.BadField("prompt", $"The prompt holds {request.Prompt.Length} characters; this server takes at most {maxChars}; shorten it.", "context_length_exceeded");
        using var reservation = scheduler.TryReserve() ?? throw chat.QueueFull(http);
        var (prompt, generation) = Prepare(request);
        GenerationJob job;
        try { job = scheduler.Submit(reservation, prompt, generation, http.RequestAborted); }
        catch (R1SharpException e) { throw new ApiError(400, e.Message, param: null, code: "invalid_value"); }
        string id = "cmpl-" + Guid.NewGuid().ToString("N")[..24];
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var results = request.Stream ? await StreamAsync(http, request, job, id, created) : await CompleteAsync(http, request, prompt.PromptIds, scheduler.Tokenizer, job, id, created);
        if (results is null) return;
        var usage = OpenAiJson.Usage(results);
        metrics.Completion(usage, null, clock.Elapsed);
        http.Items[R1Server.LogKey] = $"prompt={usage.PromptTokens} completion={usage.CompletionTokens} n={results.Count} " +
            $"finish={string.Join(',', results.Select(r => r.FinishReason.ToApiString()))}{(request.Stream ? " stream" : "")}";
    }

    private (GenerationRequest, GenerationOptions) Prepare(CompletionRequest request)
    {
        GenerationOptions generation;
        try
        {
            generation = ChatGeneration.Options(scheduler.DefaultOptions(), template, request.Settings) with { StopStrings = request.Settings.Stop };
            ChatGeneration.CheckLogitBias(scheduler, request.Settings);
        }
        catch (ChatRequestException e) { throw ApiError.BadField(e.Field, e.Message); }
        var ids = scheduler.Tokenizer.Encode(request.Prompt);
        if (ids.Length >= scheduler.ContextLength)
            throw ApiError.BadField("prompt", $"This model's context is {scheduler.ContextLength} tokens, but the prompt takes {ids.Length}; shorten it.",
                "context_length_exceeded");
        return (new GenerationRequest(ids), generation);
    }

    private static async Task<IReadOnlyList<GenerationResult>?> CompleteAsync(HttpContext http, CompletionRequest request, IReadOnlyList<int> promptIds,
        HfTokenizer tokenizer, GenerationJob job, string id, long created)
    {
        var results = await job.Completion;
        if (http.RequestAborted.IsCancellationRequested) { http.Items[R1Server.CancelledKey] = true; return results; }
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, OpenAiJson.WriterOptions))
        {
            Header(w, id, created, http);
            w.WriteStartArray("choices");
            for (int i = 0; i < results.Count; i++)
                Choice(w, i, results[i].Text, OpenAiJson.FinishReasonOf(results[i].FinishReason), request.LogProbs ? results[i] : null, tokenizer,
                    request.ReturnTokenIds ? results[i].Tokens : null);
            w.WriteEndArray();
            if (request.ReturnTokenIds) CompletionLogProbsJson.WriteIds(w, "prompt_token_ids", promptIds);
            OpenAiJson.WriteUsageProperty(w, OpenAiJson.Usage(results));
            w.WriteEndObject();
        }
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(buffer.WrittenMemory);
        return results;
    }

    private static async Task<IReadOnlyList<GenerationResult>?> StreamAsync(HttpContext http, CompletionRequest request, GenerationJob job, string id, long created)
    {
        var response = http.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        var buffer = new ArrayBufferWriter<byte>();
        await using var w = new Utf8JsonWriter(buffer, OpenAiJson.WriterOptions);
        void Chunk(int index, string text, string? finish) => ChatCompletionsEndpoint.Event(buffer, w, () =>
        {
            Header(w, id, created, http);
            w.WriteStartArray("choices");
            Choice(w, index, text, finish);
            w.WriteEndArray();
            if (request.IncludeUsage) w.WriteNull("usage");
            w.WriteEndObject();
        });
        try
        {
            while (await job.Deltas.WaitToReadAsync(CancellationToken.None))
            {
                while (job.Deltas.TryRead(out var d))
                {
                    string text = d.Reasoning + d.Content;
                    if (text.Length > 0) Chunk(d.Sequence, text, null);
                    if (d.Result is { } r) Chunk(d.Sequence, "", OpenAiJson.FinishReasonOf(r.FinishReason));
                }
                await response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted);
                buffer.Clear();
                await response.Body.FlushAsync(http.RequestAborted);
            }
            var results = await job.Completion;
            if (request.IncludeUsage)
            {
                ChatCompletionsEndpoint.Event(buffer, w, () =>
                {
                    Header(w, id, created, http);
                    w.WriteStartArray("choices");
                    w.WriteEndArray();
                    OpenAiJson.WriteUsageProperty(w, OpenAiJson.Usage(results));
                    w.WriteEndObject();
                });
            }
            buffer.Write("data: [DONE]\n\n"u8);
            await response.Body.WriteAsync(buffer.WrittenMemory, http.RequestAborted);
            await response.Body.FlushAsync(http.RequestAborted);
            return results;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException || http.RequestAborted.IsCancellationRequested)
        {
            http.Items[R1Server.CancelledKey] = true;
            return null;
        }
    }

    private static void Header(Utf8JsonWriter w, string id, long created, HttpContext http)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", "text_completion");
        w.WriteNumber("created", created);
        w.WriteString("model", (string)http.Items[R1Server.ModelKey]!);
    }

    private static void Choice(Utf8JsonWriter w, int index, string text, string? finish, GenerationResult? logProbs = null, HfTokenizer? tokenizer = null, int[]? tokenIds = null)
    {
        w.WriteStartObject();
        w.WriteString("text", text);
        w.WriteNumber("index", index);
        if (logProbs is null) w.WriteNull("logprobs"); else CompletionLogProbsJson.Write(w, logProbs, tokenizer!);
        if (tokenIds is not null) CompletionLogProbsJson.WriteIds(w, "token_ids", tokenIds);
        if (finish is null) w.WriteNull("finish_reason"); else w.WriteString("finish_reason", finish);
        w.WriteEndObject();
    }
}
