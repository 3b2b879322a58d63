// int8/int4 inference weights (`--dtype int8|int4`): every projection matrix of a dense (Qwen2/Llama) model and its
// output head become QuantizedMatrix blocks, one matrix at a time, each fp32/bf16 matrix freed as soon as its quantized
// form exists; the loader quantizes each layer as soon as it is read, so loading peaks near the quantized size. Embedding, norms and biases keep the loaded dtype.
using R1Sharp.Tensors.Kernels;

namespace R1Sharp.Models;

public sealed partial class DecoderModel
{
    private QuantizedMatrix? _tiedHead;

    /// <summary>The weight quantization applied by <see cref="Quantize"/>, or null for plain fp32/bf16 weights.</summary>
    public QuantFormat? Quantization { get; private set; }

    /// <summary>The quantized output head (lm_head's, or a quantized copy of a tied embedding), or null.</summary>
    internal QuantizedMatrix? QuantizedHead => lm_head?.Quantized ?? _tiedHead;

    /// <summary>
    /// Quantizes every projection and the head in place for inference; the model can no longer be trained or saved.
    /// </summary>
    /// <exception cref="R1SharpException">Not a dense model, or weights neither fp32 nor bf16.</exception>
    public void Quantize(QuantFormat format)
    {
        if (Quantization == format) return;
        BeginQuantization(format);
        for (int i = 0; i < model.layers.Count; i++) QuantizeLayer(i);
        QuantizeHead();
    }

    // Quantize in steps (the loader quantizes each layer as soon as it is read): begin, every layer, then the head.
    internal void BeginQuantization(QuantFormat format)
    {
        if (Quantization is not null) throw new R1SharpException($"the model is already {Names(Quantization.Value)}");
        if (!model.layers.All(l => l is DenseDecoderLayer))
            throw new R1SharpException($"{Names(format)} weights are implemented for dense models (qwen2, llama), not {Config.ModelType}; use f32 or bf16");
        Quantization = format;
        _kept.Clear();
    }

    internal void QuantizeLayer(int i)
    {
        var format = Quantization ?? throw new InvalidOperationException("BeginQuantization first");
        var layer = (DenseDecoderLayer)model.layers[i];
        string prefix = $"model.layers.{i}.";
        if (!layer.self_attn.Qkv.Quantize(format)) _kept.Add(prefix + "self_attn.qkv");
        if (!layer.self_attn.o_proj.Quantize(format)) _kept.Add(prefix + "self_attn.o_proj");
        if (!layer.mlp.GateUp.Quantize(format)) _kept.Add(prefix + "mlp.gate_up");
        if (!layer.mlp.down_proj.Quantize(format)) _kept.Add(prefix + "mlp.down_proj");
    }

    internal void QuantizeHead()
    {
        var format = Quantization ?? throw new InvalidOperationException("BeginQuantization first");
        if (lm_head is not null) { if (!lm_head.Quantize(format)) _kept.Add("lm_head"); }
        else if (Config.HiddenSize % QuantizedMatrix.BlockSize == 0) _tiedHead = QuantizedWeights.FromTensor(model.embed_tokens.weight, format);
        else _kept.Add("lm_head (tied)");
    }

    private readonly List<string> _kept = [];

    /// <summary>
    /// Matrices <see cref="Quantize"/> left in the loaded dtype because their input size is not a multiple of
    /// <see cref="QuantizedMatrix.BlockSize"/> (llama.cpp falls back the same way), e.g. a tiny model's down_proj.
    /// </summary>
    public IReadOnlyList<string> KeptUnquantized => _kept;

    /// <summary>The <c>--dtype</c> name of a quantization.</summary>
    public static string Names(QuantFormat format) => format == QuantFormat.Int8 ? "int8" : "int4";

    private void ThrowIfQuantized(string what)
    {
        if (Quantization is { } q)
            throw new R1SharpException($"cannot {what} a model loaded with {Names(q)} weights (inference only); load it with f32 or bf16");
    }
}
