// The {arch}.* hyper-parameter keys and the llama3 rope_freqs factors of a qwen2/llama GGUF export.
// Follows llama.cpp convert_hf_to_gguf.py (TextModel.set_gguf_parameters, LlamaModel.generate_extra_tensors); ARCHITECTURES.md §4.
using R1Sharp.Formats.Config;
using R1Sharp.Formats.Gguf;

namespace R1Sharp.Models.Export;

/// <summary>Pure helpers that turn a <see cref="ModelConfig"/> into GGUF hyper-parameters.</summary>
public static class GgufHyperParameters
{
    /// <summary>The GGUF architecture of a config: "qwen2" or "llama"; anything else is an <see cref="R1SharpException"/>.</summary>
    public static string Architecture(ModelConfig config, string source = "config.json") => config.ModelType switch
    {
        "qwen2" => "qwen2",
        "llama" => "llama",
        _ => throw new R1SharpException($"{source}: model_type '{config.ModelType}' cannot be exported to GGUF; supported: qwen2, llama"),
    };

    /// <summary>
    /// Adds <c>{arch}.context_length</c>, embedding_length, block_count, feed_forward_length, attention.head_count,
    /// head_count_kv, layer_norm_rms_epsilon, rope.freq_base, rope.dimension_count, vocab_size, and key/value_length
    /// when head_dim is not hidden_size / heads. Rope scaling other than llama3 (which travels as a tensor) is refused.
    /// </summary>
    public static void Add(GgufWriter writer, ModelConfig config, string source = "config.json")
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(config);
        string arch = Architecture(config, source);
        if (config.RopeScaling is { } rs and not Llama3RopeScaling)
            throw new R1SharpException($"{source}: rope_scaling type '{rs.Type}' cannot be exported to GGUF yet; only llama3 is supported (remove rope_scaling for plain RoPE)");
        if (config.RopeScaling is Llama3RopeScaling && arch != "llama")
            throw new R1SharpException($"{source}: llama3 rope_scaling is only exported for model_type llama, not {config.ModelType}");
        writer.AddUInt32(GgufKeys.ContextLength(arch), (uint)config.MaxPositionEmbeddings);
        writer.AddUInt32(GgufKeys.EmbeddingLength(arch), (uint)config.HiddenSize);
        writer.AddUInt32(GgufKeys.BlockCount(arch), (uint)config.NumHiddenLayers);
        writer.AddUInt32(GgufKeys.FeedForwardLength(arch), (uint)config.IntermediateSize);
        writer.AddUInt32(GgufKeys.AttentionHeadCount(arch), (uint)config.NumAttentionHeads);
        writer.AddUInt32(GgufKeys.AttentionHeadCountKv(arch), (uint)config.NumKeyValueHeads);
        writer.AddFloat32(GgufKeys.AttentionLayerNormRmsEpsilon(arch), (float)config.RmsNormEps);
        writer.AddFloat32(GgufKeys.RopeFreqBase(arch), (float)config.RopeTheta);
        writer.AddUInt32(GgufKeys.RopeDimensionCount(arch), (uint)config.HeadDim);
        if (config.HeadDim * config.NumAttentionHeads != config.HiddenSize)
        {
            // llama.cpp derives the head size from embedding_length / head_count unless these are given.
            writer.AddUInt32(GgufKeys.AttentionKeyLength(arch), (uint)config.HeadDim);
            writer.AddUInt32(GgufKeys.AttentionValueLength(arch), (uint)config.HeadDim);
        }
        writer.AddUInt32(GgufKeys.VocabSize(arch), (uint)config.VocabSize);
    }

    /// <summary>
    /// llama3 per-frequency divisors for <c>rope_freqs.weight</c> (length head_dim / 2): llama.cpp divides the angle
    /// of frequency i by factor[i]. With wavelength λ = 2π / θ_i (θ_i = base^(−2i/d) in float32): λ &lt; L/high → 1;
    /// λ &gt; L/low → factor; else 1 / ((1 − s)/factor + s) with s = (L/λ − low)/(high − low), L the original context.
    /// Example (base 10000, d 4, factor 8, low 1, high 4, L 64): θ = [1, 0.01], λ ≈ [6.28, 628] → [1, 8].
    /// </summary>
    /// <remarks>convert_hf_to_gguf reads L from the top-level config (default 8192) rather than from rope_scaling;
    /// the two agree in every Llama-3.x checkpoint. This uses rope_scaling's value, which is what HF's forward uses.</remarks>
    public static float[] Llama3RopeFactors(int headDim, double ropeTheta, Llama3RopeScaling scaling)
    {
        ArgumentNullException.ThrowIfNull(scaling);
        if (headDim < 2 || headDim % 2 != 0) throw new ArgumentOutOfRangeException(nameof(headDim), headDim, "must be even and >= 2");
        double low = scaling.LowFreqFactor, high = scaling.HighFreqFactor, factor = scaling.Factor;
        double oldContext = scaling.OriginalMaxPositionEmbeddings;
        double lowWavelength = oldContext / low, highWavelength = oldContext / high;
        var factors = new float[headDim / 2];
        for (int i = 0; i < factors.Length; i++)
        {
            // torch computes the frequencies in float32 before the Python float comparisons.
            float freq = (float)(1.0 / Math.Pow(ropeTheta, (float)(2 * i) / headDim));
            double wavelength = 2 * Math.PI / freq;
            if (wavelength < highWavelength) factors[i] = 1f;
            else if (wavelength > lowWavelength) factors[i] = (float)factor;
            else
            {
                double smooth = (oldContext / wavelength - low) / (high - low);
                factors[i] = (float)(1 / ((1 - smooth) / factor + smooth));
            }
        }
        return factors;
    }

    /// <summary>The <c>general.file_type</c> of an export whose 2-D tensors are written as <paramref name="type"/>.</summary>
    public static GgufFileType FileType(GgmlType type) => type switch
    {
        GgmlType.F32 => GgufFileType.AllF32,
        GgmlType.F16 => GgufFileType.MostlyF16,
        GgmlType.Q8_0 => GgufFileType.MostlyQ8_0,
        _ => throw new R1SharpException($"GGUF export type {type} is not supported; use f32, f16 or q8_0"),
    };
}
