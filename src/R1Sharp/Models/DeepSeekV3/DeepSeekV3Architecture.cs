// DeepSeek-V3 as one more IDecoderArchitecture (ARCHITECTURES.md §1): MLA attention, a dense SwiGLU for the first
// first_k_dense_replace layers and DeepSeekMoE after, YaRN frequencies for the rope channels; MTP layers not built.
using R1Sharp.Formats.Config;
using R1Sharp.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Models.DeepSeekV3;

/// <summary>The deepseek_v3 decoder. <see cref="Path"/> picks plain or absorbed MLA (and with it the cache layout).</summary>
public sealed class DeepSeekV3Architecture : IDecoderArchitecture
{
    private readonly float[] _inverseFrequencies;
    private readonly DeepSeekV3Config _config;

    /// <summary>Checks the options this implementation supports.</summary>
    public DeepSeekV3Architecture(DeepSeekV3Config config, MlaPath path = MlaPath.Absorbed, string source = "config.json")
    {
        _inverseFrequencies = YarnRope.InverseFrequencies(config, source);
        _config = config;
        Path = path;
    }

    /// <inheritdoc/>
    public ModelConfig Config => _config;
    /// <summary>The MLA computation path.</summary>
    public MlaPath Path { get; }
    /// <inheritdoc/>
    public CacheLayout Cache => MlaAttention.Layout(_config, Path);
    /// <inheritdoc/>
    public float[] InverseFrequencies() => (float[])_inverseFrequencies.Clone();
    /// <inheritdoc/>
    public DecoderLayer CreateLayer(int index, ScalarType dtype) => new DeepSeekV3DecoderLayer(_config, index, Path, dtype);
}

/// <summary>Pre-norm block: <c>h = x + MLA(RMSNorm(x)); out = h + FFN(RMSNorm(h))</c>, FFN dense or MoE by layer index.</summary>
public sealed class DeepSeekV3DecoderLayer : DecoderLayer
{
#pragma warning disable CS1591 // HF parameter names.
    public RmsNorm input_layernorm;
    public MlaAttention self_attn;
    public RmsNorm post_attention_layernorm;
    public nn.Module<Tensor, Tensor> mlp;
#pragma warning restore CS1591

    /// <summary>Creates layer <paramref name="index"/> with uninitialized weights.</summary>
    public DeepSeekV3DecoderLayer(DeepSeekV3Config c, int index, MlaPath path, ScalarType dtype) : base(index.ToString(System.Globalization.CultureInfo.InvariantCulture))
    {
        input_layernorm = new RmsNorm(nameof(input_layernorm), c.HiddenSize, c.RmsNormEps, dtype);
        self_attn = new MlaAttention(c, index, path, dtype);
        post_attention_layernorm = new RmsNorm(nameof(post_attention_layernorm), c.HiddenSize, c.RmsNormEps, dtype);
        mlp = c.IsMoeLayer(index) ? new DeepSeekMoe(c, dtype) : new SwiGluMlp(nameof(mlp), c.HiddenSize, c.IntermediateSize, dtype);
        RegisterComponents();
    }

    /// <summary>The MoE block, or null for a dense layer.</summary>
    public DeepSeekMoe? Moe => mlp as DeepSeekMoe;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor hidden, DecoderContext ctx)
    {
        using var scope = NewDisposeScope();
        var h = hidden.Plus(self_attn.Forward(input_layernorm.forward(hidden), ctx));
        var output = h.Plus(mlp.forward(post_attention_layernorm.forward(h)));
        return output.MoveToOuterDisposeScope();
    }
}
