// JSON shapes of the chat completions API: chat.completion, chat.completion.chunk and usage (OpenAI; reasoning under
// both reasoning_content (DeepSeek, llama.cpp) and reasoning (vLLM, Ollama /v1); SERVING.md §1, §4, §5), plus
// llama-server's `timings` (on the completion object, or on the last chunk of a stream).
using System.Text.Encodings.Web;
using System.Text.Json;
using R1Sharp.Generation;

namespace R1Sharp.Server;

/// <summary>Writers for the response objects. Every method writes one complete JSON value.</summary>
public static class OpenAiJson
{
    /// <summary>Compact output, non-ASCII text unescaped (what curl users read).</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The API spelling of a finish reason: stop or length (the loop guard counts as length, a cancelled run as stop).</summary>
    public static string FinishReasonOf(FinishReason reason) => reason switch
    {
        FinishReason.Length or FinishReason.Loop => "length",
        _ => "stop",
    };

    /// <summary>A non-streaming <c>chat.completion</c>; <paramref name="answers"/> gives, per choice, its answer split into
    /// content and tool calls (requests with tools), or null.</summary>
    public static void WriteCompletion(Utf8JsonWriter w, string id, long created, string model, IReadOnlyList<GenerationResult> results,
        IReadOnlyList<ToolAnswer?>? answers = null)
    {
        w.WriteStartObject();
        w.WriteString("id", id);
        w.WriteString("object", "chat.completion");
        w.WriteNumber("created", created);
        w.WriteString("model", model);
        w.WriteStartArray("choices");
        for (int i = 0; i < results.Count; i++)
        {
            var r = results[i];
            w.WriteStartObject();
            w.WriteNumber("index", i);
            w.WriteStartObject("message");
            w.WriteString("role", "assistant");
            var answer = answers?[i];
            w.WriteString("content", answer is null ? r.Content : answer.Content);
            w.WriteString("reasoning_content", r.Reasoning);
            w.WriteString("reasoning", r.Reasoning);
            if (answer is { Calls.Count: > 0 }) OpenAiToolJson.WriteToolCalls(w, answer.Calls);
            w.WriteEndObject();
            LogProbsJson.Write(w, r.ContentLogProbs);
            w.WriteString("finish_reason", OpenAiToolJson.FinishReason(r.FinishReason, answer is { Calls.Count: > 0 }));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        WriteUsage(w, Usage(results));
        WriteTimings(w, GenerationTimings.Combine(results));
        w.WriteEndObject();
    }

    /// <summary>
    /// A <c>chat.completion.chunk</c> for one choice: <paramref name="role"/> on the first, reasoning and content
    /// deltas, <paramref name="finishReason"/> on the last. <c>usage</c> is null when usage was asked for.
    /// <paramref name="timings"/> goes on the stream's last chunk (llama-server).
    /// </summary>
    public static void WriteChunk(Utf8JsonWriter w, string id, long created, string model, int index, string? role,
        string reasoning, string content, string? finishReason, bool usageNull, GenerationTimings? timings = null,
        IReadOnlyList<ToolCallOut>? toolCalls = null, IReadOnlyList<TokenLogProbs>? logProbs = null)
    {
        w.WriteStartObject();
        WriteChunkHeader(w, id, created, model);
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", index);
        w.WriteStartObject("delta");
        if (role is not null) { w.WriteString("role", role); w.WriteString("content", ""); }
        if (reasoning.Length > 0) { w.WriteString("reasoning_content", reasoning); w.WriteString("reasoning", reasoning); }
        if (content.Length > 0) w.WriteString("content", content);
        if (toolCalls is { Count: > 0 }) OpenAiToolJson.WriteToolCalls(w, toolCalls);
        w.WriteEndObject();
        LogProbsJson.Write(w, logProbs);
        if (finishReason is null) w.WriteNull("finish_reason"); else w.WriteString("finish_reason", finishReason);
        w.WriteEndObject();
        w.WriteEndArray();
        if (usageNull) w.WriteNull("usage");
        WriteTimings(w, timings);
        w.WriteEndObject();
    }

    /// <summary>The last chunk of a stream with <c>include_usage</c>: no choices, the usage (and the timings).</summary>
    public static void WriteUsageChunk(Utf8JsonWriter w, string id, long created, string model, GenerationUsage usage,
        GenerationTimings? timings = null)
    {
        w.WriteStartObject();
        WriteChunkHeader(w, id, created, model);
        w.WriteStartArray("choices");
        w.WriteEndArray();
        WriteUsage(w, usage);
        WriteTimings(w, timings);
        w.WriteEndObject();
    }

    /// <summary>
    /// llama-server's <c>timings</c> property (nothing when null): prompt_n, prompt_ms, prompt_per_token_ms,
    /// prompt_per_second, predicted_n, predicted_ms, predicted_per_token_ms, predicted_per_second.
    /// </summary>
    public static void WriteTimings(Utf8JsonWriter w, GenerationTimings? t)
    {
        if (t is null) return;
        w.WriteStartObject("timings");
        w.WriteNumber("prompt_n", t.PromptTokens);
        w.WriteNumber("prompt_ms", t.PromptMs);
        w.WriteNumber("prompt_per_token_ms", t.PromptPerTokenMs);
        w.WriteNumber("prompt_per_second", t.PromptPerSecond);
        w.WriteNumber("predicted_n", t.PredictedTokens);
        w.WriteNumber("predicted_ms", t.PredictedMs);
        w.WriteNumber("predicted_per_token_ms", t.PredictedPerTokenMs);
        w.WriteNumber("predicted_per_second", t.PredictedPerSecond);
        w.WriteEndObject();
    }

    /// <summary>Usage of n samples of one prompt: the prompt counted once, completions and reasoning summed.</summary>
    public static GenerationUsage Usage(IReadOnlyList<GenerationResult> results)
    {
        var sum = GenerationUsage.Sum(results.Select(r => r.Usage));
        return sum with { PromptTokens = results.Count == 0 ? 0 : results[0].Usage.PromptTokens };
    }

    private static void WriteChunkHeader(Utf8JsonWriter w, string id, long created, string model)
    {
        w.WriteString("id", id);
        w.WriteString("object", "chat.completion.chunk");
        w.WriteNumber("created", created);
        w.WriteString("model", model);
    }

    /// <summary>The <c>usage</c> property (prompt, completion and total tokens, reasoning tokens).</summary>
    public static void WriteUsageProperty(Utf8JsonWriter w, GenerationUsage u) => WriteUsage(w, u);

    private static void WriteUsage(Utf8JsonWriter w, GenerationUsage u)
    {
        w.WriteStartObject("usage");
        w.WriteNumber("prompt_tokens", u.PromptTokens);
        w.WriteNumber("completion_tokens", u.CompletionTokens);
        w.WriteNumber("total_tokens", u.TotalTokens);
        w.WriteStartObject("completion_tokens_details");
        w.WriteNumber("reasoning_tokens", u.ReasoningTokens);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
