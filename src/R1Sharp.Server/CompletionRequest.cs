// The body of POST /v1/completions (OpenAI's legacy text completions): a prompt in, text out, sampled as chat requests
// are. Fields this server does not implement (echo, suffix, best_of > 1, logprobs > 0) are refused by name, as in chat.
// logprobs = 0 returns the sampled tokens' log-probs and return_token_ids (vLLM's field) their ids: what an RL trainer
// needs from its rollout workers.
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
        "stream", "stream_options", "logit_bias", "ignore_eos", "user", "logprobs", "return_token_ids",
    };

    private static readonly Dictionary<string, (Func<JsonElement, bool> AsksNothing, string Why)> s_unimplemented = new(StringComparer.Ordinal)
    {
        ["echo"] = (v => v.ValueKind == JsonValueKind.False, "the prompt is not echoed"),
        ["suffix"] = (v => v.ValueKind == JsonValueKind.String && v.GetString() == "", "insertion (fill in the middle) is not implemented"),
        ["best_of"] = (v => v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int n) && n == 1, "best_of is not implemented; use n"),
    };

    public required string Model { get; init; }
    public required string Prompt { get; init; }
    public required ChatSettings Settings { get; init; }
    public bool Stream { get; init; }
    public bool IncludeUsage { get; init; }
    /// <summary>logprobs = 0: each choice carries the sampled tokens' log-probs (legacy logprobs object).</summary>
    public bool LogProbs { get; init; }
    /// <summary>return_token_ids (vLLM): each choice carries token_ids, the top level prompt_token_ids.</summary>
    public bool ReturnTokenIds { get; init; }

    public static CompletionRequest Parse(ReadOnlyMemory<byte> body)
    {
        using (var doc = ChatCompletionRequest.ParseBody(body))
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new ApiError(400, "The request body must be a JSON object.", code: "invalid_json");
            string model = ChatCompletionRequest.Str(root, "model")
                ?? throw ApiError.BadField("model", "you must provide a model parameter (a string)", "missing_required_parameter");
            ChatCompletionFields.RefuseUnimplemented(root, s_implemented, s_unimplemented);
            bool stream = ChatCompletionRequest.Bool(root, "stream") ?? false;
            bool logProbs = ParseLogProbs(root), tokenIds = ChatCompletionRequest.Bool(root, "return_token_ids") ?? false;
            if (stream && (logProbs || tokenIds))
                throw ApiError.BadField(logProbs ? "logprobs" : "return_token_ids", "log-probs and token ids are returned by non-streamed completions only; set stream to false", "unsupported_parameter");
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
                Stream = stream,
                IncludeUsage = ChatCompletionRequest.StreamOptions(root),
                LogProbs = logProbs,
                ReturnTokenIds = tokenIds,
            };
        }
    }

    // null: none; 0: the sampled tokens' log-probs; more (top alternatives per token) is not implemented here.
    private static bool ParseLogProbs(JsonElement root)
    {
        if (ChatCompletionRequest.Int(root, "logprobs", 0, 20) is not { } n) return false;
        return n == 0 ? true : throw ApiError.BadField("logprobs",
            "logprobs > 0 (top alternatives) is not implemented on /v1/completions; give 0 for the sampled tokens' log-probs, or use /v1/chat/completions with top_logprobs", "unsupported_value");
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
