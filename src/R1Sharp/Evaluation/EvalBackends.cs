// Where evaluation samples come from: a local Generator with the model's chat template (R1 <think> prefill), or a
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

    /// <summary>Problems worth sampling at once (a local model samples one problem at a time; an endpoint many).</summary>
    int MaxConcurrentProblems { get; }

    /// <summary>Samples <see cref="EvalOptions.K"/> completions of <paramref name="problem"/>, the
    /// <paramref name="problemIndex"/>-th of the dataset (seeds derive from it, so reruns repeat).</summary>
    Task<IReadOnlyList<EvalSample>> SampleAsync(Problem problem, int problemIndex, CancellationToken ct);
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
/// Samples with a local <see cref="Generator"/>: the question (+ instruction) as one user message rendered by the model's
/// chat template with its generation prompt (R1's <c>&lt;think&gt;\n</c> prefill), K samples in one batch.
/// Generation is serialised (one problem at a time): the generator is not thread-safe.
/// </summary>
public sealed class LocalEvalBackend(Generator generator, IChatTemplate template, EvalOptions options, string? instruction = EvalPrompt.DefaultInstruction,
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
        var generator = Generator.Load(directory, load);
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

    /// <inheritdoc/>
    public async Task<IReadOnlyList<EvalSample>> SampleAsync(Problem problem, int problemIndex, CancellationToken ct)
    {
        string text = template.Render([ChatMessage.User(EvalPrompt.UserMessage(problem.Question, instruction))], addGenerationPrompt: true);
        var ids = generator.Tokenizer.Encode(text, addSpecialTokens: false);
        var request = new GenerationRequest(ids) { StartsInThinking = ChatTemplate.EndsInThinking(text) };
        var generation = generator.DefaultOptions() with
        {
            // A long budget (the protocol's 32k) is cut to what the context leaves after the prompt.
            MaxNewTokens = Math.Max(1, Math.Min(_options.MaxNewTokens, generator.ModelContextLength - ids.Length)),
            SamplesPerPrompt = _options.K,
            Sampler = new SamplerOptions { Temperature = _options.Temperature, TopP = _options.TopP },
            Seed = EvalPrompt.Seed(_options, problemIndex, 0),
            StopStrings = template.StopStrings,
        };
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var results = await Task.Run(() => generator.Generate([request], generation, cancellationToken: ct), ct).ConfigureAwait(false);
            ct.ThrowIfCancellationRequested(); // Generate returns partial results on cancel: never grade those
            return [.. results.OrderBy(r => r.SampleIndex).Select(Evaluator.ToSample)];
        }
        finally { _gate.Release(); }
    }
}
