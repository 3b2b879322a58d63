// Parameter and KV-cache arithmetic computed from config.json alone (no weights needed), for `r1 inspect`:
// total vs active-per-token parameters of DeepSeek-V3 MoE models (ARCHITECTURES.md §1) and of dense qwen2/llama.
using R1Sharp.Formats.Config;

namespace R1Sharp.Models;

/// <summary>
/// Sizes derived from a config. <see cref="Total"/> counts every weight of the main model (embedding, all layers,
/// final norm, lm_head unless tied), without MTP modules; <see cref="Mtp"/> counts the MTP modules
/// (DeepSeek-V3 <c>model.layers.{num_hidden_layers}.*</c>: their duplicate embedding and head included).
/// <see cref="Active"/> counts what one token's forward touches: everything in <see cref="Total"/> except the routed
/// experts it is not sent to (embedding matrix and lm_head counted whole, shared experts and routers included);
/// <see cref="ActiveWithoutEmbedding"/> leaves the input embedding out (a lookup, no compute).
/// KV bytes are per token over all layers at <see cref="BytesPerElement"/> bytes per cached value.
/// </summary>
/// <param name="Total">Main-model parameters (no MTP).</param>
/// <param name="Active">Parameters used per token (embedding and head included).</param>
/// <param name="ActiveWithoutEmbedding">Active minus the input embedding.</param>
/// <param name="Embedding">The input embedding (vocab × hidden).</param>
/// <param name="Mtp">MTP modules (0 without).</param>
/// <param name="KvBytesPerToken">Plain cache: every head's key and value (DeepSeek: heads × (qk_head_dim + v_head_dim)).</param>
/// <param name="KvBytesPerTokenAbsorbed">DeepSeek absorbed MLA cache: normalized latent + rope key; null for dense models.</param>
/// <param name="BytesPerElement">Bytes per cached value used for the KV figures (2 for bf16/f16, 4 for f32).</param>
public sealed record ModelCounts(long Total, long Active, long ActiveWithoutEmbedding, long Embedding, long Mtp,
    long KvBytesPerToken, long? KvBytesPerTokenAbsorbed, int BytesPerElement);

/// <summary>Pure size arithmetic over configs.</summary>
public static class ModelArithmetic
{
    /// <summary>Counts for <paramref name="config"/>; KV figures at the bytes of its torch_dtype (bf16/f16 2, else 4).</summary>
    public static ModelCounts Count(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        int bytes = config.TorchDtype is "bfloat16" or "float16" ? 2 : 4;
        long h = config.HiddenSize, embedding = (long)config.VocabSize * h;
        long head = config.TieWordEmbeddings ? 0 : embedding;
        if (config is DeepSeekV3Config d) return DeepSeek(d, embedding, head, bytes);
        long mlpBias = config.MlpBias ? 2L * config.IntermediateSize + h : 0;
        long layer = DenseAttention(config) + 3 * h * config.IntermediateSize + mlpBias + 2 * h;
        long total = embedding + head + h + config.NumHiddenLayers * layer;
        long kv = (long)config.NumHiddenLayers * config.NumKeyValueHeads * 2 * config.HeadDim * bytes;
        return new ModelCounts(total, total, total - embedding, embedding, 0, kv, null, bytes);
    }

    private static long DenseAttention(ModelConfig c)
    {
        long h = c.HiddenSize, q = (long)c.NumAttentionHeads * c.HeadDim, kv = (long)c.NumKeyValueHeads * c.HeadDim;
        long bias = c.AttentionBias ? q + 2 * kv : 0;
        return h * (q + 2 * kv) + bias + q * h + (c.OutputProjectionBias ? h : 0);
    }

    private static ModelCounts DeepSeek(DeepSeekV3Config c, long embedding, long head, int bytes)
    {
        long h = c.HiddenSize;
        long attention = MlaAttention(c) + 2 * h; // + input/post-attention norms
        long dense = 3 * h * c.IntermediateSize;
        long expert = 3 * h * c.MoeIntermediateSize;
        long router = (long)c.NRoutedExperts * h + c.NRoutedExperts;
        long shared = expert * c.NSharedExperts;
        long moeTotal = router + c.NRoutedExperts * expert + shared;
        long moeActive = router + c.NumExpertsPerTok * expert + shared;
        long total = embedding + head + h, active = total;
        for (int i = 0; i < c.NumHiddenLayers; i++)
        {
            bool moe = c.IsMoeLayer(i);
            total += attention + (moe ? moeTotal : dense);
            active += attention + (moe ? moeActive : dense);
        }
        // MTP module: embed_tokens + enorm + hnorm + eh_proj + a MoE block + shared_head.{norm, head}.
        long mtp = c.NumNextnPredictLayers * (2 * embedding + 3 * h + 2 * h * h + attention + moeTotal);
        long plain = (long)c.NumHiddenLayers * c.NumAttentionHeads * (c.QkHeadDim + c.VHeadDim) * bytes;
        long absorbed = (long)c.NumHiddenLayers * (c.KvLoraRank + c.QkRopeHeadDim) * bytes;
        return new ModelCounts(total, active, active - embedding, embedding, mtp, plain, absorbed, bytes);
    }

    /// <summary>One MLA block: q path (low-rank with its norm, or full q_proj), kv_a + norm, kv_b, o_proj.</summary>
    public static long MlaAttention(DeepSeekV3Config c)
    {
        long h = c.HiddenSize, heads = c.NumAttentionHeads;
        long q = c.QLoraRank is { } r ? h * r + r + r * heads * c.QkHeadDim : h * heads * c.QkHeadDim;
        long kv = h * (c.KvLoraRank + c.QkRopeHeadDim) + c.KvLoraRank + (long)c.KvLoraRank * heads * (c.QkNopeHeadDim + c.VHeadDim);
        return q + kv + heads * c.VHeadDim * h;
    }
}
