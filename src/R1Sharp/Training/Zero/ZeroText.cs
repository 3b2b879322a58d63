// Small text helpers of the R1-Zero pipeline: whether a completion reasons, and the JSON style of its output files.
using System.Text.Encodings.Web;
using System.Text.Json;

namespace R1Sharp.Training.Zero;

/// <summary>Helpers shared by the pretraining, GRPO and report code.</summary>
public static class ZeroText
{
    /// <summary>snake_case, compact, unescaped: one object per JSONL line.</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Like <see cref="Json"/>, indented (summary files).</summary>
    public static JsonSerializerOptions JsonIndented { get; } = new(Json) { WriteIndented = true };

    /// <summary>
    /// True when the completion writes something between &lt;think&gt; and &lt;/think&gt; (or never closes it):
    /// " &lt;think&gt; 7 + 5 = 12 &lt;/think&gt; …" thinks, " &lt;think&gt; &lt;/think&gt; &lt;answer&gt; 12 &lt;/answer&gt;" does not.
    /// </summary>
    public static bool Thinks(string completion)
    {
        int open = completion.IndexOf("<think>", StringComparison.Ordinal);
        if (open < 0) return false;
        int start = open + "<think>".Length;
        int close = completion.IndexOf("</think>", start, StringComparison.Ordinal);
        var inside = close < 0 ? completion.AsSpan(start) : completion.AsSpan(start, close - start);
        return !inside.IsWhiteSpace();
    }
}
