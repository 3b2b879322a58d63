// Log-probs of chosen tokens without a (batch × length × vocab) logits tensor: the trunk's normed hidden states go
// through HeadLogProbs, which runs the head and the log-softmax a chunk of rows at a time (GRPO and SFT losses).
using static TorchSharp.torch;

namespace R1Sharp.Models;

public sealed partial class DecoderModel
{
    /// <summary>Rows per head chunk of <see cref="TokenLogProbs"/>: with a 152k vocabulary 256 rows are ~150 MB of fp32 logits.</summary>
    public const int DefaultLogProbChunkRows = 256;

    /// <summary>
    /// Per-layer gradient checkpointing (TrainingArguments gradient_checkpointing) for a forward that records gradients:
    /// each dense (qwen2/llama) layer keeps only its input and runs again in backward (<see cref="CheckpointedLayer"/>);
    /// activation memory drops from every layer's intermediates to one hidden state per layer, for ~1 more forward of
    /// compute. DeepSeekMoE layers run as usual (their routing statistics would be counted twice).
    /// </summary>
    public bool GradientCheckpointing { get; set; }

    // Whether this forward checkpoints its layers; then the embedding output must require a gradient (a frozen embedding's
    // does not), or no gradient would reach the first layer's parameters through the checkpointed function.
    private Tensor CheckpointInput(Tensor embedded, DecoderContext ctx, out bool checkpoint)
    {
        checkpoint = GradientCheckpointing && ctx.Cache is null && is_grad_enabled();
        return checkpoint && !embedded.requires_grad ? embedded.detach().requires_grad_(true) : embedded;
    }

    /// <summary>The last layer's output after the final norm, (B, T, hidden): what the head reads. Same arguments as <see cref="Forward"/> without a cache.</summary>
    public Tensor NormedHidden(Tensor inputIds, Tensor? positions = null, Tensor? attentionMask = null, bool packed = false)
    {
        using var scope = NewDisposeScope();
        using var ctx = Context(inputIds, positions, attentionMask, null, packed);
        var h = Trunk(inputIds, ctx);
        return model.norm.forward(h).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// log softmax(head(h)/T)[id] for hidden rows <paramref name="hidden"/> (…, hidden) and ids (…): equal to
    /// <c>log_softmax(Forward(…)/T).gather(ids)</c> at the matching positions, differentiable, computed
    /// <paramref name="chunkRows"/> rows at a time. <paramref name="entropy"/>, when given, receives each row's entropy.
    /// </summary>
    public Tensor TokenLogProbs(Tensor hidden, Tensor ids, double temperature = 1.0, int chunkRows = DefaultLogProbChunkRows,
        RowEntropy? entropy = null)
    {
        if (!hidden.shape[..^1].SequenceEqual(ids.shape))
            throw new ArgumentException($"hidden ({string.Join(", ", hidden.shape)}) and ids ({string.Join(", ", ids.shape)}) must share their leading shape");
        using var scope = NewDisposeScope();
        var rows = hidden.reshape(-1, hidden.shape[^1]);
        var logp = HeadLogProbs.Compute(this, rows, ids.reshape(-1), temperature, chunkRows, entropy);
        return logp.reshape(ids.shape).MoveToOuterDisposeScope();
    }
}
