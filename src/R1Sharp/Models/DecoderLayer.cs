// The decoder-layer contract shared by every architecture, and the dense pre-norm block of Qwen2/Llama:
// h = x + attn(RMSNorm(x)); out = h + mlp(RMSNorm(h)) (HF Qwen2DecoderLayer / LlamaDecoderLayer).
using R1Sharp.Formats.Config;
using R1Sharp.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Models;

/// <summary>One decoder layer of any architecture (dense GQA now; MLA + MoE later).</summary>
public abstract class DecoderLayer : nn.Module
{
    /// <summary>Names the module (its index in <c>model.layers</c>).</summary>
    protected DecoderLayer(string name) : base(name) { }

    /// <summary>Maps hidden states (B, T, hidden) to the next layer's, reading and writing the cache in ctx.</summary>
    public abstract Tensor Forward(Tensor hidden, DecoderContext ctx);
}

/// <summary>Pre-norm block with GQA self-attention and a SwiGLU MLP, HF parameter names.</summary>
public sealed class DenseDecoderLayer : DecoderLayer
{
    /// <summary>Norm before attention.</summary>
    public RmsNorm input_layernorm;
    /// <summary>Self-attention.</summary>
    public DenseAttention self_attn;
    /// <summary>Norm before the MLP.</summary>
    public RmsNorm post_attention_layernorm;
    /// <summary>Feed-forward block.</summary>
    public SwiGluMlp mlp;

    /// <summary>Creates layer <paramref name="index"/> with uninitialized weights.</summary>
    public DenseDecoderLayer(ModelConfig spec, int index, ScalarType dtype) : base(index.ToString())
    {
        input_layernorm = new RmsNorm(nameof(input_layernorm), spec.HiddenSize, spec.RmsNormEps, dtype);
        self_attn = new DenseAttention(spec, index, dtype);
        post_attention_layernorm = new RmsNorm(nameof(post_attention_layernorm), spec.HiddenSize, spec.RmsNormEps, dtype);
        mlp = new SwiGluMlp(nameof(mlp), spec.HiddenSize, spec.IntermediateSize, dtype, spec.MlpBias);
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor hidden, DecoderContext ctx)
    {
        using var scope = NewDisposeScope();
        var h = hidden.Plus(self_attn.Forward(input_layernorm.forward(hidden), ctx));
        var output = h.Plus(mlp.forward(post_attention_layernorm.forward(h)));
        return output.MoveToOuterDisposeScope();
    }
}
