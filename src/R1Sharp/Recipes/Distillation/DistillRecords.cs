// What `r1 distill` records: per problem, the teacher's K traces with every filter verdict (the resumable state), and
// the SFT lines made from them — TRL conversational "messages" or plain "prompt"/"completion" (R1-METHOD.md §4.4, §4.6).
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using R1Sharp.Evaluation;
using R1Sharp.Rewards;

namespace R1Sharp.Recipes.Distillation;

/// <summary>Shape of the SFT lines.</summary>
public enum DistillFormat
{
    /// <summary>TRL conversational: <c>{"messages": [user, assistant]}</c>, the assistant content
    /// <c>&lt;think&gt;\n…\n&lt;/think&gt;\n\nanswer</c> (R1 chat form; `r1 train sft` dataset_format messages).</summary>
    Messages,
    /// <summary>TRL prompt/completion strings: the plain R1-Zero prompt and the completion verbatim, so the student learns
    /// exactly the format `r1 zero` evaluates (dataset_format prompt_completion).</summary>
    PromptCompletion,
}

/// <summary>How the traces were sampled (provenance; the same for every trace of a run).</summary>
public sealed record DistillSampling(float Temperature, float TopP, int MaxTokens, ulong BaseSeed, int Samples)
{
    /// <summary>The provenance of traces sampled with <paramref name="o"/>.</summary>
    public static DistillSampling Of(EvalOptions o) => new(o.Temperature, o.TopP, o.MaxNewTokens, o.Seed, o.K);
}

/// <summary>One teacher trace and its judgement.</summary>
/// <param name="SampleIndex">0-based sample of its problem.</param>
/// <param name="Seed">The sample's seed (<see cref="EvalPrompt.Seed"/>).</param>
/// <param name="Completion">The whole completion (reasoning included).</param>
/// <param name="Graded">The part the answer is graded from (after thinking).</param>
/// <param name="CompletionTokens">Completion length in tokens, as the teacher reported it.</param>
/// <param name="ReasoningTokens">Reasoning length in tokens, as the teacher reported it (0 when unknown).</param>
/// <param name="ReasoningChars">Characters of the chain of thought (trimmed).</param>
/// <param name="Verdicts">Every filter's verdict, in <see cref="TraceFilters.Checks"/> order.</param>
/// <param name="RejectedBy">The first failed check, or null when the trace passed every filter.</param>
/// <param name="Kept">True when written to the SFT file (accepted and within --keep-per-problem).</param>
public sealed record DistillTrace(int SampleIndex, ulong Seed, string Completion, string Graded, int CompletionTokens,
    int ReasoningTokens, int ReasoningChars, IReadOnlyList<TraceVerdict> Verdicts, string? RejectedBy, bool Kept)
{
    /// <summary>True when every filter passed.</summary>
    public bool Accepted => RejectedBy is null;
}

/// <summary>One problem's traces (one line of the state file; what a rerun resumes from).</summary>
/// <param name="Id">The problem id.</param>
/// <param name="Question">The question.</param>
/// <param name="Gold">The reference answer.</param>
/// <param name="Prompt">What the teacher was asked: the user message (messages) or the prompt text (prompt/completion).</param>
/// <param name="Teacher">The teacher's name (model directory or endpoint + model).</param>
/// <param name="Format">The SFT line shape.</param>
/// <param name="Sampling">Sampling settings.</param>
/// <param name="Traces">The K traces in sample order.</param>
public sealed record DistillProblemRecord(string Id, string Question, string Gold, string Prompt, string Teacher,
    DistillFormat Format, DistillSampling Sampling, IReadOnlyList<DistillTrace> Traces);

/// <summary>The JSONL lines of a record: SFT lines of kept traces, and lines of the other traces.</summary>
public static class DistillLines
{
    private static readonly JsonWriterOptions Writer = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The assistant content of a chat-form trace: <c>&lt;think&gt;\n{reasoning}\n&lt;/think&gt;\n\n{answer}</c>, both
    /// parts trimmed. Example: "x = 2 so 4\n&lt;/think&gt;\n\\boxed{4}" → "&lt;think&gt;\nx = 2 so 4\n&lt;/think&gt;\n\n\\boxed{4}".
    /// </summary>
    public static string AssistantContent(string completion)
    {
        var reasoning = RewardFunctions.ReasoningOf(completion, CompletionTemplate.R1Chat).Trim();
        var answer = MathAnswer.AfterThinking(completion).AsSpan().Trim();
        return string.Concat("<think>\n", reasoning, "\n</think>\n\n", answer);
    }

    /// <summary>Appends one JSONL line (with its newline) for <paramref name="trace"/> of <paramref name="record"/>:
    /// the SFT fields, then <c>provenance</c>.</summary>
    public static void Append(StringBuilder sb, DistillProblemRecord record, DistillTrace trace)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Writer))
        {
            w.WriteStartObject();
            if (record.Format == DistillFormat.Messages)
            {
                w.WriteStartArray("messages");
                Message(w, "user", record.Prompt);
                Message(w, "assistant", AssistantContent(trace.Completion));
                w.WriteEndArray();
            }
            else
            {
                w.WriteString("prompt", record.Prompt);
                w.WriteString("completion", trace.Completion);
            }
            Provenance(w, record, trace);
            w.WriteEndObject();
        }
        sb.Append(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length)).Append('\n');
    }

    /// <summary>The lines of a record: kept traces into <paramref name="kept"/>, the others into <paramref name="other"/>.</summary>
    public static void Split(DistillProblemRecord record, StringBuilder kept, StringBuilder other)
    {
        foreach (var t in record.Traces) Append(t.Kept ? kept : other, record, t);
    }

    private static void Message(Utf8JsonWriter w, string role, string content)
    {
        w.WriteStartObject();
        w.WriteString("role", role);
        w.WriteString("content", content);
        w.WriteEndObject();
    }

    private static void Provenance(Utf8JsonWriter w, DistillProblemRecord r, DistillTrace t)
    {
        w.WriteStartObject("provenance");
        w.WriteString("teacher", r.Teacher);
        w.WriteString("problem_id", r.Id);
        w.WriteString("gold", r.Gold);
        w.WriteString("answer", MathAnswer.Extract(t.Graded));
        w.WriteStartObject("sampling");
        w.WriteNumber("temperature", Math.Round(r.Sampling.Temperature, 6));
        w.WriteNumber("top_p", Math.Round(r.Sampling.TopP, 6));
        w.WriteNumber("max_tokens", r.Sampling.MaxTokens);
        w.WriteNumber("seed", t.Seed);
        w.WriteNumber("sample_index", t.SampleIndex);
        w.WriteNumber("samples", r.Sampling.Samples);
        w.WriteEndObject();
        w.WriteStartObject("verdicts");
        foreach (var v in t.Verdicts)
        {
            w.WriteStartObject(v.Check);
            w.WriteBoolean("passed", v.Passed);
            w.WriteString("detail", v.Detail);
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteBoolean("accepted", t.Accepted);
        w.WriteBoolean("kept", t.Kept);
        if (t.RejectedBy is null) w.WriteNull("rejected_by"); else w.WriteString("rejected_by", t.RejectedBy);
        w.WriteNumber("reasoning_chars", t.ReasoningChars);
        w.WriteNumber("reasoning_tokens", t.ReasoningTokens);
        w.WriteNumber("completion_tokens", t.CompletionTokens);
        w.WriteEndObject();
    }
}
