// Named model shapes for `r1 new-model`: tiny ones for tests and laptop training, and the shapes of real
// checkpoints (Qwen2.5-0.5B, R1-Distill-Qwen-1.5B, Llama-3.2-1B, R1-Distill-Llama-8B; ARCHITECTURES.md §2); any shape also
// maps to a small deepseek_v3 (MLA + MoE) model.
using R1Sharp.Formats.Config;

namespace R1Sharp.Models;

/// <summary>A model shape; <see cref="VocabSize"/> null means "the tokenizer's size".</summary>
public sealed record ModelPreset(
    string Name, string Description, int Hidden, int Intermediate, int Layers, int Heads, int KvHeads,
    int? VocabSize = null, double RopeTheta = 10000, int MaxPositions = 4096, bool Tied = false, double RmsEps = 1e-6,
    RopeScaling? RopeScaling = null);

public static class ModelPresets
{
    /// <summary>The architectures `r1 new-model` creates.</summary>
    public static readonly string[] Architectures = ["qwen2", "llama", "deepseek_v3"];

    static readonly Llama3RopeScaling Llama31Scaling = new()
    {
        Factor = 8, LowFreqFactor = 1, HighFreqFactor = 4, OriginalMaxPositionEmbeddings = 8192,
    };

    /// <summary>Every preset, by name. Tiny presets tie embeddings (most of their parameters would be the head).</summary>
    public static IReadOnlyList<ModelPreset> All { get; } =
    [
        new("micro", "2 layers, hidden 32: a smaller student for the distillation demo", 32, 88, 2, 2, 1, Tied: true, MaxPositions: 1024),
        new("tiny", "2 layers, hidden 64: unit tests, seconds to train", 64, 176, 2, 4, 2, Tied: true, MaxPositions: 1024),
        new("small", "4 layers, hidden 128: the built-in reasoning task", 128, 352, 4, 4, 2, Tied: true, MaxPositions: 2048),
        new("25m", "8 layers, hidden 512: ~25M parameters with an 8k vocabulary", 512, 1408, 8, 8, 4, Tied: true),
        new("qwen2.5-0.5b", "Qwen2.5-0.5B shape (494M parameters)", 896, 4864, 24, 14, 2, VocabSize: 151936,
            RopeTheta: 1_000_000, MaxPositions: 32768, Tied: true),
        new("r1-distill-qwen-1.5b", "DeepSeek-R1-Distill-Qwen-1.5B shape (1.78B parameters)", 1536, 8960, 28, 12, 2,
            VocabSize: 151936, MaxPositions: 131072),
        new("r1-distill-qwen-7b", "DeepSeek-R1-Distill-Qwen-7B shape (7.62B parameters)", 3584, 18944, 28, 28, 4,
            VocabSize: 152064, MaxPositions: 131072),
        new("llama-3.2-1b", "Llama-3.2-1B shape (1.24B parameters)", 2048, 8192, 16, 32, 8, VocabSize: 128256,
            RopeTheta: 500_000, MaxPositions: 131072, Tied: true, RmsEps: 1e-5,
            RopeScaling: new Llama3RopeScaling { Factor = 32, LowFreqFactor = 1, HighFreqFactor = 4, OriginalMaxPositionEmbeddings = 8192 }),
        new("r1-distill-llama-8b", "DeepSeek-R1-Distill-Llama-8B shape (8.03B parameters)", 4096, 14336, 32, 32, 8,
            VocabSize: 128256, RopeTheta: 500_000, MaxPositions: 131072, RmsEps: 1e-5, RopeScaling: Llama31Scaling),
    ];

    /// <summary>The preset called <paramref name="name"/>; unknown names list the known ones.</summary>
    public static ModelPreset Get(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new R1SharpException($"--preset: unknown preset '{name}'; known presets: {string.Join(", ", All.Select(p => p.Name))}");

    /// <summary>
    /// A validated config of <paramref name="arch"/> with the shape of <paramref name="p"/>, for a tokenizer of
    /// <paramref name="tokenizerVocab"/> tokens (the vocabulary must cover them) with <paramref name="bosId"/> and <paramref name="eosId"/>.
    /// </summary>
    public static ModelConfig ToConfig(ModelPreset p, string arch, int tokenizerVocab, int? bosId, int? eosId)
    {
        int vocab = p.VocabSize ?? tokenizerVocab;
        if (vocab < tokenizerVocab)
            throw new R1SharpException($"--preset {p.Name}: its vocabulary ({vocab}) is smaller than the tokenizer's ({tokenizerVocab}); use a smaller tokenizer or --config");
        IReadOnlyList<int> eos = eosId is { } e ? [e] : [];
        ModelConfig config = arch switch
        {
            "qwen2" => new Qwen2Config
            {
                VocabSize = vocab, HiddenSize = p.Hidden, IntermediateSize = p.Intermediate, NumHiddenLayers = p.Layers,
                NumAttentionHeads = p.Heads, NumKeyValueHeads = p.KvHeads, RopeTheta = p.RopeTheta,
                MaxPositionEmbeddings = p.MaxPositions, TieWordEmbeddings = p.Tied, RmsNormEps = p.RmsEps,
                RopeScaling = p.RopeScaling, BosTokenId = bosId, EosTokenIds = new(eos), TorchDtype = "float32",
            },
            "llama" => new LlamaConfig
            {
                VocabSize = vocab, HiddenSize = p.Hidden, IntermediateSize = p.Intermediate, NumHiddenLayers = p.Layers,
                NumAttentionHeads = p.Heads, NumKeyValueHeads = p.KvHeads, RopeTheta = p.RopeTheta,
                MaxPositionEmbeddings = p.MaxPositions, TieWordEmbeddings = p.Tied, RmsNormEps = p.RmsEps,
                RopeScaling = p.RopeScaling, BosTokenId = bosId, EosTokenIds = new(eos), TorchDtype = "float32",
            },
            "deepseek_v3" => DeepSeekV3(p, vocab, bosId, eos),
            _ => throw new R1SharpException($"--arch: unknown architecture '{arch}'; use one of {string.Join(", ", Architectures)}"),
        };
        config.Validate($"preset {p.Name}");
        return config;
    }

    /// <summary>
    /// A deepseek_v3 model of the preset's width/depth: per-head size d = hidden/heads gives qk_nope d, rope d/2, v d,
    /// kv_lora_rank 2d and q_lora_rank hidden/2; 8 routed experts in 4 groups (2 kept, 2 per token) of
    /// intermediate/4 plus 1 shared; the first layer dense; YaRN off. Tiny: 2 layers, ~0.2M parameters + embeddings.
    /// </summary>
    private static DeepSeekV3Config DeepSeekV3(ModelPreset p, int vocab, int? bosId, IReadOnlyList<int> eos)
    {
        int d = p.Hidden / p.Heads, rope = Math.Max(2, d / 2 / 2 * 2);
        return new DeepSeekV3Config
        {
            VocabSize = vocab, HiddenSize = p.Hidden, IntermediateSize = p.Intermediate, NumHiddenLayers = p.Layers,
            NumAttentionHeads = p.Heads, NumKeyValueHeads = p.Heads, RopeTheta = p.RopeTheta, MaxPositionEmbeddings = p.MaxPositions,
            TieWordEmbeddings = p.Tied, RmsNormEps = p.RmsEps, BosTokenId = bosId, EosTokenIds = new(eos), TorchDtype = "float32",
            QLoraRank = p.Hidden / 2, KvLoraRank = 2 * d, QkNopeHeadDim = d, QkRopeHeadDim = rope, VHeadDim = d,
            MoeIntermediateSize = Math.Max(8, p.Intermediate / 4), NRoutedExperts = 8, NSharedExperts = 1, NumExpertsPerTok = 2,
            NGroup = 4, TopkGroup = 2, NormTopkProb = true, RoutedScalingFactor = 2.5, FirstKDenseReplace = Math.Min(1, p.Layers - 1),
            MoeLayerFreq = 1, NumNextnPredictLayers = 0,
        };
    }
}
