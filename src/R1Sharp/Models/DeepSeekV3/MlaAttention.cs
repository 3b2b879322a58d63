// Multi-head Latent Attention of DeepSeek-V3 (ARCHITECTURES.md §1; HF modeling_deepseek_v3.py DeepseekV3Attention,
// DeepSeek-V3 inference/model.py MLA with attn_impl "naive" and "absorb"), HF parameter names.
using R1Sharp.Formats.Config;
using R1Sharp.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Models.DeepSeekV3;

/// <summary>How MLA computes attention and what its cache holds.</summary>
public enum MlaPath
{
    /// <summary>Decompress keys/values per head through kv_b_proj; the cache holds heads × (qk_head_dim + v_head_dim) per token.</summary>
    Plain,
    /// <summary>
    /// Absorb kv_b_proj into the query and the output (reference <c>attn_impl="absorb"</c>, llama.cpp MLA): attention runs
    /// as one-KV-head MQA over the normalized latent, and the cache holds only kv_lora_rank + qk_rope_head_dim per token.
    /// </summary>
    Absorbed,
}

/// <summary>
/// MLA: <c>q = q_b(RMSNorm(q_a(x)))</c> (or <c>q_proj(x)</c>) split into nope/rope parts; <c>kv_a(x)</c> gives the
/// latent c (kv_lora_rank) and one rope key shared by all heads; <c>kv_b(RMSNorm(c))</c> gives per-head k_nope and v.
/// Softmax scale <see cref="YarnRope.SoftmaxScale"/>; RoPE on interleaved pairs.
/// </summary>
public sealed class MlaAttention : nn.Module
{
#pragma warning disable CS1591 // HF parameter names; documented in the class summary.
    public Projection? q_a_proj;
    public RmsNorm? q_a_layernorm;
    public Projection? q_b_proj;
    public Projection? q_proj;
    public Projection kv_a_proj_with_mqa;
    public RmsNorm kv_a_layernorm;
    public Projection kv_b_proj;
    public Projection o_proj;
#pragma warning restore CS1591

    private readonly long _heads, _nope, _rope, _v, _rank;
    private readonly double _ropeScale;
    private readonly double _plainQScale, _absorbedQScale;   // the q pre-scales of both paths
    private readonly int _layerIndex;
    private readonly MlaPath _path;

    /// <summary>Creates the attention of layer <paramref name="layerIndex"/> with uninitialized weights.</summary>
    public MlaAttention(DeepSeekV3Config c, int layerIndex, MlaPath path, ScalarType dtype) : base("self_attn")
    {
        (_heads, _nope, _rope, _v, _rank) = (c.NumAttentionHeads, c.QkNopeHeadDim, c.QkRopeHeadDim, c.VHeadDim, c.KvLoraRank);
        (_ropeScale, _layerIndex, _path) = (YarnRope.CosSinScale(c), layerIndex, path);
        double scale = YarnRope.SoftmaxScale(c);
        // SDPA divides by √(its head width); pre-scaling q by scale·√width leaves the model's softmax scale.
        (_plainQScale, _absorbedQScale) = (scale * Math.Sqrt(_nope + _rope), scale * Math.Sqrt(_rank + _rope));
        long qOut = _heads * (_nope + _rope);
        if (c.QLoraRank is { } qr)
        {
            q_a_proj = Projection.Create(nameof(q_a_proj), c.HiddenSize, qr, false, dtype);
            q_a_layernorm = new RmsNorm(nameof(q_a_layernorm), qr, c.RmsNormEps, dtype);
            q_b_proj = Projection.Create(nameof(q_b_proj), qr, qOut, false, dtype);
        }
        else q_proj = Projection.Create(nameof(q_proj), c.HiddenSize, qOut, false, dtype);
        kv_a_proj_with_mqa = Projection.Create(nameof(kv_a_proj_with_mqa), c.HiddenSize, _rank + _rope, false, dtype);
        kv_a_layernorm = new RmsNorm(nameof(kv_a_layernorm), _rank, c.RmsNormEps, dtype);
        kv_b_proj = Projection.Create(nameof(kv_b_proj), _rank, _heads * (_nope + _v), false, dtype);
        o_proj = Projection.Create(nameof(o_proj), _heads * _v, c.HiddenSize, false, dtype);
        RegisterComponents();
    }

    /// <summary>The cache layout of <paramref name="path"/>: plain (heads, qk, v) or absorbed (1, rank + rope, 0).</summary>
    public static CacheLayout Layout(DeepSeekV3Config c, MlaPath path) => path == MlaPath.Plain
        ? new CacheLayout(c.NumAttentionHeads, c.QkHeadDim, c.VHeadDim)
        : new CacheLayout(1, c.KvLoraRank + c.QkRopeHeadDim, 0);

    /// <summary>Attention output (B, T, hidden) for (B, T, hidden) input; writes this layer's cache slots.</summary>
    public Tensor Forward(Tensor x, DecoderContext ctx)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        var q = (q_proj is { } full ? full.forward(x) : q_b_proj!.forward(q_a_layernorm!.forward(q_a_proj!.forward(x))))
            .view(b, t, _heads, _nope + _rope);
        var qNope = q.narrow(3, 0, _nope);
        var qPe = YarnRope.ApplyInterleaved(q.narrow(3, _nope, _rope), ctx.Cos, ctx.Sin);        // (B, T, H, rope)
        var ckv = kv_a_proj_with_mqa.forward(x);                                                  // (B, T, rank + rope)
        var latent = kv_a_layernorm.forward(ckv.narrow(2, 0, _rank));                            // (B, T, rank)
        var kPe = YarnRope.ApplyInterleaved(ckv.narrow(2, _rank, _rope).unsqueeze(2), ctx.Cos, ctx.Sin); // (B, T, 1, rope)
        if (_ropeScale != 1.0) { qPe = qPe.Times(_ropeScale); kPe = kPe.Times(_ropeScale); }
        var output = _path == MlaPath.Plain ? Plain(qNope, qPe, latent, kPe, ctx) : Absorbed(qNope, qPe, latent, kPe, ctx);
        return o_proj.forward(output).MoveToOuterDisposeScope();
    }

    // Decompressed MHA: k = [k_nope | k_pe broadcast], q = [q_nope | q_pe]; SDPA divides by √qk, so q is pre-scaled.
    private Tensor Plain(Tensor qNope, Tensor qPe, Tensor latent, Tensor kPe, DecoderContext ctx)
    {
        long b = qNope.shape[0], t = qNope.shape[1], qk = _nope + _rope;
        var kv = kv_b_proj.forward(latent).view(b, t, _heads, _nope + _v);
        var k = cat(new[] { kv.narrow(3, 0, _nope), kPe.expand(b, t, _heads, _rope) }, 3).transpose(1, 2); // (B, H, T, qk)
        var v = kv.narrow(3, _nope, _v).transpose(1, 2);                                                    // (B, H, T, v)
        var q = cat(new[] { qNope, qPe }, 3).transpose(1, 2).Times(_plainQScale);                           // (B, H, T, qk)
        if (ctx.Cache is { } cache) (k, v) = cache.Write(_layerIndex, ctx.Start, k, v);
        var attn = nn.functional.scaled_dot_product_attention(q, k, v, ctx.IsPlainCausal ? null : ctx.FoldedMask(1), 0.0, ctx.IsPlainCausal);
        return attn.transpose(1, 2).reshape(b, t, _heads * _v);
    }

    // MQA over [latent | k_pe] (one KV head): q_nope·W_UK goes into latent space, the latent itself is the value, and
    // the result leaves latent space through W_UV. Heads fold into the query axis (row h·T + t), like GQA groups.
    private Tensor Absorbed(Tensor qNope, Tensor qPe, Tensor latent, Tensor kPe, DecoderContext ctx)
    {
        long b = qNope.shape[0], t = qNope.shape[1], width = _rank + _rope;
        var wkvb = kv_b_proj.EffectiveWeight().view(_heads, _nope + _v, _rank);   // W + s·B·A with a LoRA adapter
        var wUk = wkvb.narrow(1, 0, _nope);                                                       // (H, nope, rank)
        var wUv = wkvb.narrow(1, _nope, _v);                                                      // (H, v, rank)
        var qLatent = einsum("bthn,hnr->bhtr", qNope, wUk);                                       // (B, H, T, rank)
        var q = cat(new[] { qLatent, qPe.transpose(1, 2) }, 3).Times(_absorbedQScale).reshape(b, 1, _heads * t, width);
        var keys = cat(new[] { latent.unsqueeze(2), kPe }, 3).transpose(1, 2);                  // (B, 1, T, rank + rope)
        if (ctx.Cache is { } cache) keys = cache.Write(_layerIndex, ctx.Start, keys, keys.narrow(3, 0, 0)).Keys;
        var values = keys.narrow(3, 0, _rank);
        bool causal = ctx.IsPlainCausal && _heads == 1;
        var attn = nn.functional.scaled_dot_product_attention(q, keys, values, causal ? null : ctx.FoldedMask(_heads), 0.0, causal);
        var perHead = attn.view(b, _heads, t, _rank);
        return einsum("bhtr,hvr->bthv", perHead, wUv).reshape(b, t, _heads * _v);
    }
}
