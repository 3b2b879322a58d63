// R1's rejection sampling for distillation data (R1-METHOD.md §4.4, §4.6): K teacher samples per problem, every trace
// judged by TraceFilters, the accepted ones written as SFT lines. Resumable: finished problems live in a state file.
using System.Globalization;
using System.Text;
using System.Text.Json;
using R1Sharp.Evaluation;
using R1Sharp.Text.ChatTemplates;
using R1Sharp.Data;
using R1Sharp.Rewards;

namespace R1Sharp.Recipes.Distillation;

/// <summary>Settings of a distillation run (defaults: the R1 sampling protocol, every accepted trace kept).</summary>
public sealed record DistillOptions
{
    /// <summary>How the teacher samples: K = samples per problem (default 4), max new tokens (default 32768; local
    /// teachers: capped by the context), temperature 0.6, top-p 0.95, and base seed 1234 (sample i of problem p uses
    /// seed + p·K + i), as `r1 eval` samples.</summary>
    public EvalOptions Sampling { get; init; } = new() { K = 4, MaxNewTokens = 32768 };
    /// <summary>Accepted traces written per problem at most (the first by sample index); null = all.</summary>
    public int? KeepPerProblem { get; init; }
    /// <summary>SFT line shape. Default messages (R1 chat form).</summary>
    public DistillFormat Format { get; init; } = DistillFormat.Messages;
    /// <summary>Appended to each question (messages format only). Default the R1 math instruction.</summary>
    public string? Instruction { get; init; } = EvalPrompt.DefaultInstruction;
    /// <summary>Filter thresholds; their template follows <see cref="Format"/> (see <see cref="EffectiveFilters"/>).</summary>
    public TraceFilterOptions Filters { get; init; } = new();

    /// <summary>The filters with the template of <see cref="Format"/> (R1-Zero tags for prompt/completion).</summary>
    public TraceFilterOptions EffectiveFilters => Filters with
    {
        Template = Format == DistillFormat.PromptCompletion ? CompletionTemplate.R1Zero : CompletionTemplate.R1Chat,
    };

    /// <summary>Throws a one-line <see cref="R1SharpException"/> naming the first bad option.</summary>
    public DistillOptions Validate()
    {
        Sampling.Validate();
        if (KeepPerProblem is < 1) throw new R1SharpException($"--keep-per-problem must be >= 1, got {KeepPerProblem}");
        Filters.Validate();
        return this;
    }

    /// <summary>What the teacher is asked for <paramref name="question"/>: the user message, or the plain R1-Zero prompt.</summary>
    public string PromptOf(string question) =>
        Format == DistillFormat.Messages ? EvalPrompt.UserMessage(question, Instruction) : R1ZeroTemplate.Prompt(question);
}

/// <summary>The three files of a run: SFT lines (<c>--out</c>), the other traces, and the per-problem state.</summary>
public sealed record DistillPaths(string Out, string Rejected, string State)
{
    /// <summary>For <c>data.jsonl</c>: <c>data.rejected.jsonl</c> and <c>data.state.jsonl</c> beside it.</summary>
    public static DistillPaths For(string outPath)
    {
        string stem = outPath.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) ? outPath[..^".jsonl".Length] : outPath;
        return new(outPath, stem + ".rejected.jsonl", stem + ".state.jsonl");
    }
}

/// <summary>Progress of a run: problems done (resumed included) of the total, and the record just finished.</summary>
public readonly record struct DistillProgress(int Done, int Total, int Resumed, DistillProblemRecord Record);

/// <summary>Counts of a run: traces accepted and kept, rejections by first failed check, failures of each check.</summary>
public sealed record DistillSummary(int Problems, int Traces, int Accepted, int Kept, int ProblemsWithKept,
    IReadOnlyDictionary<string, int> RejectedBy, IReadOnlyDictionary<string, int> Failed, double MeanKeptReasoningChars);

/// <summary>A run's records (dataset order) and summary.</summary>
public sealed record DistillResult(IReadOnlyList<DistillProblemRecord> Records, DistillSummary Summary);

/// <summary>Rejection sampling from any <see cref="IEvalBackend"/> teacher.</summary>
public static partial class DistillRunner
{
    /// <summary>
    /// Judges one problem's samples: every filter on every trace, then the first <see cref="DistillOptions.KeepPerProblem"/>
    /// accepted ones (by sample index) kept. Pure.
    /// </summary>
    public static DistillProblemRecord Judge(Problem problem, int problemIndex, IReadOnlyList<EvalSample> samples, string teacher, DistillOptions options)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(samples);
        var filters = options.EffectiveFilters;
        var eval = options.Sampling;
        var traces = new DistillTrace[samples.Count];
        int kept = 0;
        for (int i = 0; i < samples.Count; i++)
        {
            var s = samples[i];
            var verdicts = TraceFilters.Judge(s.Text, s.Graded, problem.Answer, filters);
            string? rejectedBy = TraceFilters.RejectedBy(verdicts);
            bool keep = rejectedBy is null && kept < (options.KeepPerProblem ?? int.MaxValue);
            if (keep) kept++;
            int reasoningChars = RewardFunctions.ReasoningOf(s.Text, filters.Template).Trim().Length;
            traces[i] = new DistillTrace(i, EvalPrompt.Seed(eval, problemIndex, i), s.Text, s.Graded, s.CompletionTokens,
                s.ReasoningTokens, reasoningChars, verdicts, rejectedBy, keep);
        }
        return new DistillProblemRecord(problem.Id, problem.Question, problem.Answer, options.PromptOf(problem.Question), teacher,
            options.Format, DistillSampling.Of(eval), traces);
    }

    /// <summary>Totals over records: accepted/kept traces, first rejection reasons, per-check failures.</summary>
    public static DistillSummary Summarize(IReadOnlyList<DistillProblemRecord> records)
    {
        var rejectedBy = TraceFilters.Checks.ToDictionary(c => c, _ => 0);
        var failed = TraceFilters.Checks.ToDictionary(c => c, _ => 0);
        int traces = 0, accepted = 0, kept = 0, problemsWithKept = 0;
        double keptChars = 0;
        foreach (var r in records)
        {
            bool any = false;
            foreach (var t in r.Traces)
            {
                traces++;
                if (t.RejectedBy is { } reason) rejectedBy[reason]++; else accepted++;
                foreach (var v in t.Verdicts) if (!v.Passed && failed.ContainsKey(v.Check)) failed[v.Check]++;
                if (t.Kept) { kept++; keptChars += t.ReasoningChars; any = true; }
            }
            if (any) problemsWithKept++;
        }
        return new DistillSummary(records.Count, traces, accepted, kept, problemsWithKept, rejectedBy, failed, kept == 0 ? 0 : keptChars / kept);
    }

    /// <summary>The summary as an aligned table: totals, then each check's rejections (first failure) and failures (any).</summary>
    public static string FormatSummary(DistillSummary s, string? title = null)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        if (title is not null) sb.Append(title).Append('\n');
        string Pct(int n) => s.Traces == 0 ? "" : (n * 100.0 / s.Traces).ToString("0.0", inv) + "%";
        sb.Append(inv, $"{"problems",-30}{s.Problems,8}\n");
        sb.Append(inv, $"{"traces",-30}{s.Traces,8}\n");
        sb.Append(inv, $"{"accepted (all filters pass)",-30}{s.Accepted,8}{Pct(s.Accepted),9}\n");
        sb.Append(inv, $"{"kept (written for SFT)",-30}{s.Kept,8}{Pct(s.Kept),9}\n");
        sb.Append(inv, $"{"problems with a kept trace",-30}{s.ProblemsWithKept,8}\n");
        sb.Append(inv, $"{"mean kept reasoning (chars)",-30}{s.MeanKeptReasoningChars,8:0.0}\n");
        sb.Append(inv, $"{"rejected by",-30}{"first",8}{"",9}{"any",8}\n");
        foreach (var check in TraceFilters.Checks)
        {
            string label = check == TraceFilters.Correct ? "correct (wrong answer)" : check;
            sb.Append(inv, $"  {label,-28}{s.RejectedBy[check],8}{Pct(s.RejectedBy[check]),9}{s.Failed[check],8}\n");
        }
        return sb.ToString();
    }

}
