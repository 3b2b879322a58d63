// Architecture registry: what differs between model types (layers, cache layout, RoPE) behind one interface,
// so DeepSeek-V3 (MLA + MoE) is one more implementation (llama.cpp src/models/<arch>.cpp in spirit).
using static TorchSharp.torch;

namespace R1Sharp.Models;

/// <summary>Per-layer cache layout: cached heads and the key/value dimensions of each.</summary>
public readonly record struct CacheLayout(long Heads, long KeyDim, long ValueDim);

/// <summary>
/// One model_type's decoder: sizes shared by the embedding/norm/head around the layers, the layers themselves,
/// the KV-cache layout and the RoPE frequencies.
/// </summary>
public interface IDecoderArchitecture
{
    /// <summary>config.json model_type, e.g. "qwen2".</summary>
    string ModelType { get; }
    /// <summary>Embedding rows.</summary>
    int VocabSize { get; }
    /// <summary>Residual stream width.</summary>
    int HiddenSize { get; }
    /// <summary>Number of decoder layers.</summary>
    int NumLayers { get; }
    /// <summary>Epsilon of the final norm.</summary>
    double RmsNormEps { get; }
    /// <summary>Whether lm_head reuses the embedding matrix.</summary>
    bool TieWordEmbeddings { get; }
    /// <summary>What each layer caches per token.</summary>
    CacheLayout Cache { get; }
    /// <summary>RoPE inverse frequencies (rotary dim / 2 values).</summary>
    float[] InverseFrequencies();
    /// <summary>Creates layer <paramref name="index"/> with uninitialized weights.</summary>
    DecoderLayer CreateLayer(int index, ScalarType dtype);
}

/// <summary>Qwen2 and Llama: dense GQA decoder.</summary>
public sealed class DenseArchitecture : IDecoderArchitecture
{
    /// <summary>The hyper-parameters.</summary>
    public DenseSpec Spec { get; }

    /// <summary>Validates and wraps the spec.</summary>
    public DenseArchitecture(DenseSpec spec)
    {
        spec.Validate();
        Spec = spec;
    }

    /// <inheritdoc/>
    public string ModelType => Spec.ModelType;
    /// <inheritdoc/>
    public int VocabSize => Spec.VocabSize;
    /// <inheritdoc/>
    public int HiddenSize => Spec.HiddenSize;
    /// <inheritdoc/>
    public int NumLayers => Spec.NumHiddenLayers;
    /// <inheritdoc/>
    public double RmsNormEps => Spec.RmsNormEps;
    /// <inheritdoc/>
    public bool TieWordEmbeddings => Spec.TieWordEmbeddings;
    /// <inheritdoc/>
    public CacheLayout Cache => new(Spec.NumKeyValueHeads, Spec.HeadDim, Spec.HeadDim);
    /// <inheritdoc/>
    public float[] InverseFrequencies() => Spec.InverseFrequencies();
    /// <inheritdoc/>
    public DecoderLayer CreateLayer(int index, ScalarType dtype) => new DenseDecoderLayer(Spec, index, dtype);
}
