// Per-token log-probs of chosen tokens straight from the final hidden states, chunked over rows (Unsloth's and Liger's
// fused linear + selective log-softmax): log p = (h·wᵀ)[id]/T − logsumexp(h·Wᵀ/T). Forward keeps one logsumexp per row,
// backward recomputes each chunk's logits, so no (rows × vocab) logits tensor ever exists for the whole batch.
using R1Sharp.Models.Lora;
using R1Sharp.Tensors;
using R1Sharp.Tensors.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Models;

/// <summary>Filled by <see cref="HeadLogProbs.Compute"/> when asked: the entropy of each row's distribution (no gradient).</summary>
public sealed class RowEntropy : IDisposable
{
    /// <summary>−Σ p log p per row, (N), fp32; null until computed.</summary>
    public Tensor? Values { get; internal set; }

    /// <inheritdoc/>
    public void Dispose() => Values?.Dispose();
}

/// <summary>The output head fused with a selective log-softmax, differentiable in the hidden states (and in the head
/// matrix when it requires a gradient).</summary>
internal sealed class HeadLogProbs : autograd.SingleTensorFunction<HeadLogProbs>
{
    /// <inheritdoc/>
    public override string Name => nameof(HeadLogProbs);

    /// <summary>
    /// log softmax(h·Wᵀ/T)[id] per row for <paramref name="hidden"/> (N, H) (after the final norm) and <paramref name="ids"/>
    /// (N); <paramref name="chunkRows"/> rows at a time. Equals <c>log_softmax(head(h)/T).gather(ids)</c>.
    /// </summary>
    public static Tensor Compute(DecoderModel model, Tensor hidden, Tensor ids, double temperature, int chunkRows, RowEntropy? entropy)
    {
        if (chunkRows < 1) throw new ArgumentOutOfRangeException(nameof(chunkRows), chunkRows, "must be >= 1");
        // Ids and the logsumexps outlive the caller's dispose scope until backward ran (which frees them).
        var ownIds = (ids.dtype == ScalarType.Int64 ? ids.clone() : ids.to_type(ScalarType.Int64)).DetachFromDisposeScope();
        var head = new Head(model.QuantizedHead, model.QuantizedHead is null ? model.lm_head?.weight ?? model.model.embed_tokens.weight : null,
            ownIds, temperature, chunkRows, entropy);
        bool grad = is_grad_enabled() && (hidden.requires_grad || head.Weight?.requires_grad == true);
        if (grad) return head.Weight is { } w ? apply(hidden, w, head) : apply(hidden, head);
        var result = Run(hidden, head);
        head.Release();
        return result;
    }

    /// <inheritdoc/>
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var hidden = (Tensor)vars[0];
        var head = (Head)vars[^1];
        ctx.save_data("head", head);
        ctx.save_for_backward([hidden]);
        return Run(hidden, head);
    }

    /// <inheritdoc/>
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad)
    {
        var head = (Head)ctx.get_data("head");
        var hidden = ctx.get_saved_variables()[0];
        using var scope = NewDisposeScope();
        var gradHidden = zeros_like(hidden);
        Tensor? gradWeight = head.Weight is { requires_grad: true } w ? zeros(w.shape, ScalarType.Float32) : null;
        long n = hidden.shape[0];
        for (long start = 0; start < n; start += head.ChunkRows)
        {
            using var chunkScope = NewDisposeScope();
            long count = Math.Min(head.ChunkRows, n - start);
            var h = hidden.narrow(0, start, count);
            var probs = Logits(h, head).Minus(head.Lse!.narrow(0, start, count).unsqueeze(1)).exp_();       // (n, V)
            var g = grad.narrow(0, start, count).to_type(ScalarType.Float32).unsqueeze(1);                   // (n, 1)
            // ∂(logit[id] − lse)/∂logit = onehot(id) − p, through the 1/T scale.
            var dLogits = probs.mul_(g).neg_().scatter_add_(1, head.Ids.narrow(0, start, count).unsqueeze(1), g);
            if (head.Temperature != 1.0) dLogits.DividedByInPlace(head.Temperature);
            gradHidden.narrow(0, start, count).copy_(head.Weight is { } weight
                ? dLogits.to_type(weight.dtype).matmul(weight).to_type(hidden.dtype)
                : QuantizedFrozenLinear.InputGradient(dLogits, head.Quantized!, hidden.dtype));
            if (gradWeight is not null) gradWeight.PlusInPlace(dLogits.t().matmul(h.to_type(ScalarType.Float32)));
        }
        var result = new List<Tensor> { gradHidden.MoveToOuterDisposeScope() };
        if (head.Weight is { } hw) result.Add(gradWeight?.to_type(hw.dtype).MoveToOuterDisposeScope()!);
        result.Add(null!);
        head.Release();
        return result;
    }

    // The forward: per chunk the logits (fp32, /T), their logsumexp (kept for backward), the chosen log-probs and, when
    // asked, the entropy Σ p·(lse − logit).
    private static Tensor Run(Tensor hidden, Head head)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        long n = hidden.shape[0];
        var lse = empty(n, ScalarType.Float32);
        var logp = empty(n, ScalarType.Float32);
        var entropy = head.Entropy is null ? null : empty(n, ScalarType.Float32);
        for (long start = 0; start < n; start += head.ChunkRows)
        {
            using var chunkScope = NewDisposeScope();
            long count = Math.Min(head.ChunkRows, n - start);
            var logits = Logits(hidden.narrow(0, start, count), head);                                         // (n, V)
            var l = logits.logsumexp(1);
            lse.narrow(0, start, count).copy_(l);
            logp.narrow(0, start, count).copy_(logits.gather(1, head.Ids.narrow(0, start, count).unsqueeze(1)).squeeze(1).Minus(l));
            if (entropy is not null)
            {
                var shifted = logits.Minus(l.unsqueeze(1));                                                      // log p
                entropy.narrow(0, start, count).copy_(shifted.exp().mul_(shifted).sum(1).neg_());
            }
        }
        head.Lse = lse.DetachFromDisposeScope();
        if (head.Entropy is { } e) { e.Values?.Dispose(); e.Values = entropy!.DetachFromDisposeScope(); }
        return logp.MoveToOuterDisposeScope();
    }

    // One chunk's logits/T in fp32: the head matmul in the weights' dtype (bf16 stays bf16, as the model's Head), widened.
    private static Tensor Logits(Tensor h, Head head)
    {
        var raw = head.Weight is { } w ? nn.functional.linear(h, w) : QuantizedLinear.Forward(h, head.Quantized!, null);
        var logits = raw.dtype == ScalarType.Float32 ? raw : raw.to_type(ScalarType.Float32);
        return head.Temperature == 1.0 ? logits : logits.DividedBy(head.Temperature);
    }

    /// <summary>What the function needs besides the tensors autograd tracks.</summary>
    private sealed class Head(QuantizedMatrix? quantized, Tensor? weight, Tensor ids, double temperature, int chunkRows, RowEntropy? entropy)
    {
        public QuantizedMatrix? Quantized { get; } = quantized;
        public Tensor? Weight { get; } = weight;
        public Tensor Ids { get; } = ids;
        public double Temperature { get; } = temperature;
        public int ChunkRows { get; } = chunkRows;
        public RowEntropy? Entropy { get; } = entropy;
        public Tensor? Lse { get; set; }

        /// <summary>Frees the ids and logsumexps once nothing needs them.</summary>
        public void Release()
        {
            Ids.Dispose();
            Lse?.Dispose();
            Lse = null;
        }
    }
}
