// config.json of model_type "deepseek_v3" (DeepSeek-V3/R1; ARCHITECTURES.md §1, HF configuration_deepseek_v3.py defaults):
// Multi-head Latent Attention sizes, DeepSeekMoE router options, MTP depth and the FP8 block quantization record.
using System.Text.Json.Nodes;

namespace R1Sharp.Formats.Config;

/// <summary>
/// <c>quantization_config</c> of an FP8 checkpoint (DeepSeek-V3/R1: fp8, e4m3, dynamic activations, 128×128
/// weight blocks). Weights are dequantized at load, so a saved model carries no quantization_config.
/// </summary>
public sealed record Fp8Quantization(string QuantMethod, string Fmt, string ActivationScheme, int BlockRows, int BlockColumns)
{
    internal JsonObject ToJsonObject() => new()
    {
        ["activation_scheme"] = ActivationScheme,
        ["fmt"] = Fmt,
        ["quant_method"] = QuantMethod,
        ["weight_block_size"] = new JsonArray(BlockRows, BlockColumns),
    };
}

/// <summary>DeepSeek-V3 / R1 hyper-parameters (MLA + DeepSeekMoE + MTP).</summary>
public sealed record DeepSeekV3Config : ModelConfig
{
    /// <inheritdoc/>
    public override string ModelType => "deepseek_v3";
    /// <inheritdoc/>
    public override string DefaultArchitecture => "DeepseekV3ForCausalLM";

    /// <summary><c>q_lora_rank</c> (R1: 1536); null means a full-rank <c>q_proj</c> (as in V2-Lite).</summary>
    public int? QLoraRank { get; init; } = 1536;
    /// <summary><c>kv_lora_rank</c>: the latent that the absorbed cache holds per token (R1: 512).</summary>
    public int KvLoraRank { get; init; } = 512;
    /// <summary><c>qk_nope_head_dim</c>: per-head query/key channels without RoPE (R1: 128).</summary>
    public int QkNopeHeadDim { get; init; } = 128;
    /// <summary><c>qk_rope_head_dim</c>: RoPE channels, one key shared by all heads (R1: 64).</summary>
    public int QkRopeHeadDim { get; init; } = 64;
    /// <summary><c>v_head_dim</c> (R1: 128).</summary>
    public int VHeadDim { get; init; } = 128;
    /// <summary>Query/key head size: nope + rope (R1: 192).</summary>
    public int QkHeadDim => QkNopeHeadDim + QkRopeHeadDim;
    /// <summary><c>moe_intermediate_size</c>: each routed expert's (and each shared expert's) inner size (R1: 2048).</summary>
    public int MoeIntermediateSize { get; init; } = 2048;
    /// <summary><c>n_routed_experts</c> (R1: 256).</summary>
    public int NRoutedExperts { get; init; } = 256;
    /// <summary><c>n_shared_experts</c> (R1: 1); they form one MLP of MoeIntermediateSize × this.</summary>
    public int NSharedExperts { get; init; } = 1;
    /// <summary><c>num_experts_per_tok</c>: routed experts per token (R1: 8).</summary>
    public int NumExpertsPerTok { get; init; } = 8;
    /// <summary><c>n_group</c>: expert groups for group-limited routing (R1: 8).</summary>
    public int NGroup { get; init; } = 8;
    /// <summary><c>topk_group</c>: groups kept per token (R1: 4).</summary>
    public int TopkGroup { get; init; } = 4;
    /// <summary><c>topk_method</c>; only "noaux_tc" (bias-corrected group-limited top-k) is implemented.</summary>
    public string TopkMethod { get; init; } = "noaux_tc";
    /// <summary><c>scoring_func</c>; only "sigmoid" is implemented.</summary>
    public string ScoringFunc { get; init; } = "sigmoid";
    /// <summary><c>norm_topk_prob</c>: renormalize the selected weights to sum 1 before scaling.</summary>
    public bool NormTopkProb { get; init; } = true;
    /// <summary><c>routed_scaling_factor</c> (R1: 2.5).</summary>
    public double RoutedScalingFactor { get; init; } = 2.5;
    /// <summary><c>first_k_dense_replace</c>: leading layers with a dense MLP (R1: 3).</summary>
    public int FirstKDenseReplace { get; init; } = 3;
    /// <summary><c>moe_layer_freq</c>: layer i ≥ first_k_dense_replace is MoE when i % freq == 0 (R1: 1).</summary>
    public int MoeLayerFreq { get; init; } = 1;
    /// <summary><c>num_nextn_predict_layers</c>: MTP modules stored after the main layers (R1: 1).</summary>
    public int NumNextnPredictLayers { get; init; }
    /// <summary><c>ep_size</c> (expert parallelism of the original training; informational).</summary>
    public int EpSize { get; init; } = 1;
    /// <summary><c>quantization_config</c> when the checkpoint stores FP8 weights.</summary>
    public Fp8Quantization? Quantization { get; init; }

    /// <summary>Whether layer <paramref name="index"/> uses DeepSeekMoE (else a dense SwiGLU of intermediate_size).</summary>
    public bool IsMoeLayer(int index) => index >= FirstKDenseReplace && index % MoeLayerFreq == 0;

    /// <summary>For object initializers.</summary>
    public DeepSeekV3Config() { }

    [System.Diagnostics.CodeAnalysis.SetsRequiredMembers]
    internal DeepSeekV3Config(ConfigJson j) : base(j, maxPositionDefault: 4096)
    {
        AttentionBias = j.Bool("attention_bias") ?? false;
        QLoraRank = j.Present("q_lora_rank") ? j.Int("q_lora_rank") : 1536; // HF default when absent; null = full-rank q_proj
        KvLoraRank = j.Int("kv_lora_rank") ?? 512;
        QkNopeHeadDim = j.Int("qk_nope_head_dim") ?? 128;
        QkRopeHeadDim = j.Int("qk_rope_head_dim") ?? 64;
        VHeadDim = j.Int("v_head_dim") ?? 128;
        MoeIntermediateSize = j.Int("moe_intermediate_size") ?? 2048;
        NRoutedExperts = j.Int("n_routed_experts") ?? 256;
        NSharedExperts = j.Int("n_shared_experts") ?? 1;
        NumExpertsPerTok = j.Int("num_experts_per_tok") ?? 8;
        NGroup = j.Int("n_group") ?? 8;
        TopkGroup = j.Int("topk_group") ?? 4;
        TopkMethod = j.String("topk_method") ?? "noaux_tc";
        ScoringFunc = j.String("scoring_func") ?? "sigmoid";
        NormTopkProb = j.Bool("norm_topk_prob") ?? true;
        RoutedScalingFactor = j.Double("routed_scaling_factor") ?? 2.5;
        FirstKDenseReplace = j.Int("first_k_dense_replace") ?? 3;
        MoeLayerFreq = j.Int("moe_layer_freq") ?? 1;
        NumNextnPredictLayers = j.Int("num_nextn_predict_layers") ?? 0;
        EpSize = j.Int("ep_size") ?? 1;
        Quantization = j.Object("quantization_config") is { } q ? ParseQuantization(q) : null;
    }

    private static Fp8Quantization ParseQuantization(ConfigJson q)
    {
        var block = q.IntOrList("weight_block_size");
        if (block is { Count: not 2 })
            throw new R1SharpException($"{q.Source}: quantization_config.weight_block_size must be [rows, columns], e.g. [128, 128]");
        return new Fp8Quantization(q.String("quant_method") ?? "", q.String("fmt") ?? "e4m3", q.String("activation_scheme") ?? "dynamic",
            block?[0] ?? 128, block?[1] ?? 128);
    }

    /// <inheritdoc/>
    public override void Validate(string sourceName = "config.json")
    {
        base.Validate(sourceName);
        if (AttentionBias) throw Error(sourceName, "attention_bias true is not supported for deepseek_v3 (DeepSeek-V3/R1 ship false)");
        if (QLoraRank is { } q && q < 1) throw Error(sourceName, $"q_lora_rank must be positive or null (full-rank q_proj), got {q}");
        Positive(sourceName, "kv_lora_rank", KvLoraRank);
        Positive(sourceName, "qk_nope_head_dim", QkNopeHeadDim);
        Positive(sourceName, "v_head_dim", VHeadDim);
        if (QkRopeHeadDim < 2 || QkRopeHeadDim % 2 != 0)
            throw Error(sourceName, $"qk_rope_head_dim must be even and >= 2, got {QkRopeHeadDim}");
        if (FirstKDenseReplace < 0 || MoeLayerFreq < 1 || NumNextnPredictLayers < 0)
            throw Error(sourceName, $"first_k_dense_replace ({FirstKDenseReplace}) and num_nextn_predict_layers ({NumNextnPredictLayers}) must be >= 0 and moe_layer_freq ({MoeLayerFreq}) >= 1");
        if (Enumerable.Range(0, NumHiddenLayers).Any(IsMoeLayer)) ValidateMoe(sourceName);
        if (ScoringFunc != "sigmoid")
            throw Error(sourceName, $"scoring_func '{ScoringFunc}' is not supported; deepseek_v3 uses sigmoid");
        if (TopkMethod != "noaux_tc")
            throw Error(sourceName, $"topk_method '{TopkMethod}' is not supported; deepseek_v3 uses noaux_tc");
        if (Quantization is { } fp8 && (fp8.QuantMethod != "fp8" || fp8.Fmt != "e4m3" || fp8.BlockRows < 1 || fp8.BlockColumns < 1))
            throw Error(sourceName, $"quantization_config {fp8.QuantMethod}/{fp8.Fmt} [{fp8.BlockRows}, {fp8.BlockColumns}] is not supported; only fp8 e4m3 with positive block sizes (DeepSeek: [128, 128])");
    }

    private void ValidateMoe(string sourceName)
    {
        Positive(sourceName, "n_routed_experts", NRoutedExperts);
        Positive(sourceName, "num_experts_per_tok", NumExpertsPerTok);
        Positive(sourceName, "moe_intermediate_size", MoeIntermediateSize);
        Positive(sourceName, "n_group", NGroup);
        if (NSharedExperts < 0) throw Error(sourceName, $"n_shared_experts must be >= 0, got {NSharedExperts}");
        if (NRoutedExperts % NGroup != 0)
            throw Error(sourceName, $"n_routed_experts ({NRoutedExperts}) must be divisible by n_group ({NGroup})");
        if (TopkGroup < 1 || TopkGroup > NGroup)
            throw Error(sourceName, $"topk_group ({TopkGroup}) must be between 1 and n_group ({NGroup})");
        if (NGroup > 1 && NRoutedExperts / NGroup < 2)
            throw Error(sourceName, $"each expert group needs >= 2 experts (group scores sum the top 2); lower n_group ({NGroup})");
        if (NumExpertsPerTok > TopkGroup * (NRoutedExperts / NGroup))
            throw Error(sourceName, $"num_experts_per_tok ({NumExpertsPerTok}) exceeds the experts of topk_group ({TopkGroup}) groups ({TopkGroup * (NRoutedExperts / NGroup)}); raise topk_group or lower num_experts_per_tok");
    }

    private static void Positive(string source, string field, int value)
    {
        if (value < 1) throw Error(source, $"{field} must be a positive integer, got {value}");
    }

    private protected override void AddTypeFields(JsonObject o)
    {
        o["attention_bias"] = AttentionBias;
        o["q_lora_rank"] = QLoraRank;
        o["kv_lora_rank"] = KvLoraRank;
        o["qk_nope_head_dim"] = QkNopeHeadDim;
        o["qk_rope_head_dim"] = QkRopeHeadDim;
        o["v_head_dim"] = VHeadDim;
        o["moe_intermediate_size"] = MoeIntermediateSize;
        o["n_routed_experts"] = NRoutedExperts;
        o["n_shared_experts"] = NSharedExperts;
        o["num_experts_per_tok"] = NumExpertsPerTok;
        o["n_group"] = NGroup;
        o["topk_group"] = TopkGroup;
        o["topk_method"] = TopkMethod;
        o["scoring_func"] = ScoringFunc;
        o["norm_topk_prob"] = NormTopkProb;
        o["routed_scaling_factor"] = ConfigJson.Float(RoutedScalingFactor);
        o["first_k_dense_replace"] = FirstKDenseReplace;
        o["moe_layer_freq"] = MoeLayerFreq;
        o["num_nextn_predict_layers"] = NumNextnPredictLayers;
        o["ep_size"] = EpSize;
        if (Quantization is { } q) o["quantization_config"] = q.ToJsonObject();
    }
}
