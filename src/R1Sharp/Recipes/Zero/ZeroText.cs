// Small text helpers of the R1-Zero pipeline: whether a completion reasons, and the JSON style of its output files.
using System.Text.Encodings.Web;
using System.Text.Json;
using R1Sharp.Evaluation;

namespace R1Sharp.Recipes.Zero;

/// <summary>Helpers shared by the pretraining, GRPO and report code.</summary>
public static class ZeroText
{
    /// <summary>snake_case, compact, unescaped: one object per JSONL line.</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>One JSONL line in the <see cref="Json"/> style.</summary>
    public static string ToJsonLine(object value) => JsonSerializer.Serialize(value, Json);

    /// <summary>Like <see cref="Json"/>, indented (summary files).</summary>
    public static JsonSerializerOptions JsonIndented { get; } = new(Json) { WriteIndented = true };

    /// <summary>
    /// True when the completion writes something between &lt;think&gt; and &lt;/think&gt; (or never closes it):
    /// " &lt;think&gt; 7 + 5 = 12 &lt;/think&gt; …" thinks, " &lt;think&gt; &lt;/think&gt; &lt;answer&gt; 12 &lt;/answer&gt;" does not.
    /// </summary>
    public static bool Thinks(string completion) => R1Sharp.Training.Grpo.GrpoStepMetrics.Thinks(completion);

    /// <summary>
    /// Per-mode view of an evaluation: the share of completions that think, and the accuracy of thinking and of
    /// direct completions (NaN where a mode never occurs). This is what shows whether thinking pays.
    /// </summary>
    public static ModeAccuracy ByMode(EvalResult result)
    {
        int thinking = 0, thinkingRight = 0, direct = 0, directRight = 0;
        foreach (var record in result.Records)
            for (int i = 0; i < record.Completions.Count; i++)
            {
                if (Thinks(record.Completions[i])) { thinking++; if (record.Correct[i]) thinkingRight++; }
                else { direct++; if (record.Correct[i]) directRight++; }
            }
        int all = thinking + direct;
        return new(all == 0 ? double.NaN : thinking / (double)all,
            thinking == 0 ? double.NaN : thinkingRight / (double)thinking, direct == 0 ? double.NaN : directRight / (double)direct);
    }
}

/// <summary>Share of completions that think and the accuracy of thinking and of direct completions.</summary>
public sealed record ModeAccuracy(double ThinkingShare, double ThinkingAccuracy, double DirectAccuracy);
