// Log-probs of the sampled tokens and the policy entropy from logits, chunked over rows to bound the peak memory
// (TRL trainer/utils.py selective_log_softmax and entropy_from_logits compute the same quantities).
using R1Sharp.Tensors;
using static TorchSharp.torch;

namespace R1Sharp.Training.Grpo;

public static partial class GrpoLoss
{
    /// <summary>Rows (positions) processed per chunk; with a 152k vocabulary a chunk of 256 rows is ~150 MB of fp32.</summary>
    public const int DefaultChunkRows = 256;

    /// <summary>
    /// log softmax(logits)[ids] per position, equal to <c>log_softmax(logits, -1).gather(-1, ids)</c> without
    /// materialising the (B, T, V) log-softmax: gather the chosen logits, subtract logsumexp computed chunk by
    /// chunk. Differentiable. Divide the logits by the sampling temperature first when they should match it.
    /// </summary>
    /// <param name="logits">(B, T, V), fp32 or fp64 (logsumexp in bf16 is too coarse, as TRL notes).</param>
    /// <param name="ids">(B, T) token ids (int64).</param>
    /// <param name="chunkRows">Positions per logsumexp chunk.</param>
    /// <returns>(B, T) log-probabilities.</returns>
    public static Tensor SelectiveLogSoftmax(Tensor logits, Tensor ids, int chunkRows = DefaultChunkRows)
    {
        if (logits.dim() != 3 || ids.dim() != 2 || logits.shape[0] != ids.shape[0] || logits.shape[1] != ids.shape[1])
            throw new ArgumentException($"logits must be (B, T, V) and ids (B, T), got {Shape(logits)} and {Shape(ids)}");
        using var scope = NewDisposeScope();
        long vocab = logits.shape[2];
        var flat = logits.reshape(-1, vocab);                                               // (B·T, V)
        var flatIds = ids.reshape(-1, 1).to_type(ScalarType.Int64);                         // (B·T, 1)
        long chunk = CheckChunk(chunkRows);
        Tensor result;
        if (NeedsGrad(logits))
        {
            // logsumexp's backward keeps only its input (the logits, alive anyway) and one value per row, where
            // a chunked log_softmax would keep a (B·T, V) output for backward: the whole point of this function.
            var chosen = flat.gather(1, flatIds).squeeze(1);                                // (B·T)
            var lse = cat(flat.split(chunk, 0).Select(c => c.logsumexp(1)).ToArray(), 0);
            result = chosen.Minus(lse);
        }
        else
        {
            // Without autograd (old/ref log-probs) the fused log_softmax per chunk is ~2.5× faster than logsumexp
            // and each chunk is freed before the next.
            var parts = flat.split(chunk, 0).Zip(flatIds.split(chunk, 0))
                .Select(p => nn.functional.log_softmax(p.First, 1).gather(1, p.Second)).ToArray();
            result = cat(parts, 0);
        }
        return result.reshape(ids.shape).MoveToOuterDisposeScope();
    }

    /// <summary>Per-position Shannon entropy in nats, −Σ p log p over the vocabulary, (B, T); chunked, differentiable.</summary>
    public static Tensor PerTokenEntropy(Tensor logits, int chunkRows = DefaultChunkRows)
    {
        if (logits.dim() != 3) throw new ArgumentException($"logits must be (B, T, V), got {Shape(logits)}", nameof(logits));
        using var scope = NewDisposeScope();
        var flat = logits.reshape(-1, logits.shape[2]);
        bool grad = NeedsGrad(logits);
        var parts = flat.split(CheckChunk(chunkRows), 0).Select(c =>
        {
            var lp = nn.functional.log_softmax(c, 1);
            var p = lp.exp();
            return -(grad ? p * lp : p.mul_(lp)).sum(1);                                    // in place when no backward
        }).ToArray();
        return cat(parts, 0).reshape(logits.shape[0], logits.shape[1]).MoveToOuterDisposeScope();
    }

    /// <summary>Mean entropy over the unmasked positions (TRL's logged <c>entropy</c>); no gradient.</summary>
    public static double Entropy(Tensor logits, Tensor mask, int chunkRows = DefaultChunkRows)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return MaskedMean(PerTokenEntropy(logits, chunkRows), mask);
    }

    private static bool NeedsGrad(Tensor t) => t.requires_grad && is_grad_enabled();

    private static long CheckChunk(int chunkRows) => chunkRows >= 1 ? chunkRows
        : throw new ArgumentOutOfRangeException(nameof(chunkRows), chunkRows, "must be >= 1");
}
