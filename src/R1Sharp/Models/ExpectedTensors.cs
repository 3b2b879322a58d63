// The tensors a config.json implies — HF state-dict name, shape, and the config fields behind each dimension — computed
// from the config alone, so weights can be checked against the config before any module is allocated. Mirrors the
// modules (DenseDecoderLayer, MlaAttention, DeepSeekMoe); a test holds it equal to DecoderModel.named_parameters().
using R1Sharp.Formats.Config;

namespace R1Sharp.Models;

/// <summary>One tensor a config implies.</summary>
/// <param name="Name">The HF state-dict key.</param>
/// <param name="Shape">Its shape.</param>
/// <param name="Fields">For each dimension, the config field(s) that set it, e.g. "num_attention_heads × head_dim".</param>
/// <param name="Because">For a tensor a flag adds, that flag (e.g. "attention_bias true"); else null.</param>
public sealed record ExpectedTensor(string Name, long[] Shape, string[] Fields, string? Because = null)
{
    /// <summary>Number of elements.</summary>
    public long ElementCount => Shape.Aggregate(1L, (n, d) => n * d);
}

/// <summary>The main model's tensors of a config (no Multi-Token Prediction layers), in module order.</summary>
public static class ExpectedTensors
{
    private const string Hidden = "hidden_size";

    /// <summary>Every parameter of the model <paramref name="config"/> describes: embedding, layers, final norm, lm_head unless tied.</summary>
    public static IEnumerable<ExpectedTensor> Of(ModelConfig config)
    {
        long h = config.HiddenSize, v = config.VocabSize;
        yield return new("model.embed_tokens.weight", [v, h], ["vocab_size", Hidden]);
        for (int i = 0; i < config.NumHiddenLayers; i++)
        {
            string p = $"model.layers.{i}.";
            yield return new(p + "input_layernorm.weight", [h], [Hidden]);
            var layer = config is DeepSeekV3Config d ? DeepSeekLayer(d, i, p) : DenseLayer(config, p);
            foreach (var t in layer) yield return t;
            yield return new(p + "post_attention_layernorm.weight", [h], [Hidden]);
        }
        yield return new("model.norm.weight", [h], [Hidden]);
        if (!config.TieWordEmbeddings) yield return new("lm_head.weight", [v, h], ["vocab_size", Hidden], "tie_word_embeddings false");
    }

    private static IEnumerable<ExpectedTensor> DenseLayer(ModelConfig c, string p)
    {
        long h = c.HiddenSize, q = (long)c.NumAttentionHeads * c.HeadDim, kv = (long)c.NumKeyValueHeads * c.HeadDim;
        const string Q = "num_attention_heads × head_dim", KV = "num_key_value_heads × head_dim";
        foreach (var (name, rows, field) in new[] { ("q_proj", q, Q), ("k_proj", kv, KV), ("v_proj", kv, KV) })
        {
            yield return new($"{p}self_attn.{name}.weight", [rows, h], [field, Hidden]);
            if (c.AttentionBias) yield return new($"{p}self_attn.{name}.bias", [rows], [field], "attention_bias true");
        }
        yield return new($"{p}self_attn.o_proj.weight", [h, q], [Hidden, Q]);
        if (c.OutputProjectionBias) yield return new($"{p}self_attn.o_proj.bias", [h], [Hidden], "attention_bias true");
        foreach (var t in Mlp(p + "mlp.", h, c.IntermediateSize, "intermediate_size", c.MlpBias)) yield return t;
    }

    private static IEnumerable<ExpectedTensor> Mlp(string p, long h, long inner, string innerField, bool bias = false)
    {
        yield return new(p + "gate_proj.weight", [inner, h], [innerField, Hidden]);
        if (bias) yield return new(p + "gate_proj.bias", [inner], [innerField], "mlp_bias true");
        yield return new(p + "up_proj.weight", [inner, h], [innerField, Hidden]);
        if (bias) yield return new(p + "up_proj.bias", [inner], [innerField], "mlp_bias true");
        yield return new(p + "down_proj.weight", [h, inner], [Hidden, innerField]);
        if (bias) yield return new(p + "down_proj.bias", [h], [Hidden], "mlp_bias true");
    }

    private static IEnumerable<ExpectedTensor> DeepSeekLayer(DeepSeekV3Config c, int index, string p)
    {
        long h = c.HiddenSize, heads = c.NumAttentionHeads, rank = c.KvLoraRank;
        string a = p + "self_attn.";
        const string Q = "num_attention_heads × (qk_nope_head_dim + qk_rope_head_dim)";
        if (c.QLoraRank is int r)
        {
            yield return new(a + "q_a_proj.weight", [r, h], ["q_lora_rank", Hidden]);
            yield return new(a + "q_a_layernorm.weight", [r], ["q_lora_rank"]);
            yield return new(a + "q_b_proj.weight", [heads * c.QkHeadDim, r], [Q, "q_lora_rank"]);
        }
        else yield return new(a + "q_proj.weight", [heads * c.QkHeadDim, h], [Q, Hidden]);
        yield return new(a + "kv_a_proj_with_mqa.weight", [rank + c.QkRopeHeadDim, h], ["kv_lora_rank + qk_rope_head_dim", Hidden]);
        yield return new(a + "kv_a_layernorm.weight", [rank], ["kv_lora_rank"]);
        yield return new(a + "kv_b_proj.weight", [heads * (c.QkNopeHeadDim + c.VHeadDim), rank],
            ["num_attention_heads × (qk_nope_head_dim + v_head_dim)", "kv_lora_rank"]);
        yield return new(a + "o_proj.weight", [h, heads * c.VHeadDim], [Hidden, "num_attention_heads × v_head_dim"]);
        string m = p + "mlp.";
        if (!c.IsMoeLayer(index))
        {
            foreach (var t in Mlp(m, h, c.IntermediateSize, "intermediate_size")) yield return t;
            yield break;
        }
        yield return new(m + "gate.weight", [c.NRoutedExperts, h], ["n_routed_experts", Hidden]);
        yield return new(m + "gate.e_score_correction_bias", [c.NRoutedExperts], ["n_routed_experts"]);
        for (int e = 0; e < c.NRoutedExperts; e++)
            foreach (var t in Mlp($"{m}experts.{e}.", h, c.MoeIntermediateSize, "moe_intermediate_size")) yield return t;
        if (c.NSharedExperts > 0)
            foreach (var t in Mlp(m + "shared_experts.", h, (long)c.MoeIntermediateSize * c.NSharedExperts, "moe_intermediate_size × n_shared_experts"))
                yield return t;
    }
}
