// The body of POST /v1/completions (OpenAI's legacy text completions): a prompt in, text out, sampled as chat requests
// are. Fields this server does not implement (echo, suffix, best_of > 1, logprobs) are refused by name, as in chat.
using System.Text.Json;
using R1Sharp.Serving;

namespace R1Sharp.Server;

/// <summary>A validated text completion request.</summary>
internal sealed record CompletionRequest
{
    /// <summary>OpenAI's default max_tokens for completions.</summary>
    public const int DefaultMaxTokens = 16;

    private static readonly HashSet<string> s_implemented = new(StringComparer.Ordinal)
    {
        "model", "prompt", "max_tokens", "temperature", "top_p", "top_k", "presence_penalty", "frequency_penalty", "seed", "stop", "n",
        "stream", "stream_options", "logit_bias", "ignore_eos", "user",
    };

    private static readonly Dictionary<string, (Func<JsonElement, bool> AsksNothing, string Why)> s_unimplemented = new(StringComparer.Ordinal)
    {
        ["echo"] = (v => v.ValueKind == JsonValueKind.False, "the prompt is not echoed"),
        ["suffix"] = (v => v.ValueKind == JsonValueKind.String && v.GetString() == "", "insertion (fill in the middle) is not implemented"),
        ["best_of"] = (v => v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int n) && n == 1, "best_of is not implemented; use n"),
        ["logprobs"] = (v => v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int n) && n == 0, "completions return no log-probs; use /v1/chat/completions"),
    };

    public required string Model { get; init; }
    public required string Prompt { get; init; }
    public required ChatSettings Settings { get; init; }
    public bool Stream { get; init; }
    public bool IncludeUsage { get; init; }

    public static CompletionRequest Parse(ReadOnlyMemory<byte> body)
    {
        using (var doc = ChatCompletionRequest.ParseBody(body))
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new ApiError(400, "The request body must be a JSON object.", code: "invalid_json");
            string model = ChatCompletionRequest.Str(root, "model")
                ?? throw ApiError.BadField("model", "you must provide a model parameter (a string)", "missing_required_parameter");
            ChatCompletionFields.RefuseUnimplemented(root, s_implemented, s_unimplemented);
            return new CompletionRequest
            {
                Model = model,
                Prompt = ParsePrompt(root),
                Settings = new ChatSettings
                {
                    MaxTokens = ChatCompletionRequest.Int(root, "max_tokens", 1, int.MaxValue) ?? DefaultMaxTokens,
                    Temperature = ChatCompletionRequest.Float(root, "temperature", 0, 2, lowOpen: false),
                    TopP = ChatCompletionRequest.Float(root, "top_p", 0, 1, lowOpen: true),
                    TopK = ChatCompletionRequest.Int(root, "top_k", -1, int.MaxValue) is { } k ? Math.Max(k, 0) : null,
                    PresencePenalty = ChatCompletionRequest.Float(root, "presence_penalty", -2, 2, lowOpen: false),
                    FrequencyPenalty = ChatCompletionRequest.Float(root, "frequency_penalty", -2, 2, lowOpen: false),
                    Seed = ChatCompletionRequest.ParseSeed(root),
                    Stop = ChatCompletionRequest.Stops(root),
                    N = ChatCompletionRequest.Int(root, "n", 1, 128) ?? 1,
                    IgnoreEos = ChatCompletionRequest.Bool(root, "ignore_eos"),
                    LogitBias = LogitBiasField.Parse(root),
                },
                Stream = ChatCompletionRequest.Bool(root, "stream") ?? false,
                IncludeUsage = ChatCompletionRequest.StreamOptions(root),
            };
        }
    }

    // A string, or an array of exactly one string (OpenAI's batch of prompts is not implemented: one prompt per request).
    private static string ParsePrompt(JsonElement root)
    {
        if (!root.TryGetProperty("prompt", out var p) || p.ValueKind == JsonValueKind.Null)
            throw ApiError.BadField("prompt", "you must provide a prompt (a string)", "missing_required_parameter");
        if (p.ValueKind == JsonValueKind.Array && p.GetArrayLength() == 1 && p[0].ValueKind == JsonValueKind.String) p = p[0];
        if (p.ValueKind != JsonValueKind.String)
            throw ApiError.BadField("prompt", "prompt must be a string (or an array of one string; token-id prompts and batches are not supported)", "invalid_type");
        string text = p.GetString()!;
        return text.Length > 0 ? text : throw ApiError.BadField("prompt", "prompt must not be empty");
    }
}
