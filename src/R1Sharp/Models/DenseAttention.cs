// Grouped-query self-attention of Qwen2/Llama (HF modeling_qwen2.py / modeling_llama.py): q/k/v projections with
// optional bias, rotate_half RoPE, scaled dot-product attention with scale head_dim^-0.5, o_proj without bias.
using R1Sharp.Diagnostics;
using R1Sharp.Formats.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Models;

/// <summary>
/// GQA self-attention. Query heads that share a KV head are folded into the query-length axis,
/// (B, nKv, groups·T, D), instead of repeating the KV cache per head (HF <c>repeat_kv</c>): same result, no copy
/// of the cache per step (DESIGN.md "Performance facts").
/// </summary>
public sealed class DenseAttention : nn.Module
{
    /// <summary>Query projection (heads·D, hidden).</summary>
    public Projection q_proj;
    /// <summary>Key projection (kvHeads·D, hidden).</summary>
    public Projection k_proj;
    /// <summary>Value projection (kvHeads·D, hidden).</summary>
    public Projection v_proj;
    /// <summary>Output projection (hidden, heads·D); bias only for llama with attention_bias.</summary>
    public Projection o_proj;

    private readonly FusedProjection _qkv;
    private readonly long _heads, _kvHeads, _headDim;
    private readonly int _layerIndex;

    /// <summary>The fused q/k/v projection (decode kernels read its matrix).</summary>
    internal FusedProjection Qkv => _qkv;
    /// <summary>Query heads, KV heads, head size.</summary>
    internal (int Heads, int KvHeads, int HeadDim) Shape => ((int)_heads, (int)_kvHeads, (int)_headDim);

    /// <summary>Creates the attention block of layer <paramref name="layerIndex"/> with uninitialized weights.</summary>
    public DenseAttention(ModelConfig spec, int layerIndex, ScalarType dtype) : base("self_attn")
    {
        (_heads, _kvHeads, _headDim, _layerIndex) = (spec.NumAttentionHeads, spec.NumKeyValueHeads, spec.HeadDim, layerIndex);
        _qkv = new FusedProjection(new[] { "q_proj", "k_proj", "v_proj" }, spec.HiddenSize,
            new[] { _heads * _headDim, _kvHeads * _headDim, _kvHeads * _headDim }, spec.AttentionBias, dtype);
        q_proj = _qkv.Parts[0];
        k_proj = _qkv.Parts[1];
        v_proj = _qkv.Parts[2];
        o_proj = Projection.Create("o_proj", _heads * _headDim, spec.HiddenSize, spec.OutputProjectionBias, dtype);
        RegisterComponents();
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing) _qkv.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>Attention output (B, T, hidden) for input (B, T, hidden); writes this layer's K/V to the cache.</summary>
    public Tensor Forward(Tensor x, DecoderContext ctx)
    {
        using var phase = PhaseProfiler.Enter(DecodePhase.Attention);
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1], groups = _heads / _kvHeads;
        var qkv = _qkv.Forward(x).view(b, t, _heads + 2 * _kvHeads, _headDim);
        // RoPE on q and k in one go: they are adjacent head blocks.
        var qk = Rope.Apply(qkv.narrow(2, 0, _heads + _kvHeads), ctx.Cos, ctx.Sin);
        var q = qk.narrow(2, 0, _heads);                                          // (B, T, H, D)
        var k = qk.narrow(2, _heads, _kvHeads).transpose(1, 2);                   // (B, nKv, T, D)
        var v = qkv.narrow(2, _heads + _kvHeads, _kvHeads).transpose(1, 2);       // (B, nKv, T, D)
        if (ctx.Cache is { } cache) (k, v) = cache.Write(_layerIndex, ctx.Start, k, v);

        // Fold: head h = kv·groups + g, so (B, T, nKv, G, D) → (B, nKv, G·T, D), row g·T + t.
        var qFolded = q.reshape(b, t, _kvHeads, groups, _headDim).permute(0, 2, 3, 1, 4)
            .reshape(b, _kvHeads, groups * t, _headDim);
        bool causal = ctx.IsPlainCausal && groups == 1;
        var mask = causal ? null : ctx.FoldedMask(groups);
        var attn = nn.functional.scaled_dot_product_attention(qFolded, k, v, mask, 0.0, causal);
        var merged = attn.reshape(b, _kvHeads, groups, t, _headDim).permute(0, 3, 1, 2, 4)
            .reshape(b, t, _heads * _headDim);
        return o_proj.forward(merged).MoveToOuterDisposeScope();
    }
}
