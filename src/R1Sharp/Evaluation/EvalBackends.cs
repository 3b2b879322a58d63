// Where evaluation samples come from: a local TextGenerator with the model's chat template (R1 <think> prefill), or a
// remote OpenAI-compatible endpoint (OpenAiEvalClient). The prompt follows R1-METHOD.md §5 (no system prompt).
using R1Sharp.Generation;
using R1Sharp.Models;
using R1Sharp.Text.ChatTemplates;
using R1Sharp.Data;

namespace R1Sharp.Evaluation;

/// <summary>Produces the K samples of one problem. Implementations must be safe to call concurrently.</summary>
public interface IEvalBackend
{
    /// <summary>What the samples come from (a model directory or endpoint + model name), for messages.</summary>
    string Name { get; }

    /// <summary>Calls worth making at once (a local model runs one batch at a time; an endpoint takes many requests).</summary>
    int MaxConcurrentProblems { get; }

    /// <summary>Samples <see cref="EvalOptions.K"/> completions of <paramref name="problem"/>, the
    /// <paramref name="problemIndex"/>-th of the dataset (seeds derive from it, so reruns repeat).</summary>
    Task<IReadOnlyList<EvalSample>> SampleAsync(Problem problem, int problemIndex, CancellationToken ct);

    /// <summary>Problems worth sampling in one <see cref="SampleBatchAsync"/> call (a local model runs problems × K rows
    /// as one batch); 1 for backends that take problems one at a time.</summary>
    int ProblemsPerCall => 1;

    /// <summary>The samples of each problem (dataset index beside it), in the order given. Default: one
    /// <see cref="SampleAsync"/> after another.</summary>
    async Task<IReadOnlyList<IReadOnlyList<EvalSample>>> SampleBatchAsync(IReadOnlyList<(Problem Problem, int Index)> problems, CancellationToken ct)
    {
        var all = new List<IReadOnlyList<EvalSample>>(problems.Count);
        foreach (var (problem, index) in problems) all.Add(await SampleAsync(problem, index, ct).ConfigureAwait(false));
        return all;
    }
}

/// <summary>The user message of the R1 evaluation protocol.</summary>
public static class EvalPrompt
{
    /// <summary>The R1 model card's math instruction (R1-METHOD.md §5), appended after the problem.</summary>
    public const string DefaultInstruction = @"Please reason step by step, and put your final answer within \boxed{}.";

    /// <summary>The problem, then the instruction on its own line (no instruction when it is empty).</summary>
    public static string UserMessage(string question, string? instruction) =>
        string.IsNullOrWhiteSpace(instruction) ? question : question + "\n" + instruction;

    /// <summary>Seed of sample <paramref name="sample"/> of problem <paramref name="problemIndex"/>: distinct per sample.</summary>
    public static ulong Seed(EvalOptions options, int problemIndex, int sample) =>
        unchecked(options.Seed + (ulong)problemIndex * (ulong)options.K + (ulong)sample);
}

/// <summary>
/// Samples with a local <see cref="TextGenerator"/>: the question (+ instruction) as one user message rendered by the model's
/// chat template with its generation prompt (R1's <c>&lt;think&gt;\n</c> prefill). <see cref="ProblemsPerCall"/> problems × K
/// samples run as one batch, each prompt prefilled once and shared by its K samples; a problem's seeds depend on its index
/// only, whatever shares its batch. Generation is serialised: the generator is not thread-safe.
/// </summary>
public sealed class LocalEvalBackend(TextGenerator generator, IChatTemplate template, EvalOptions options, string? instruction = EvalPrompt.DefaultInstruction,
    string name = "local") : IEvalBackend, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly EvalOptions _options = options.Validate();
    private bool _ownsGenerator;

    /// <summary>Loads the model in <paramref name="directory"/>; the backend owns the generator and frees it on dispose.</summary>
    /// <param name="directory">A model directory.</param>
    /// <param name="template">The chat template for the directory (e.g. <c>d => ChatTemplate.ForModel(d, name)</c>).</param>
    /// <param name="options">Sampling settings.</param>
    /// <param name="instruction">Appended to each problem; null for none.</param>
    /// <param name="name">What the samples come from, for messages and records.</param>
    /// <param name="load">Weight dtype and other load options (default f32).</param>
    public static LocalEvalBackend Load(string directory, Func<string, IChatTemplate> template, EvalOptions options, string? instruction, string name,
        ModelLoadOptions? load = null)
    {
        var generator = TextGenerator.Load(directory, load);
        try { return new LocalEvalBackend(generator, template(directory), options, instruction, name) { _ownsGenerator = true }; }
        catch { generator.Dispose(); throw; }
    }

    /// <summary>Frees the generator when <see cref="Load"/> made it (a generator passed in belongs to the caller).</summary>
    public void Dispose()
    {
        if (_ownsGenerator) generator.Dispose();
        _gate.Dispose();
    }

    /// <inheritdoc/>
    public string Name => name;

    /// <inheritdoc/>
    public int MaxConcurrentProblems => 1;

    /// <summary>
    /// <see cref="EvalOptions.ProblemsPerBatch"/>, at most as many problems as keep problems × K within the rows the managed
    /// decode step takes (<see cref="DenseDecodeStep.MaxRows"/>): 8 problems at K = 8, one at K ≥ 64.
    /// </summary>
    public int ProblemsPerCall => Math.Clamp(DenseDecodeStep.MaxRows / _options.K, 1, _options.ProblemsPerBatch);

    /// <inheritdoc/>
    public async Task<IReadOnlyList<EvalSample>> SampleAsync(Problem problem, int problemIndex, CancellationToken ct) =>
        (await SampleBatchAsync([(problem, problemIndex)], ct).ConfigureAwait(false))[0];

    /// <inheritdoc/>
    public async Task<IReadOnlyList<IReadOnlyList<EvalSample>>> SampleBatchAsync(IReadOnlyList<(Problem Problem, int Index)> problems, CancellationToken ct)
    {
        var requests = problems.Select(p => Request(p.Problem, p.Index)).ToArray();
        var generation = generator.DefaultOptions() with
        {
            MaxNewTokens = _options.MaxNewTokens,
            SamplesPerPrompt = _options.K,
            Sampler = new SamplerOptions { Temperature = _options.Temperature, TopP = _options.TopP },
            StopStrings = template.StopStrings,
        };
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var results = await Task.Run(() => generator.Generate(requests, generation, cancellationToken: ct), ct).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested(); // Generate returns partial results on cancel: never grade those
            return [.. results.GroupBy(r => r.PromptIndex).OrderBy(g => g.Key)
                .Select(g => (IReadOnlyList<EvalSample>)[.. g.OrderBy(r => r.SampleIndex).Select(Evaluator.ToSample)])];
        }
        finally { _gate.Release(); }
    }

    // The problem's prompt, its own seeds (EvalPrompt.Seed) and its token budget: a long one (the protocol's 32k) is cut
    // to what the context leaves after the prompt.
    private GenerationRequest Request(Problem problem, int problemIndex)
    {
        string text = template.Render([ChatTurn.User(EvalPrompt.UserMessage(problem.Question, instruction))], addGenerationPrompt: true);
        var ids = generator.Tokenizer.Encode(text, addSpecialTokens: false);
        return new GenerationRequest(ids)
        {
            StartsInThinking = ChatTemplate.EndsInThinking(text),
            MaxNewTokens = Math.Max(1, Math.Min(_options.MaxNewTokens, generator.ModelContextLength - ids.Length)),
            Seed = EvalPrompt.Seed(_options, problemIndex, 0),
        };
    }
}
