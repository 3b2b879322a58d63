// deepseek_v3 → GGUF "deepseek2" (ARCHITECTURES.md §4; llama.cpp conversion DeepseekV2Model and the deepseek2 loader of
// the llama.cpp in LLamaSharp 0.30): MLA keys in the MQA form, attn_kv_b split into attn_k_b/attn_v_b, stacked experts.
using System.Text.RegularExpressions;
using R1Sharp.Formats.Config;
using R1Sharp.Formats.Gguf;
using R1Sharp.Formats.Safetensors;

namespace R1Sharp.Models.Export;

/// <summary>One tensor of a deepseek2 export: GGUF name, torch-order shape, stored type and its float source.</summary>
public sealed record DeepSeek2TensorEntry(string GgufName, long[] TorchShape, GgmlType Type, GgufFloatSource Source);

/// <summary>Hyper-parameters and tensor plan of a deepseek2 GGUF.</summary>
public static partial class DeepSeek2Gguf
{
    private const string Arch = "deepseek2";

    /// <summary>Refuses configs llama.cpp's deepseek2 cannot run identically; the message names the field.</summary>
    public static void Check(DeepSeekV3Config c, string source)
    {
        string? problem = c.MoeLayerFreq != 1 ? "moe_layer_freq must be 1 (llama.cpp makes every layer after the dense ones MoE)"
            : c.NSharedExperts < 1 ? "n_shared_experts must be >= 1 (llama.cpp's deepseek2 requires shared experts)"
            : c.NumHiddenLayers is 26 or 27 ? "num_hidden_layers 26/27 makes llama.cpp treat the model as a V2-Lite variant; use another depth"
            : c.FirstKDenseReplace >= c.NumHiddenLayers ? "first_k_dense_replace must leave at least one MoE layer"
            : c.RopeScaling is YarnRopeScaling y && (y.Mscale ?? 1.0) != (y.MscaleAllDim ?? 1.0)
                ? "rope_scaling mscale must equal mscale_all_dim (llama.cpp applies only mscale_all_dim)"
            : c.RopeScaling is not (null or YarnRopeScaling) ? $"rope_scaling type '{c.RopeScaling.Type}' cannot be exported; deepseek2 supports yarn"
            : null;
        if (problem is not null) throw new R1SharpException($"{source}: cannot export to GGUF deepseek2: {problem}");
    }

    /// <summary>Adds the deepseek2.* keys (llama.cpp's recent MLA form: one KV head of kv_lora_rank + rope).</summary>
    public static void AddHyperParameters(GgufWriter w, DeepSeekV3Config c, string source)
    {
        Check(c, source);
        w.AddUInt32(GgufKeys.ContextLength(Arch), (uint)c.MaxPositionEmbeddings);
        w.AddUInt32(GgufKeys.EmbeddingLength(Arch), (uint)c.HiddenSize);
        w.AddUInt32(GgufKeys.BlockCount(Arch), (uint)c.NumHiddenLayers);
        w.AddUInt32(GgufKeys.FeedForwardLength(Arch), (uint)c.IntermediateSize);
        w.AddUInt32(GgufKeys.AttentionHeadCount(Arch), (uint)c.NumAttentionHeads);
        w.AddUInt32(GgufKeys.AttentionHeadCountKv(Arch), 1);
        w.AddFloat32(GgufKeys.AttentionLayerNormRmsEpsilon(Arch), (float)c.RmsNormEps);
        w.AddFloat32(GgufKeys.RopeFreqBase(Arch), (float)c.RopeTheta);
        w.AddUInt32(GgufKeys.RopeDimensionCount(Arch), (uint)c.QkRopeHeadDim);
        w.AddUInt32(GgufKeys.VocabSize(Arch), (uint)c.VocabSize);
        w.AddUInt32($"{Arch}.leading_dense_block_count", (uint)c.FirstKDenseReplace);
        // Written even when 0: llama.cpp reads it as required except for the 26/27-layer "lite" models; 0 selects attn_q.
        w.AddUInt32($"{Arch}.attention.q_lora_rank", (uint)(c.QLoraRank ?? 0));
        w.AddUInt32($"{Arch}.attention.kv_lora_rank", (uint)c.KvLoraRank);
        w.AddUInt32(GgufKeys.AttentionKeyLength(Arch), (uint)(c.KvLoraRank + c.QkRopeHeadDim));
        w.AddUInt32(GgufKeys.AttentionValueLength(Arch), (uint)c.KvLoraRank);
        w.AddUInt32($"{Arch}.attention.key_length_mla", (uint)c.QkHeadDim);
        w.AddUInt32($"{Arch}.attention.value_length_mla", (uint)c.VHeadDim);
        w.AddUInt32($"{Arch}.expert_feed_forward_length", (uint)c.MoeIntermediateSize);
        w.AddUInt32($"{Arch}.expert_count", (uint)c.NRoutedExperts);
        w.AddUInt32($"{Arch}.expert_shared_count", (uint)c.NSharedExperts);
        w.AddUInt32($"{Arch}.expert_used_count", (uint)c.NumExpertsPerTok);
        w.AddUInt32($"{Arch}.expert_group_count", (uint)c.NGroup);
        w.AddUInt32($"{Arch}.expert_group_used_count", (uint)c.TopkGroup);
        w.AddFloat32($"{Arch}.expert_weights_scale", (float)c.RoutedScalingFactor);
        w.AddBool($"{Arch}.expert_weights_norm", c.NormTopkProb);
        w.AddUInt32($"{Arch}.expert_gating_func", 2); // sigmoid
        if (c.RopeScaling is YarnRopeScaling y)
        {
            w.AddString(GgufKeys.RopeScalingType(Arch), "yarn");
            w.AddFloat32(GgufKeys.RopeScalingFactor(Arch), (float)y.Factor);
            w.AddUInt32(GgufKeys.RopeScalingOriginalContextLength(Arch), (uint)(y.OriginalMaxPositionEmbeddings ?? c.MaxPositionEmbeddings));
            // convert_hf_to_gguf writes 0.1·mscale_all_dim; llama.cpp divides by 0.1 again [TAG_DEEPSEEK2_YARN_LOG_MUL_FIX].
            w.AddFloat32($"{Arch}.rope.scaling.yarn_log_multiplier", (float)(0.1 * (y.MscaleAllDim ?? 0.0)));
            w.AddFloat32($"{Arch}.rope.scaling.yarn_beta_fast", (float)y.BetaFast);
            w.AddFloat32($"{Arch}.rope.scaling.yarn_beta_slow", (float)y.BetaSlow);
        }
    }

    private static readonly Dictionary<string, string> Parts = new()
    {
        ["input_layernorm.weight"] = "attn_norm.weight",
        ["post_attention_layernorm.weight"] = "ffn_norm.weight",
        ["self_attn.q_proj.weight"] = "attn_q.weight",
        ["self_attn.q_a_proj.weight"] = "attn_q_a.weight",
        ["self_attn.q_a_layernorm.weight"] = "attn_q_a_norm.weight",
        ["self_attn.q_b_proj.weight"] = "attn_q_b.weight",
        ["self_attn.kv_a_proj_with_mqa.weight"] = "attn_kv_a_mqa.weight",
        ["self_attn.kv_a_layernorm.weight"] = "attn_kv_a_norm.weight",
        ["self_attn.o_proj.weight"] = "attn_output.weight",
        ["mlp.gate_proj.weight"] = "ffn_gate.weight",
        ["mlp.up_proj.weight"] = "ffn_up.weight",
        ["mlp.down_proj.weight"] = "ffn_down.weight",
        ["mlp.gate.weight"] = "ffn_gate_inp.weight",
        ["mlp.gate.e_score_correction_bias"] = "exp_probs_b.bias",
        ["mlp.shared_experts.gate_proj.weight"] = "ffn_gate_shexp.weight",
        ["mlp.shared_experts.up_proj.weight"] = "ffn_up_shexp.weight",
        ["mlp.shared_experts.down_proj.weight"] = "ffn_down_shexp.weight",
    };

    [GeneratedRegex(@"^model\.layers\.(\d+)\.(.+)$")]
    private static partial Regex Layer();

    /// <summary>
    /// The tensors in file order: token_embd, per layer (renamed; kv_b split into attn_k_b [H, rank, nope] and attn_v_b
    /// [H, v, rank]; experts stacked to [E, out, in]), output_norm, output. MTP layers are skipped; FP8 sources are refused.
    /// </summary>
    public static IReadOnlyList<DeepSeek2TensorEntry> Plan(DeepSeekV3Config c, SafetensorsModel weights, GgmlType type)
    {
        if (weights.Tensors.Keys.FirstOrDefault(k => k.EndsWith(".weight_scale_inv", StringComparison.Ordinal)) is { } scaled)
            throw new R1SharpException($"{weights.Directory}: FP8 weights ('{scaled}') cannot be exported directly; load and save the model first (r1 dequantizes FP8 at load)");
        GgmlType Matrix(long cols) => type == GgmlType.F32 ? GgmlType.F32 : GgmlTypes.WithFallback(type, cols);
        GgufFloatSource Plain(string name) => GgufTensorPlan.Stream(weights, name, 0);
        var plan = new List<DeepSeek2TensorEntry>();
        void Add(string hf, string gguf)
        {
            var shape = weights.Tensors.TryGetValue(hf, out var info) ? info.Shape
                : throw new R1SharpException($"{weights.Directory}: tensor '{hf}' is missing; the weights do not match config.json (deepseek_v3)");
            plan.Add(new DeepSeek2TensorEntry(gguf, shape, shape.Length == 1 ? GgmlType.F32 : Matrix(shape[^1]), Plain(hf)));
        }
        Add("model.embed_tokens.weight", "token_embd.weight");
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            string p = $"model.layers.{l}.";
            foreach (var (hf, gguf) in Parts)
                if (weights.Tensors.ContainsKey(p + hf)) Add(p + hf, $"blk.{l}.{gguf}");
            AddKvB(plan, c, weights, p + "self_attn.kv_b_proj.weight", l, Matrix);
            if (c.IsMoeLayer(l))
                foreach (var part in new[] { "gate", "up", "down" })
                {
                    var names = Enumerable.Range(0, c.NRoutedExperts).Select(e => $"{p}mlp.experts.{e}.{part}_proj.weight").ToArray();
                    var first = weights.Tensors.TryGetValue(names[0], out var info) ? info.Shape : throw new R1SharpException($"{weights.Directory}: tensor '{names[0]}' is missing");
                    plan.Add(new DeepSeek2TensorEntry($"blk.{l}.ffn_{part}_exps.weight", [c.NRoutedExperts, first[0], first[1]], Matrix(first[1]),
                        sink => { foreach (var n in names) Plain(n)(sink); }));
                }
        }
        Add("model.norm.weight", "output_norm.weight");
        if (!c.TieWordEmbeddings) Add("lm_head.weight", "output.weight");
        return plan;
    }

    // kv_b_proj [H·(nope+v), rank] → attn_k_b [H, rank, nope] (k part transposed) and attn_v_b [H, v, rank].
    private static void AddKvB(List<DeepSeek2TensorEntry> plan, DeepSeekV3Config c, SafetensorsModel weights, string name, int layer, Func<long, GgmlType> matrix)
    {
        int h = c.NumAttentionHeads, nope = c.QkNopeHeadDim, v = c.VHeadDim, rank = c.KvLoraRank;
        float[] Read()
        {
            var info = weights.Tensors.TryGetValue(name, out var i) ? i : throw new R1SharpException($"{weights.Directory}: tensor '{name}' is missing");
            var all = new float[info.ElementCount];
            SafetensorsConvert.ToSingle(info.DType, weights.FileOf(name).GetBytes(name), all);
            return all;
        }
        plan.Add(new DeepSeek2TensorEntry($"blk.{layer}.attn_k_b.weight", [h, rank, nope], matrix(nope), sink =>
        {
            var w = Read();
            var block = new float[rank * nope];
            for (int head = 0; head < h; head++)
            {
                int baseRow = head * (nope + v);
                for (int r = 0; r < rank; r++)
                    for (int n = 0; n < nope; n++) block[r * nope + n] = w[(baseRow + n) * rank + r];
                sink.Write(block);
            }
        }));
        plan.Add(new DeepSeek2TensorEntry($"blk.{layer}.attn_v_b.weight", [h, v, rank], matrix(rank), sink =>
        {
            var w = Read();
            for (int head = 0; head < h; head++) sink.Write(w.AsSpan((head * (nope + v) + nope) * rank, v * rank));
        }));
    }
}
