// Which weights (tensors or quantized matrices) the managed decode step reads: checked once when the step is made (contiguous CPU tensors of the model
// dtype, fused matrices intact) and compared by reference at every step, so a replaced parameter sends the step back to
// TorchSharp without a native call per tensor.
using R1Sharp.Tensors.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Models;

public sealed unsafe partial class DenseDecodeStep
{
    // Every weight the step reads, in a fixed order, and whether it may be absent (a bias, the head of a tied model): a
    // tensor, or the QuantizedMatrix of an int8/int4 projection; a fused matrix no longer intact reads as null.
    private IEnumerable<(object? Weight, bool Optional)> Tensors()
    {
        yield return (_model.model.embed_tokens.weight, false);
        yield return (_model.model.norm.weight, false);
        yield return ((object?)_model.QuantizedHead ?? _model.lm_head?.weight, true);
        foreach (var module in _model.model.layers)
        {
            var l = (DenseDecoderLayer)module;
            yield return (l.input_layernorm.weight, false);
            yield return (l.post_attention_layernorm.weight, false);
            yield return ((object?)l.self_attn.Qkv.Quantized ?? l.self_attn.Qkv.FusedWeight, false);
            yield return (l.self_attn.Qkv.FusedBias, true);
            yield return ((object?)l.self_attn.o_proj.Quantized ?? l.self_attn.o_proj.weight, false);
            yield return (l.self_attn.o_proj.bias, true);
            yield return ((object?)l.mlp.GateUp.Quantized ?? l.mlp.GateUp.FusedWeight, false);
            yield return (l.mlp.GateUp.FusedBias, true);
            yield return ((object?)l.mlp.down_proj.Quantized ?? l.mlp.down_proj.weight, false);
            yield return (l.mlp.down_proj.bias, true);
            // LoRA adapters (the same number of entries with or without them, so attaching or removing one after the
            // step was made reads as a change and sends the step back to TorchSharp).
            foreach (var p in l.self_attn.Qkv.Parts.Append(l.self_attn.o_proj).Concat(l.mlp.GateUp.Parts).Append(l.mlp.down_proj))
            {
                yield return (p.Adapter?.A, true);
                yield return (p.Adapter?.B, true);
            }
        }
    }

    // Whether t is a LoRA adapter matrix (fp32 in any model).
    private bool IsAdapter(Tensor t) => Projections().Any(p => p.Adapter is { } a && (ReferenceEquals(a.A, t) || ReferenceEquals(a.B, t)));

    // Every projection the step reads, per layer: q/k/v parts, o_proj, gate/up parts, down_proj.
    private IEnumerable<Projection> Projections() => _model.model.layers.Cast<DenseDecoderLayer>().SelectMany(l =>
        l.self_attn.Qkv.Parts.Append(l.self_attn.o_proj).Concat(l.mlp.GateUp.Parts).Append(l.mlp.down_proj));

    // The matrix a projection reads: its QuantizedMatrix once quantized, else the weight tensor.
    private static object Weight(Projection p) => (object?)p.Quantized ?? p.weight;
    private static object Weight(FusedProjection p) => (object?)p.Quantized ?? p.FusedWeight!;

    // At creation: every tensor is a contiguous CPU tensor of the model dtype, every layer has the first one's shape and
    // the fused matrices are intact. The tensors are remembered for Unchanged.
    private bool Readable()
    {
        foreach (var l in _model.model.layers.Cast<DenseDecoderLayer>())
            if (l.self_attn.Shape != (_heads, _kvHeads, _headDim) || l.mlp.Intermediate != _intermediate) return false;
        var tensors = Tensors().ToArray();
        foreach (var (w, optional) in tensors)
            if (w is null ? !optional : w is Tensor t && !TensorMemory.IsDense(t, IsAdapter(t) ? ScalarType.Float32 : _model.DType)) return false;
        _tensors = tensors.Select(t => t.Weight).ToArray();
        DecidePrefill();
        return true;
    }

    // At each step: still the very tensors checked at creation (none replaced, e.g. by Module.to, and the fused matrices
    // intact), found without a native call; their data pointers are read fresh, so in-place updates are seen.
    private bool Unchanged()
    {
        int i = 0;
        foreach (var (t, _) in Tensors())
            if (!ReferenceEquals(t, _tensors[i++])) return false;
        return true;
    }
}
