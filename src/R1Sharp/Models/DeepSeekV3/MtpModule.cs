// DeepSeek-V3 Multi-Token Prediction modules (V3 report §2.2; ARCHITECTURES.md §1 "Multi-Token Prediction"): the
// model.layers.{num_hidden_layers + d}.* tensors kept under their HF names when a load asks for them.
using R1Sharp.Formats.Config;
using R1Sharp.Tensors;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace R1Sharp.Models.DeepSeekV3;

/// <summary>
/// One MTP depth: <c>h = eh_proj(cat(enorm(embed(t+1)), hnorm(h_prev)))</c>, then a full decoder block (MLA + MoE or
/// dense by its layer index), then <c>shared_head.head(shared_head.norm(h))</c> predicts the token after next.
/// Field names are the HF suffixes after <c>model.layers.{index}.</c>. With <see cref="MtpSharing"/> the embedding and the
/// output head are the main model's (V3 report §2.2: "shared"): <c>embed_tokens</c> and <c>shared_head.head</c> are then
/// null and the checkpoint names of those two tensors alias the main parameters.
/// </summary>
public sealed class MtpLayer : nn.Module
{
#pragma warning disable CS1591 // HF parameter names; documented in the class summary.
    public TokenEmbedding? embed_tokens;
    public RmsNorm enorm;
    public RmsNorm hnorm;
    public Projection eh_proj;
    public MtpSharedHead shared_head;
    public RmsNorm input_layernorm;
    public MlaAttention self_attn;
    public RmsNorm post_attention_layernorm;
    public nn.Module<Tensor, Tensor> mlp;
#pragma warning restore CS1591

    private readonly MtpSharing? _shared;

    /// <summary>
    /// Creates the MTP layer at model layer index <paramref name="index"/> (≥ num_hidden_layers), uninitialized; with
    /// <paramref name="shared"/> it uses (and never disposes) the main model's embedding and head.
    /// </summary>
    public MtpLayer(DeepSeekV3Config c, int index, MlaPath path, ScalarType dtype, MtpSharing? shared = null)
        : base(index.ToString(System.Globalization.CultureInfo.InvariantCulture))
    {
        Index = index;
        _shared = shared;
        if (shared is null) embed_tokens = new TokenEmbedding(nameof(embed_tokens), c.VocabSize, c.HiddenSize, dtype);
        enorm = new RmsNorm(nameof(enorm), c.HiddenSize, c.RmsNormEps, dtype);
        hnorm = new RmsNorm(nameof(hnorm), c.HiddenSize, c.RmsNormEps, dtype);
        eh_proj = Projection.Create(nameof(eh_proj), 2L * c.HiddenSize, c.HiddenSize, hasBias: false, dtype);
        shared_head = new MtpSharedHead(c, dtype, ownHead: shared is null);
        input_layernorm = new RmsNorm(nameof(input_layernorm), c.HiddenSize, c.RmsNormEps, dtype);
        self_attn = new MlaAttention(c, index, path, dtype);
        post_attention_layernorm = new RmsNorm(nameof(post_attention_layernorm), c.HiddenSize, c.RmsNormEps, dtype);
        mlp = c.IsMoeLayer(index) ? new DeepSeekMoe(c, dtype) : new SwiGluMlp(nameof(mlp), c.HiddenSize, c.IntermediateSize, dtype);
        RegisterComponents();
    }

    /// <summary>The model layer index (the HF name's layer number).</summary>
    public int Index { get; }

    /// <summary>The main model's embedding and head when shared, else null.</summary>
    public MtpSharing? Shared => _shared;

    /// <summary>
    /// Every tensor under its suffix after <c>model.layers.{index}.</c>; with sharing, <c>embed_tokens.weight</c> and
    /// <c>shared_head.head.weight</c> are the main parameters (saved as the copies the HF checkpoint holds).
    /// </summary>
    public IEnumerable<(string Suffix, Parameter Parameter)> HfSuffixes()
    {
        if (_shared is { } s) yield return ("embed_tokens.weight", s.Embedding);
        foreach (var (name, p) in named_parameters()) yield return (name, p);
        if (_shared is { } t) yield return ("shared_head.head.weight", t.Head);
    }

    /// <summary>
    /// Logits (B, T, V) for the token after next: position t combines the main model's last hidden state at t
    /// (<paramref name="previousHidden"/>, before the final norm) with the embedding of token t+1 (<paramref name="nextIds"/>).
    /// </summary>
    public Tensor Forward(Tensor previousHidden, Tensor nextIds, DecoderContext ctx)
    {
        using var scope = NewDisposeScope();
        var e = enorm.forward(_shared is { } s
            ? s.Embedding.index_select(0, nextIds.reshape(-1)).view(nextIds.shape[0], nextIds.shape[1], -1)
            : embed_tokens!.forward(nextIds));
        var h = eh_proj.forward(cat(new[] { e, hnorm.forward(previousHidden) }, -1));
        h = h.Plus(self_attn.Forward(input_layernorm.forward(h), ctx));
        h = h.Plus(mlp.forward(post_attention_layernorm.forward(h)));
        var normed = shared_head.norm.forward(h);
        var logits = _shared is { } t ? nn.functional.linear(normed, t.Head) : shared_head.head!.forward(normed);
        return logits.MoveToOuterDisposeScope();
    }
}

/// <summary>The MTP output head <c>shared_head</c>: <c>norm</c> and <c>head</c> (vocab, hidden).</summary>
public sealed class MtpSharedHead : nn.Module
{
#pragma warning disable CS1591 // HF parameter names.
    public RmsNorm norm;
    public Projection? head;
#pragma warning restore CS1591

    /// <summary>Creates the head, uninitialized; without <paramref name="ownHead"/> only the norm (the head is shared).</summary>
    public MtpSharedHead(DeepSeekV3Config c, ScalarType dtype, bool ownHead = true) : base("shared_head")
    {
        norm = new RmsNorm(nameof(norm), c.HiddenSize, c.RmsNormEps, dtype);
        if (ownHead) head = Projection.Create(nameof(head), c.HiddenSize, c.VocabSize, hasBias: false, dtype);
        RegisterComponents();
    }
}

/// <summary>The main model's embedding (vocab, hidden) and output head (vocab, hidden; the embedding when tied) that MTP layers share.</summary>
/// <param name="Embedding">model.embed_tokens.weight.</param>
/// <param name="Head">lm_head.weight, or model.embed_tokens.weight with tie_word_embeddings.</param>
public sealed record MtpSharing(Parameter Embedding, Parameter Head);

/// <summary>The num_nextn_predict_layers MTP layers of a deepseek_v3 model (indices num_hidden_layers, +1, …).</summary>
public sealed class MtpModule : nn.Module
{
    private readonly MtpLayer[] _layers;

    /// <summary>Creates every MTP layer of <paramref name="c"/>, uninitialized.</summary>
    /// <exception cref="R1SharpException">The config has no MTP layers (num_nextn_predict_layers 0).</exception>
    public MtpModule(DeepSeekV3Config c, MlaPath path, ScalarType dtype, MtpSharing? shared = null) : base("mtp")
    {
        if (c.NumNextnPredictLayers <= 0)
            throw new R1SharpException("load option LoadMtp: config.json has num_nextn_predict_layers 0, so the model has no MTP layers; load without LoadMtp");
        _layers = Enumerable.Range(c.NumHiddenLayers, c.NumNextnPredictLayers).Select(i => new MtpLayer(c, i, path, dtype, shared)).ToArray();
        for (int d = 0; d < _layers.Length; d++) register_module(d.ToString(System.Globalization.CultureInfo.InvariantCulture), _layers[d]);
    }

    /// <summary>The MTP depths in order (depth 1 first).</summary>
    public IReadOnlyList<MtpLayer> Layers => _layers;

    /// <summary>True when the layers use the main model's embedding and head (<see cref="MtpSharing"/>).</summary>
    public bool SharesEmbeddingAndHead => _layers.Length > 0 && _layers[0].Shared is not null;

    /// <summary>Every tensor under its checkpoint name <c>model.layers.{index}.{suffix}</c>, shared aliases included (what Save writes).</summary>
    public IEnumerable<(string Name, Parameter Parameter)> HfParameters() =>
        _layers.SelectMany(l => l.HfSuffixes().Select(p => ($"model.layers.{l.Index}.{p.Suffix}", p.Parameter)));

    /// <summary>The parameters this module owns under their checkpoint names (shared aliases left out): what loading
    /// fills, initialisation draws and an optimizer adds to the main model's.</summary>
    public IEnumerable<(string Name, Parameter Parameter)> OwnParameters() =>
        _layers.SelectMany(l => l.named_parameters().Select(p => ($"model.layers.{l.Index}.{p.name}", p.parameter)));

    /// <summary>The checkpoint names that alias main-model parameters (empty without sharing).</summary>
    public IEnumerable<string> SharedNames() =>
        SharesEmbeddingAndHead ? _layers.SelectMany(l => new[] { $"model.layers.{l.Index}.embed_tokens.weight", $"model.layers.{l.Index}.shared_head.head.weight" }) : [];
}
