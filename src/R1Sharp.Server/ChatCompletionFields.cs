// Which top-level fields of a chat completion request this server implements. OpenAI answers an unrecognized argument
// with 400; so does R1Sharp, and also for OpenAI fields it does not implement (functions, audio, prediction...),
// unless their value asks for nothing (null, functions [], ...): an ignored field would answer another question.
using System.Text.Json;

namespace R1Sharp.Server;

internal static class ChatCompletionFields
{
    /// <summary>Fields read by <see cref="ChatCompletionRequest"/>; <c>user</c> and <c>safety_identifier</c> only name the
    /// caller (OpenAI: abuse monitoring) and <c>prompt_cache_key</c> only routes to a cache: none changes the output.</summary>
    public static readonly IReadOnlySet<string> Implemented = new HashSet<string>(StringComparer.Ordinal)
    {
        "model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "top_k", "presence_penalty",
        "frequency_penalty", "seed", "stop", "n", "stream", "stream_options", "reasoning_effort", "thinking_budget", "ignore_eos", "user",
        "tools", "tool_choice", "parallel_tool_calls",
        "safety_identifier", "prompt_cache_key", "response_format", "logprobs", "top_logprobs", "logit_bias",
        "chat_template_kwargs",
    };

    // OpenAI fields not implemented here, each with the value that asks for nothing beyond what the server does anyway.
    private static readonly Dictionary<string, (Func<JsonElement, bool> AsksNothing, string Why)> s_unimplemented = new(StringComparer.Ordinal)
    {
        ["functions"] = (v => v.ValueKind == JsonValueKind.Array && v.GetArrayLength() == 0, "the legacy functions API is not implemented; use tools and tool_choice"),
        ["function_call"] = (v => v.ValueKind == JsonValueKind.String && v.GetString() == "none", "the legacy functions API is not implemented; use tools and tool_choice"),
        ["store"] = (v => v.ValueKind == JsonValueKind.False, "this server stores no completions"),
        ["metadata"] = (v => v.ValueKind == JsonValueKind.Object && !v.EnumerateObject().Any(), "this server stores no completions to tag"),
        ["modalities"] = (v => v.ValueKind == JsonValueKind.Array && v.EnumerateArray().All(m => m.ValueKind == JsonValueKind.String && m.GetString() == "text"),
            "this model writes text only"),
        ["audio"] = (_ => false, "this model writes text only"),
        ["prediction"] = (_ => false, "predicted outputs are not implemented"),
        ["service_tier"] = (v => v.ValueKind == JsonValueKind.String && v.GetString() is "auto" or "default", "this server has one service tier"),
        ["verbosity"] = (v => v.ValueKind == JsonValueKind.String && v.GetString() == "medium", "this model has no verbosity control"),
        ["web_search_options"] = (_ => false, "this server does not search the web"),
    };

    /// <summary>Every field this server knows: implemented, or refused with a reason unless its value asks for nothing.</summary>
    public static IEnumerable<string> Known => Implemented.Concat(s_unimplemented.Keys);

    /// <summary>Throws a 400 naming the first field that is neither implemented nor asking for nothing.</summary>
    public static void RefuseUnimplemented(JsonElement root) => RefuseUnimplemented(root, Implemented, s_unimplemented);

    /// <summary>The same check for another endpoint's fields (e.g. /v1/completions).</summary>
    internal static void RefuseUnimplemented(JsonElement root, IReadOnlySet<string> implemented,
        IReadOnlyDictionary<string, (Func<JsonElement, bool> AsksNothing, string Why)> unimplemented)
    {
        foreach (var field in root.EnumerateObject())
        {
            if (implemented.Contains(field.Name) || field.Value.ValueKind == JsonValueKind.Null) continue;
            if (unimplemented.TryGetValue(field.Name, out var known))
            {
                if (known.AsksNothing(field.Value)) continue;
                throw ApiError.BadField(field.Name, $"{field.Name} is not supported: {known.Why}; remove it from the request", "unsupported_parameter");
            }
            throw ApiError.BadField(field.Name, $"Unrecognized request argument supplied: {field.Name}", "unsupported_parameter");
        }
    }
}
