// Local evaluation by the R1 protocol (R1-METHOD.md §5): k samples per problem at temperature 0.6, top-p 0.95;
// pass@1 = mean correctness over the samples, cons@k = correctness of the majority answer.
using R1Sharp.Generation;
using R1Sharp.Text.ChatTemplates;
using R1Sharp.Data;
using R1Sharp.Rewards;

namespace R1Sharp.Evaluation;

/// <summary>How <see cref="Evaluator.Run"/> samples (defaults: the R1 paper's protocol).</summary>
public sealed record EvalOptions
{
    /// <summary>Samples per problem (k). Default 8.</summary>
    public int K { get; init; } = 8;
    /// <summary>Sampling temperature. Default 0.6 (the paper; no greedy decoding).</summary>
    public float Temperature { get; init; } = 0.6f;
    /// <summary>Nucleus mass. Default 0.95.</summary>
    public float TopP { get; init; } = 0.95f;
    /// <summary>New tokens per sample at most. Default 256.</summary>
    public int MaxNewTokens { get; init; } = 256;
    /// <summary>Base seed; problem i's samples use seeds derived from it, so runs repeat exactly. Default 1234.</summary>
    public ulong Seed { get; init; } = 1234;
    /// <summary>Problems per generation call (bounds the batch: this × K rows). Default 32.</summary>
    public int ProblemsPerBatch { get; init; } = 32;

    /// <summary>Throws a one-line <see cref="R1SharpException"/> naming the first bad option.</summary>
    public EvalOptions Validate()
    {
        // Messages name the flags of `r1 eval` and `r1 distill`, which both sample with these options.
        if (K < 1) throw new R1SharpException($"--samples must be >= 1 (k samples per problem), got {K}");
        if (Temperature <= 0) throw new R1SharpException($"--temperature must be > 0 (the R1 protocol samples; no greedy decoding), got {Temperature}");
        if (TopP is <= 0 or > 1) throw new R1SharpException($"--top-p must be in (0, 1], got {TopP}");
        if (MaxNewTokens < 1) throw new R1SharpException($"--max-tokens must be >= 1, got {MaxNewTokens}");
        if (ProblemsPerBatch < 1) throw new R1SharpException($"problems per batch must be >= 1, got {ProblemsPerBatch}");
        return this;
    }
}

/// <summary>One problem's evaluation (one JSONL line): its k completions, extracted answers and correctness.
/// Local (<see cref="Evaluator"/>) and remote (<see cref="OpenAiEvalClient"/>) runs produce the same record.</summary>
public sealed record EvalRecord(
    string Question, string Gold, IReadOnlyList<string> Completions, IReadOnlyList<string?> Answers,
    IReadOnlyList<bool> Correct, IReadOnlyList<int> Lengths, IReadOnlyList<int> ReasoningLengths,
    double PassAt1, bool ConsAtK)
{
    /// <summary>The problem's id (<see cref="Problem.Id"/>): what a resumed run matches finished problems by.</summary>
    public string Id { get; init; } = "";
}

/// <summary>
/// One graded sample, whatever produced it. <paramref name="Text"/> is the whole completion (reasoning included, as
/// stored in the record); <paramref name="Graded"/> is what the answer is extracted from: the content after thinking,
/// or the whole text when there is no content (thinking never closed, or a server that does not split reasoning).
/// </summary>
public readonly record struct EvalSample(string Text, string Graded, int CompletionTokens, int ReasoningTokens);

/// <summary>Aggregates over problems: mean pass@1, cons@k rate, mean completion and reasoning lengths (tokens).</summary>
public sealed record EvalSummary(int Problems, int K, double PassAt1, double ConsAtK, double MeanLength,
    double MeanReasoningLength, double FormatRate)
{
    /// <summary>Mean share of the reasoning written in the question's language, over samples that reason in words
    /// (<see cref="RewardFunctions.MeanLanguageConsistency"/>); null when none does.</summary>
    public double? LanguageConsistency { get; init; }
}

/// <summary>An evaluation's per-problem records and summary.</summary>
public sealed record EvalResult(IReadOnlyList<EvalRecord> Records, EvalSummary Summary);

/// <summary>Runs the protocol with a local <see cref="TextGenerator"/>.</summary>
public static class Evaluator
{
    /// <summary>
    /// Samples <see cref="EvalOptions.K"/> completions of each problem's prompt (<paramref name="template"/> applied
    /// to the question as one user message) and grades each with <see cref="MathAnswer.Score"/> against the gold.
    /// </summary>
    public static EvalResult Run(TextGenerator generator, IReadOnlyList<Problem> problems, IChatTemplate template,
        EvalOptions? options = null, CancellationToken ct = default, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(problems);
        ArgumentNullException.ThrowIfNull(template);
        options = (options ?? new EvalOptions()).Validate();
        var records = new List<EvalRecord>(problems.Count);
        for (int start = 0; start < problems.Count; start += options.ProblemsPerBatch)
        {
            ct.ThrowIfCancellationRequested();
            int count = Math.Min(options.ProblemsPerBatch, problems.Count - start);
            var batch = problems.Skip(start).Take(count).ToList();
            var requests = batch.Select(p => new GenerationRequest(generator.Tokenizer.Encode(
                template.Render([ChatTurn.User(p.Question)]), addSpecialTokens: true))).ToList();
            var generation = new GenerationOptions
            {
                MaxNewTokens = options.MaxNewTokens,
                SamplesPerPrompt = options.K,
                Sampler = new SamplerOptions { Temperature = options.Temperature, TopP = options.TopP },
                // Distinct per batch so that two batches never share sample streams.
                Seed = options.Seed + (ulong)start * (ulong)options.K,
                StopStrings = template.StopStrings,
            };
            var results = generator.Generate(requests, generation, cancellationToken: ct);
            foreach (var group in results.GroupBy(r => r.PromptIndex).OrderBy(g => g.Key))
                records.Add(Grade(batch[group.Key], [.. group.OrderBy(r => r.SampleIndex)]));
            progress?.Invoke(start + count, problems.Count);
        }
        return new EvalResult(records, Summarize(records, options.K));
    }

    /// <summary>Grades one problem's samples from a local generator (answer searched after &lt;/think&gt;).</summary>
    public static EvalRecord Grade(Problem problem, IReadOnlyList<GenerationResult> samples) =>
        Grade(problem, [.. samples.Select(ToSample)]);

    /// <summary>A generator result as a sample: graded after &lt;/think&gt;, or whole when thinking never closed.</summary>
    public static EvalSample ToSample(GenerationResult result) =>
        new(result.Text, MathAnswer.AfterThinking(result.Text), result.Usage.CompletionTokens, result.Usage.ReasoningTokens);

    /// <summary>Grades one problem's samples with <see cref="MathAnswer"/> (the rewards' extraction and equivalence).</summary>
    public static EvalRecord Grade(Problem problem, IReadOnlyList<EvalSample> samples)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(samples);
        var answers = new string?[samples.Count];
        var correct = new bool[samples.Count];
        var lengths = new int[samples.Count];
        var reasoning = new int[samples.Count];
        var graded = new AnswerOptions { SkipThinking = false }; // Graded is already the part after thinking
        for (int i = 0; i < samples.Count; i++)
        {
            var s = samples[i];
            answers[i] = MathAnswer.Extract(s.Graded);
            correct[i] = MathAnswer.Score(s.Graded, problem.Answer, graded) == true;
            lengths[i] = s.CompletionTokens;
            reasoning[i] = s.ReasoningTokens;
        }
        return new EvalRecord(problem.Question, problem.Answer, [.. samples.Select(s => s.Text)], answers, correct,
            lengths, reasoning, PassAtK.PassAt1(correct), PassAtK.Consensus(answers, correct)) { Id = problem.Id };
    }

    /// <summary>Means over problems (pass@1, cons@k) and over all samples (lengths, format rate).</summary>
    public static EvalSummary Summarize(IReadOnlyList<EvalRecord> records, int k)
    {
        var samples = records.SelectMany(r => r.Completions).ToList();
        return new EvalSummary(records.Count, k,
            PassAtK.Mean(records.Select(r => r.PassAt1)),
            PassAtK.Mean(records.Select(r => r.ConsAtK ? 1.0 : 0.0)),
            PassAtK.Mean(records.SelectMany(r => r.Lengths).Select(l => (double)l)),
            PassAtK.Mean(records.SelectMany(r => r.ReasoningLengths).Select(l => (double)l)),
            PassAtK.Mean(samples.Select(c => RewardFunctions.IsWellFormatted(c, CompletionTemplate.R1Zero) ? 1.0 : 0.0)))
        {
            LanguageConsistency = RewardFunctions.MeanLanguageConsistency(records.SelectMany(r => r.Completions.Select(c => (r.Question, c)))),
        };
    }
}
