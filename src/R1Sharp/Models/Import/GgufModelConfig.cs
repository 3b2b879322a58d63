// The model config of a qwen2/llama GGUF file: the inverse of Models/Export/GgufHyperParameters (llama.cpp's {arch}.*
// keys, llama-model.cpp LLM_KV_*), plus what the tensors imply (biases, tied output, llama3 rope_freqs factors).
using R1Sharp.Formats.Config;
using R1Sharp.Formats.Gguf;

namespace R1Sharp.Models.Import;

/// <summary>A GGUF file's hyper-parameters as a <see cref="ModelConfig"/>, and its RoPE frequencies.</summary>
/// <param name="Config">qwen2 or llama config (TorchDtype "float32"; generation ids from tokenizer.ggml.*).</param>
/// <param name="InverseFrequencies">RoPE inverse frequencies as llama.cpp computes them: base^(−2i/d), divided by
/// <c>rope_freqs.weight</c>[i] when the file has that tensor (llama3 scaling travels that way).</param>
public sealed record GgufModelConfig(ModelConfig Config, float[] InverseFrequencies)
{
    /// <summary>The GGUF architectures this importer runs.</summary>
    public const string SupportedArchitectures = "qwen2, llama";

    /// <summary>Reads the config of <paramref name="file"/>.</summary>
    /// <exception cref="R1SharpException">An architecture other than qwen2/llama, a missing or inconsistent key, or
    /// an option the engine does not implement (rope scaling other than rope_freqs, partial rotary); one line naming the file.</exception>
    public static GgufModelConfig Read(GgufFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        string name = file.FileName;
        string arch = file.GetString(GgufKeys.GeneralArchitecture);
        if (arch == "deepseek2")
            throw new R1SharpException($"{name}: GGUF architecture 'deepseek2' cannot be run yet (MLA and stacked experts are not imported); run its Hugging Face directory, or use a qwen2/llama GGUF");
        if (arch is not ("qwen2" or "llama"))
            throw new R1SharpException($"{name}: GGUF architecture '{arch}' cannot be run; supported: {SupportedArchitectures}");
        var embedding = file.GetTensor("token_embd.weight");
        if (embedding.Dims.Length != 2)
            throw new R1SharpException($"{name}: GGUF tensor 'token_embd.weight' has {embedding.Dims.Length} dims, expected 2");
        int hidden = Int(file, GgufKeys.EmbeddingLength(arch));
        int heads = Int(file, GgufKeys.AttentionHeadCount(arch));
        int kvHeads = file.Find(GgufKeys.AttentionHeadCountKv(arch)) is null ? heads : Int(file, GgufKeys.AttentionHeadCountKv(arch));
        int? keyLength = file.Find(GgufKeys.AttentionKeyLength(arch)) is null ? null : Int(file, GgufKeys.AttentionKeyLength(arch));
        int? valueLength = file.Find(GgufKeys.AttentionValueLength(arch)) is null ? null : Int(file, GgufKeys.AttentionValueLength(arch));
        if (heads <= 0) throw new R1SharpException($"{name}: GGUF key '{GgufKeys.AttentionHeadCount(arch)}' must be positive");
        int headDim = keyLength ?? hidden / heads;
        if ((valueLength ?? headDim) != headDim)
            throw new R1SharpException($"{name}: GGUF key_length {headDim} differs from value_length {valueLength}; the dense decoder needs them equal");
        int ropeDims = file.Find(GgufKeys.RopeDimensionCount(arch)) is null ? headDim : Int(file, GgufKeys.RopeDimensionCount(arch));
        if (ropeDims != headDim)
            throw new R1SharpException($"{name}: GGUF rope.dimension_count {ropeDims} is not the head size {headDim}; partial rotary embeddings are not supported");
        if (file.Find(GgufKeys.RopeScalingType(arch))?.AsString() is { } scaling and not "none")
            throw new R1SharpException($"{name}: GGUF rope scaling '{scaling}' is not supported; only plain RoPE and llama3 rope_freqs run");
        double theta = file.Find(GgufKeys.RopeFreqBase(arch)) is null ? 10000.0 : file.GetFloat(GgufKeys.RopeFreqBase(arch));
        bool Has(string tensor) => file.FindTensor(tensor) is not null;
        int? bos = TokenId(file, GgufKeys.TokenizerBosTokenId), eos = TokenId(file, GgufKeys.TokenizerEosTokenId);
        ModelConfig config = arch == "qwen2"
            ? new Qwen2Config
            {
                VocabSize = checked((int)embedding.Dims[1]), HiddenSize = hidden, IntermediateSize = Int(file, GgufKeys.FeedForwardLength(arch)),
                NumHiddenLayers = Int(file, GgufKeys.BlockCount(arch)), NumAttentionHeads = heads, NumKeyValueHeads = kvHeads, ExplicitHeadDim = keyLength,
                MaxPositionEmbeddings = Int(file, GgufKeys.ContextLength(arch)), RmsNormEps = Eps(file, arch), RopeTheta = theta,
                TieWordEmbeddings = !Has("output.weight"), BosTokenId = bos, EosTokenIds = eos is int e ? new([e]) : ValueList<int>.Empty,
                TorchDtype = "float32",
            }
            : new LlamaConfig
            {
                VocabSize = checked((int)embedding.Dims[1]), HiddenSize = hidden, IntermediateSize = Int(file, GgufKeys.FeedForwardLength(arch)),
                NumHiddenLayers = Int(file, GgufKeys.BlockCount(arch)), NumAttentionHeads = heads, NumKeyValueHeads = kvHeads, ExplicitHeadDim = keyLength,
                MaxPositionEmbeddings = Int(file, GgufKeys.ContextLength(arch)), RmsNormEps = Eps(file, arch), RopeTheta = theta,
                TieWordEmbeddings = !Has("output.weight"), BosTokenId = bos, EosTokenIds = eos is int e2 ? new([e2]) : ValueList<int>.Empty,
                TorchDtype = "float32", AttentionBias = Has("blk.0.attn_q.bias"), MlpBias = Has("blk.0.ffn_up.bias"),
            };
        config.Validate(name);
        return new GgufModelConfig(config, Frequencies(file, headDim, theta));
    }

    // llama.cpp: theta_i = pos · base^(−2i/d) / freq_factors[i]; the division happens in float32.
    private static float[] Frequencies(GgufFile file, int headDim, double theta)
    {
        float[] plain = Rope.InverseFrequencies(headDim, theta);
        if (file.FindTensor("rope_freqs.weight") is not { } t) return plain;
        if (t.ElementCount != plain.Length || t.Type != GgmlType.F32)
            throw new R1SharpException($"{file.FileName}: GGUF tensor 'rope_freqs.weight' is {t.Type} with {t.ElementCount} values; expected F32 with head size / 2 = {plain.Length}");
        float[] factors = file.ReadTensorFloats(t);
        for (int i = 0; i < plain.Length; i++) plain[i] /= factors[i];
        return plain;
    }

    private static int Int(GgufFile file, string key)
    {
        long v = file.GetInteger(key);
        return v is >= 0 and <= int.MaxValue ? (int)v : throw new R1SharpException($"{file.FileName}: GGUF key '{key}' is {v}, out of range");
    }

    private static double Eps(GgufFile file, string arch) => file.GetFloat(GgufKeys.AttentionLayerNormRmsEpsilon(arch));

    private static int? TokenId(GgufFile file, string key) => file.Find(key) is null ? null : Int(file, key);
}
