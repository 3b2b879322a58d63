// Architecture registry: what differs between model types (layers, cache layout, RoPE) behind one interface,
// keyed by config.json model_type, so DeepSeek-V3 (MLA + MoE) is one more implementation (llama.cpp
// src/models/<arch>.cpp in spirit).
using R1Sharp.Formats.Config;
using static TorchSharp.torch;

namespace R1Sharp.Models;

/// <summary>Per-layer cache layout: cached heads and the key/value dimensions of each.</summary>
public readonly record struct CacheLayout(long Heads, long KeyDim, long ValueDim);

/// <summary>
/// One model_type's decoder: the config (sizes shared by embedding/norm/head), the layers themselves, the
/// KV-cache layout and the RoPE frequencies.
/// </summary>
public interface IDecoderArchitecture
{
    /// <summary>The parsed config.json.</summary>
    ModelConfig Config { get; }
    /// <summary>What each layer caches per token.</summary>
    CacheLayout Cache { get; }
    /// <summary>RoPE inverse frequencies (rotary dim / 2 values).</summary>
    float[] InverseFrequencies();
    /// <summary>Creates layer <paramref name="index"/> with uninitialized weights.</summary>
    DecoderLayer CreateLayer(int index, ScalarType dtype);
}

/// <summary>Picks the architecture for a config's model_type.</summary>
public static class DecoderArchitectures
{
    /// <summary>The architecture of <paramref name="config"/>.</summary>
    /// <exception cref="R1SharpException">The model_type or one of its options is not implemented.</exception>
    public static IDecoderArchitecture For(ModelConfig config, string source = "config.json") => config switch
    {
        Qwen2Config or LlamaConfig => new DenseArchitecture(config, source),
        DeepSeekV3Config d => new DeepSeekV3.DeepSeekV3Architecture(d, DeepSeekV3.MlaPath.Absorbed, source),
        _ => throw new R1SharpException($"{source}: model_type '{config.ModelType}' has no decoder implementation; supported: qwen2, llama, deepseek_v3"),
    };
}

/// <summary>Qwen2 and Llama: dense GQA decoder (HF modeling_qwen2.py / modeling_llama.py).</summary>
public sealed class DenseArchitecture : IDecoderArchitecture
{
    private readonly float[] _inverseFrequencies;

    /// <summary>Checks the options this implementation supports.</summary>
    /// <param name="config">The config.</param>
    /// <param name="source">Where the config came from, for errors.</param>
    /// <param name="inverseFrequencies">RoPE inverse frequencies given by the weights file (a GGUF's rope_freqs), or
    /// null to compute them from the config.</param>
    public DenseArchitecture(ModelConfig config, string source = "config.json", float[]? inverseFrequencies = null)
    {
        if (config is Qwen2Config { UseSlidingWindow: true })
            throw new R1SharpException($"{source}: use_sliding_window true is not supported; set it to false (R1-Distill models do not use it)");
        if (inverseFrequencies is not null && inverseFrequencies.Length != config.HeadDim / 2)
            throw new ArgumentException($"{inverseFrequencies.Length} inverse frequencies for head_dim {config.HeadDim}", nameof(inverseFrequencies));
        _inverseFrequencies = inverseFrequencies?.ToArray() ?? Rope.InverseFrequencies(config, source);
        Config = config;
    }

    /// <inheritdoc/>
    public ModelConfig Config { get; }
    /// <inheritdoc/>
    public CacheLayout Cache => new(Config.NumKeyValueHeads, Config.HeadDim, Config.HeadDim);
    /// <inheritdoc/>
    public float[] InverseFrequencies() => (float[])_inverseFrequencies.Clone();
    /// <inheritdoc/>
    public DecoderLayer CreateLayer(int index, ScalarType dtype) => new DenseDecoderLayer(Config, index, dtype);
}
