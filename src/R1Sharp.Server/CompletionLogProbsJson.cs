// choices[].logprobs of a text_completion (OpenAI's legacy shape, as vLLM and SGLang return it for logprobs = 0):
// {"tokens": [...], "token_logprobs": [...], "top_logprobs": null, "text_offset": [...]}, and vLLM's token_ids /
// prompt_token_ids arrays (return_token_ids). The log-probs are the sampling distribution's (after temperature, before
// top-p/top-k truncation), one per generated token, the EOS that ended a sequence included.
using System.Text.Json;
using R1Sharp.Generation;
using R1Sharp.Text;

namespace R1Sharp.Server;

internal static class CompletionLogProbsJson
{
    /// <summary>Writes the <c>logprobs</c> property of one choice.</summary>
    public static void Write(Utf8JsonWriter w, GenerationResult result, HfTokenizer tokenizer)
    {
        w.WriteStartObject("logprobs");
        var texts = result.Tokens.Select(t => tokenizer.Decode([t])).ToArray();
        w.WriteStartArray("tokens");
        foreach (string t in texts) w.WriteStringValue(t);
        w.WriteEndArray();
        w.WriteStartArray("token_logprobs");
        // −∞ (a token the sampler could not pick but was forced) is written as OpenAI's floor.
        foreach (float lp in result.LogProbs) w.WriteNumberValue(float.IsFinite(lp) ? lp : -9999f);
        w.WriteEndArray();
        w.WriteNull("top_logprobs");
        w.WriteStartArray("text_offset");
        int offset = 0;
        foreach (string t in texts) { w.WriteNumberValue(offset); offset += t.Length; }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>Writes an array of token ids under <paramref name="name"/>.</summary>
    public static void WriteIds(Utf8JsonWriter w, string name, IReadOnlyList<int> ids)
    {
        w.WriteStartArray(name);
        foreach (int id in ids) w.WriteNumberValue(id);
        w.WriteEndArray();
    }
}
