// choices[].logprobs of chat.completion and chat.completion.chunk (OpenAI): {"content": [{token, logprob, bytes,
// top_logprobs: [{token, logprob, bytes}]}], "refusal": null}, or null when log-probs were not asked for.
using System.Text;
using System.Text.Json;
using R1Sharp.Generation;

namespace R1Sharp.Server;

internal static class LogProbsJson
{
    // Tokens may hold part of a UTF-8 character: token is then the bytes decoded with U+FFFD, bytes stays exact.
    private static readonly Encoding s_lenient = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>Writes the <c>logprobs</c> property: null, or the content entries.</summary>
    public static void Write(Utf8JsonWriter w, IReadOnlyList<TokenLogProbs>? entries)
    {
        if (entries is null) { w.WriteNull("logprobs"); return; }
        w.WriteStartObject("logprobs");
        w.WriteStartArray("content");
        foreach (var e in entries)
        {
            w.WriteStartObject();
            Token(w, e.Bytes, e.LogProb);
            w.WriteStartArray("top_logprobs");
            foreach (var t in e.Top)
            {
                w.WriteStartObject();
                Token(w, t.Bytes, t.LogProb);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteNull("refusal");
        w.WriteEndObject();
    }

    private static void Token(Utf8JsonWriter w, byte[] bytes, float logProb)
    {
        w.WriteString("token", s_lenient.GetString(bytes));
        // −∞ (a masked alternative never makes the top list, but a forced pick could) is written as OpenAI's floor.
        w.WriteNumber("logprob", float.IsFinite(logProb) ? logProb : -9999f);
        w.WriteStartArray("bytes");
        foreach (byte b in bytes) w.WriteNumberValue(b);
        w.WriteEndArray();
    }
}
