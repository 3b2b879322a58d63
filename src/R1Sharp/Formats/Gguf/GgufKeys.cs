// GGUF metadata key names llama.cpp reads for qwen2 / llama / deepseek2 models.
// Follows llama.cpp gguf-py/gguf/constants.py (class Keys) as summarised in ARCHITECTURES.md §4.
namespace R1Sharp.Formats.Gguf;

/// <summary>Metadata key names. Per-architecture keys are methods taking the arch ("qwen2", "llama", "deepseek2").</summary>
public static class GgufKeys
{
    public const string GeneralArchitecture = "general.architecture";
    public const string GeneralName = "general.name";
    public const string GeneralFileType = "general.file_type";
    /// <summary>u32; gguf-py writes GGML_QUANT_VERSION = 2.</summary>
    public const string GeneralQuantizationVersion = "general.quantization_version";
    /// <summary>u32 power of two; 32 when absent.</summary>
    public const string GeneralAlignment = "general.alignment";

    /// <summary><c>{arch}.context_length</c> (u32), e.g. "qwen2.context_length".</summary>
    public static string ContextLength(string arch) => $"{arch}.context_length";
    /// <summary><c>{arch}.embedding_length</c> (u32): hidden size.</summary>
    public static string EmbeddingLength(string arch) => $"{arch}.embedding_length";
    /// <summary><c>{arch}.block_count</c> (u32): number of layers.</summary>
    public static string BlockCount(string arch) => $"{arch}.block_count";
    /// <summary><c>{arch}.feed_forward_length</c> (u32): MLP intermediate size.</summary>
    public static string FeedForwardLength(string arch) => $"{arch}.feed_forward_length";
    /// <summary><c>{arch}.attention.head_count</c> (u32).</summary>
    public static string AttentionHeadCount(string arch) => $"{arch}.attention.head_count";
    /// <summary><c>{arch}.attention.head_count_kv</c> (u32).</summary>
    public static string AttentionHeadCountKv(string arch) => $"{arch}.attention.head_count_kv";
    /// <summary><c>{arch}.attention.layer_norm_rms_epsilon</c> (f32).</summary>
    public static string AttentionLayerNormRmsEpsilon(string arch) => $"{arch}.attention.layer_norm_rms_epsilon";
    /// <summary><c>{arch}.attention.key_length</c> (u32): per-head key dim when not embedding/heads.</summary>
    public static string AttentionKeyLength(string arch) => $"{arch}.attention.key_length";
    /// <summary><c>{arch}.attention.value_length</c> (u32).</summary>
    public static string AttentionValueLength(string arch) => $"{arch}.attention.value_length";
    /// <summary><c>{arch}.rope.freq_base</c> (f32): rope_theta.</summary>
    public static string RopeFreqBase(string arch) => $"{arch}.rope.freq_base";
    /// <summary><c>{arch}.rope.dimension_count</c> (u32): rotated dims per head.</summary>
    public static string RopeDimensionCount(string arch) => $"{arch}.rope.dimension_count";
    /// <summary><c>{arch}.rope.scaling.type</c> (string: "none", "linear", "yarn").</summary>
    public static string RopeScalingType(string arch) => $"{arch}.rope.scaling.type";
    /// <summary><c>{arch}.rope.scaling.factor</c> (f32).</summary>
    public static string RopeScalingFactor(string arch) => $"{arch}.rope.scaling.factor";
    /// <summary><c>{arch}.rope.scaling.original_context_length</c> (u32).</summary>
    public static string RopeScalingOriginalContextLength(string arch) => $"{arch}.rope.scaling.original_context_length";
    /// <summary><c>{arch}.vocab_size</c> (u32).</summary>
    public static string VocabSize(string arch) => $"{arch}.vocab_size";

    /// <summary>"gpt2" for byte-level BPE (DeepSeek, Qwen2, Llama-3).</summary>
    public const string TokenizerModel = "tokenizer.ggml.model";
    /// <summary>Pre-tokenizer name: "deepseek-r1-qwen" (R1-Distill-Qwen), "llama-bpe" (Llama-3), "deepseek-v3".</summary>
    public const string TokenizerPre = "tokenizer.ggml.pre";
    /// <summary>str[]: every token, padded to the vocab size with "[PAD{i}]".</summary>
    public const string TokenizerTokens = "tokenizer.ggml.tokens";
    /// <summary>i32[]: <see cref="GgufTokenType"/> per token.</summary>
    public const string TokenizerTokenType = "tokenizer.ggml.token_type";
    /// <summary>str[]: merges as "left right".</summary>
    public const string TokenizerMerges = "tokenizer.ggml.merges";
    public const string TokenizerBosTokenId = "tokenizer.ggml.bos_token_id";
    public const string TokenizerEosTokenId = "tokenizer.ggml.eos_token_id";
    public const string TokenizerPaddingTokenId = "tokenizer.ggml.padding_token_id";
    public const string TokenizerAddBosToken = "tokenizer.ggml.add_bos_token";
    public const string TokenizerAddEosToken = "tokenizer.ggml.add_eos_token";
    /// <summary>The Jinja chat template (string).</summary>
    public const string TokenizerChatTemplate = "tokenizer.chat_template";
}
