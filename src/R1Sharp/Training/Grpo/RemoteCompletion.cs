// Reading a /v1/completions reply of a rollout worker (OpenAI's legacy text_completion, as vLLM, SGLang and r1 serve
// answer it): per choice the text, finish_reason, the sampled tokens' log-probs (logprobs.token_logprobs) and, where
// the server returns them, the token ids (vLLM's return_token_ids: choices[].token_ids). Pure functions.
using System.Text.Json;
using R1Sharp.Generation;

namespace R1Sharp.Training.Grpo;

/// <summary>One sampled completion as a worker reported it.</summary>
/// <param name="Index">choices[].index (which of the n samples).</param>
/// <param name="Text">The completion text (no EOS).</param>
/// <param name="Finish">finish_reason: stop (EOS or a stop string) or length.</param>
/// <param name="TokenIds">The sampled ids (the EOS that ended it included), or null when the server sends none.</param>
/// <param name="LogProbs">One log-prob per sampled token, or null when the server sends none.</param>
public sealed record RemoteChoice(int Index, string Text, FinishReason Finish, int[]? TokenIds, float[]? LogProbs);

/// <summary>See the file header.</summary>
public static class RemoteCompletion
{
    /// <summary>
    /// The choices of a text_completion body, ordered by index; null when the body is not one, or does not hold
    /// exactly <paramref name="n"/> choices (a reply to another request, or a server that ignored n).
    /// </summary>
    /// <example><c>{"choices":[{"index":0,"text":" 7","finish_reason":"stop","token_ids":[22,2],
    /// "logprobs":{"token_logprobs":[-0.5,-0.1]}}]}</c> → [RemoteChoice(0, " 7", Stop, [22, 2], [−0.5, −0.1])].</example>
    public static RemoteChoice[]? Parse(string body, int n)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("choices", out var choices)
                || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() != n) return null;
            var parsed = new List<RemoteChoice>(n);
            foreach (var c in choices.EnumerateArray())
            {
                if (c.ValueKind != JsonValueKind.Object || !c.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String) return null;
                int index = c.TryGetProperty("index", out var i) && i.TryGetInt32(out int k) ? k : parsed.Count;
                var finish = c.TryGetProperty("finish_reason", out var f) && f.ValueKind == JsonValueKind.String && f.GetString() == "length"
                    ? FinishReason.Length : FinishReason.Stop;
                int[]? ids = c.TryGetProperty("token_ids", out var t) && t.ValueKind == JsonValueKind.Array
                    ? t.EnumerateArray().Select(x => x.GetInt32()).ToArray() : null;
                float[]? logProbs = c.TryGetProperty("logprobs", out var lp) && lp.ValueKind == JsonValueKind.Object
                    && lp.TryGetProperty("token_logprobs", out var tl) && tl.ValueKind == JsonValueKind.Array
                    ? tl.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Number ? x.GetSingle() : 0f).ToArray() : null;
                parsed.Add(new RemoteChoice(index, text.GetString()!, finish, ids, logProbs));
            }
            return parsed.OrderBy(c => c.Index).ToArray();
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException) { return null; }
    }

    /// <summary>
    /// The token ids of a choice: the server's, or — when it sent none — <paramref name="tokenize"/>(text) plus
    /// <paramref name="eosId"/> when it stopped (a stop string would be indistinguishable: rollouts send none). The
    /// log-probs are kept only when there is one per token (a re-tokenization may split the text differently).
    /// </summary>
    /// <example>text "ab", no ids, log-probs [−1, −2, −3], tokenize → [5, 6], stop, EOS 2 → ([5, 6, 2], [−1, −2, −3]);
    /// with log-probs [−1, −2] → ([5, 6, 2], null).</example>
    public static (int[] Tokens, float[]? LogProbs, bool Retokenized) Tokens(RemoteChoice choice, Func<string, int[]> tokenize, int? eosId)
    {
        bool retokenized = choice.TokenIds is null;
        int[] ids = choice.TokenIds
            ?? (choice.Finish == FinishReason.Stop && eosId is int eos ? [.. tokenize(choice.Text), eos] : tokenize(choice.Text));
        float[]? lp = choice.LogProbs is { } l && l.Length == ids.Length ? l : null;
        return (ids, lp, retokenized);
    }
}
