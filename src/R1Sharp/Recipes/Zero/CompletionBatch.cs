// Right-padded (prompt + completion) token batches for `r1 pretrain`'s loss: next-token cross-entropy on the
// completion tokens only (the R1-Zero preamble is the same in every document).
using R1Sharp.Models;
using R1Sharp.Tensors;
using R1Sharp.Training.Grpo;
using static TorchSharp.torch;

namespace R1Sharp.Recipes.Zero;

/// <summary>
/// A batch of sequences prompt ‖ completion, right-padded. Right padding needs no attention mask: under causal
/// attention, pads after a row's last real token never influence its real positions. Targets are shifted by one:
/// column t of <see cref="Targets"/>/<see cref="Mask"/> is the token predicted from inputs 0..t.
/// </summary>
public sealed class CompletionBatch : IDisposable
{
    /// <summary>(B, T) input ids (the sequence without its last token).</summary>
    public Tensor Inputs { get; }
    /// <summary>(B, T) next-token targets (pads are 0 and masked).</summary>
    public Tensor Targets { get; }
    /// <summary>(B, T) float 1 where the target is a completion token that counts, else 0.</summary>
    public Tensor Mask { get; }
    /// <summary>Number of completion tokens that count.</summary>
    public long CompletionTokens { get; }

    private CompletionBatch(Tensor inputs, Tensor targets, Tensor mask, long count)
    {
        Inputs = inputs; Targets = targets; Mask = mask; CompletionTokens = count;
    }

    /// <summary>
    /// Builds the batch from per-row prompt ids and completion ids (each row needs a non-empty completion).
    /// Example: prompt [5, 6], completion [7, 8] gives inputs [5, 6, 7], targets [6, 7, 8], mask [0, 1, 1].
    /// </summary>
    public static CompletionBatch Create(IReadOnlyList<IReadOnlyList<int>> prompts, IReadOnlyList<IReadOnlyList<int>> completions)
    {
        if (prompts.Count != completions.Count || prompts.Count == 0)
            throw new ArgumentException($"need as many prompts as completions (got {prompts.Count} and {completions.Count}), at least one");
        int rows = prompts.Count, width = 0;
        for (int r = 0; r < rows; r++) width = Math.Max(width, prompts[r].Count + completions[r].Count - 1);
        var inputs = new long[rows * width];
        var targets = new long[rows * width];
        var mask = new float[rows * width];
        long count = 0;
        for (int r = 0; r < rows; r++)
        {
            var p = prompts[r];
            var c = completions[r];
            int length = p.Count + c.Count;
            if (p.Count == 0 || c.Count == 0) throw new ArgumentException($"row {r}: prompt and completion must be non-empty");
            for (int t = 0; t < length - 1; t++)
            {
                int at = r * width + t;
                inputs[at] = t < p.Count ? p[t] : c[t - p.Count];
                int next = t + 1;
                targets[at] = next < p.Count ? p[next] : c[next - p.Count];
                if (next >= p.Count) { mask[at] = 1f; count++; }
            }
        }
        long[] shape = [rows, width];
        return new CompletionBatch(tensor(inputs, shape), tensor(targets, shape), tensor(mask, shape), count);
    }

    /// <summary>Mean next-token cross-entropy over the masked completion tokens (the pretraining loss).</summary>
    public Tensor CrossEntropy(DecoderModel model)
    {
        using var scope = NewDisposeScope();
        var logits = model.Forward(Inputs);                                               // (B, T, V)
        var logp = GrpoLoss.SelectiveLogSoftmax(logits, Targets);                         // (B, T)
        return (-(logp * Mask).sum()).DividedBy(Math.Max(CompletionTokens, 1)).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        Inputs.Dispose(); Targets.Dispose(); Mask.Dispose();
    }
}
