// Hyper-parameters of the dense Qwen2/Llama decoder, in the names of HF config.json (modeling_qwen2/llama).
namespace R1Sharp.Models;

/// <summary>What the dense decoder needs from config.json (model_type qwen2 or llama).</summary>
/// <param name="ModelType">"qwen2" or "llama".</param>
/// <param name="VocabSize">Embedding rows (vocab_size).</param>
/// <param name="HiddenSize">hidden_size.</param>
/// <param name="IntermediateSize">intermediate_size of the SwiGLU MLP.</param>
/// <param name="NumHiddenLayers">num_hidden_layers.</param>
/// <param name="NumAttentionHeads">num_attention_heads.</param>
/// <param name="NumKeyValueHeads">num_key_value_heads (GQA); divides NumAttentionHeads.</param>
/// <param name="HeadDim">head_dim (hidden/heads when absent from the config).</param>
/// <param name="RmsNormEps">rms_norm_eps.</param>
/// <param name="RopeTheta">rope_theta.</param>
/// <param name="RopeScaling">llama3 rope_scaling, or null.</param>
/// <param name="TieWordEmbeddings">tie_word_embeddings: lm_head reuses embed_tokens.</param>
/// <param name="AttentionBias">q/k/v carry biases (always for qwen2; attention_bias for llama).</param>
public sealed record DenseSpec(
    string ModelType, int VocabSize, int HiddenSize, int IntermediateSize, int NumHiddenLayers,
    int NumAttentionHeads, int NumKeyValueHeads, int HeadDim, double RmsNormEps, double RopeTheta,
    Llama3RopeScaling? RopeScaling, bool TieWordEmbeddings, bool AttentionBias)
{
    /// <summary>Throws an <see cref="ArgumentException"/> naming the inconsistent field.</summary>
    public void Validate()
    {
        if (VocabSize <= 0 || HiddenSize <= 0 || IntermediateSize <= 0 || NumHiddenLayers <= 0 || HeadDim <= 0)
            throw new ArgumentException($"{ModelType}: sizes must be positive");
        if (NumKeyValueHeads <= 0 || NumAttentionHeads % NumKeyValueHeads != 0)
            throw new ArgumentException(
                $"{ModelType}: num_attention_heads {NumAttentionHeads} is not a multiple of num_key_value_heads {NumKeyValueHeads}");
        if (HeadDim % 2 != 0) throw new ArgumentException($"{ModelType}: head_dim {HeadDim} must be even for RoPE");
    }

    /// <summary>RoPE inverse frequencies for this model (llama3-scaled when configured).</summary>
    public float[] InverseFrequencies()
    {
        var plain = Rope.InverseFrequencies(HeadDim, RopeTheta);
        return RopeScaling is { } s ? Rope.Llama3Scale(plain, s) : plain;
    }
}
