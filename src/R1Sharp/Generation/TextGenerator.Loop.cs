// The batched loop of one Generate call, driven through a DecodeBatch (shared with BatchScheduler): every distinct
// prompt prefilled once and its cache slots shared by its samples (copied per sample where the managed step cannot
// run), then one decode step per token for all live rows; finished rows leave the batch and the cache (vLLM-style
// shrinking batch without continuous admission).
using R1Sharp.Text.Reasoning;
using static TorchSharp.torch;

namespace R1Sharp.Generation;

public sealed partial class TextGenerator
{
    private void Run(IReadOnlyList<GenerationRequest> requests, List<GeneratorSequence> sequences, GenerationOptions options,
        Action<GenerationDelta>? onDelta, CancellationToken cancellationToken)
    {
        using var noGrad = no_grad();
        int longest = requests.Max(r => r.PromptIds.Count);
        int maxNew = sequences.Max(s => s.Request.MaxNewTokens ?? options.MaxNewTokens);
        // Every row advances one slot per step, so the cache needs the padded prompt plus the longest continuation.
        long capacity = longest + Math.Min(maxNew, (options.ContextLength ?? ModelContextLength) - requests.Min(r => r.PromptIds.Count));
        using var batch = new DecodeBatch(this, sharePrompts: SharePrompts);
        var samples = sequences.Select(s => (s.PromptIndex, new BatchRow(s, onDelta, cancellationToken))).ToArray();
        if (!batch.Admit(requests, samples, capacity, options.PrefillChunkTokens, cancellationToken))
        {
            foreach (var s in sequences) Report(s, s.Cancel(), onDelta);
            return;
        }
        while (batch.Count > 0)
        {
            if (cancellationToken.IsCancellationRequested) { batch.CancelAll(); return; }
            batch.Step();
        }
    }

    internal static void Report(GeneratorSequence s, ReasoningDelta delta, Action<GenerationDelta>? onDelta)
    {
        if (onDelta is null || (delta.IsEmpty && !s.IsFinished)) return;
        onDelta(new GenerationDelta(s.Index, s.PromptIndex, s.SampleIndex, delta.Reasoning, delta.Content,
            s.IsFinished ? s.ToResult() : null, s.TakeLogProbs()));
    }
}
