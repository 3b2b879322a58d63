// Per-layer gradient checkpointing (Chen et al. 2016; PyTorch's reentrant torch.utils.checkpoint, which TorchSharp
// lacks): the forward keeps only a layer's input, and backward runs the layer again with autograd on, back-propagates
// through that local graph (parameter and adapter gradients accumulate there) and hands the input gradient on. The
// torch RNG state of the forward is restored for the rerun, so dropout draws the same masks.
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Models;

/// <summary>One decoder layer whose activations are recomputed in backward instead of kept.</summary>
internal sealed class CheckpointedLayer : autograd.SingleTensorFunction<CheckpointedLayer>
{
    /// <inheritdoc/>
    public override string Name => nameof(CheckpointedLayer);

    /// <summary>layer.Forward(h, ctx), keeping only h (and the RNG state) for backward. The context's tensors are
    /// aliased into a context of its own, which outlives the forward's dispose scope until backward frees it.</summary>
    public static Tensor Apply(DecoderLayer layer, Tensor h, DecoderContext ctx)
    {
        if (ctx.Cache is not null) throw new ArgumentException("gradient checkpointing runs without a KV cache");
        static Tensor Keep(Tensor t) => t.detach().DetachFromDisposeScope();
        var own = new DecoderContext
        {
            Cos = Keep(ctx.Cos), Sin = Keep(ctx.Sin), QueryLength = ctx.QueryLength, Start = ctx.Start,
            Mask = ctx.Mask is null ? null : Keep(ctx.Mask), IsPlainCausal = ctx.IsPlainCausal,
        };
        return apply(h, new Call(layer, own));
    }

    /// <inheritdoc/>
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var h = (Tensor)vars[0];
        var call = (Call)vars[1];
        call.RngState = random.get_rng_state().DetachFromDisposeScope();
        ctx.save_data("call", call);
        ctx.save_for_backward([h]);
        Lora.LoraAdapter.InCheckpointedForward = true;   // autograd is off here, yet this is a training forward (dropout)
        try { return call.Layer.Forward(h, call.Context); }
        finally { Lora.LoraAdapter.InCheckpointedForward = false; }
    }

    /// <inheritdoc/>
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad)
    {
        var call = (Call)ctx.get_data("call");
        var h = ctx.get_saved_variables()[0];
        using var scope = NewDisposeScope();
        using var current = random.get_rng_state();
        random.set_rng_state(call.RngState!);
        var input = h.detach().requires_grad_(true);
        using (enable_grad())
        {
            var output = call.Layer.Forward(input, call.Context);
            output.backward([grad]);
        }
        random.set_rng_state(current);
        call.Release();
        var inputGrad = input.grad ?? zeros_like(h);
        return [inputGrad.detach().MoveToOuterDisposeScope(), null!];
    }

    /// <summary>The layer and the forward's context (RoPE tables, mask), carried to backward.</summary>
    private sealed class Call(DecoderLayer layer, DecoderContext context)
    {
        public DecoderLayer Layer { get; } = layer;
        public DecoderContext Context { get; } = context;
        public Tensor? RngState { get; set; }

        /// <summary>Frees the context's aliases and the RNG state once backward ran.</summary>
        public void Release()
        {
            Context.Dispose();
            Context.Cos.Dispose();
            Context.Sin.Dispose();
            Context.Mask?.Dispose();
            RngState?.Dispose();
        }
    }
}
