// Model hyper-parameters from an HF config.json (ARCHITECTURES.md §1-2): the fields shared by the
// dense decoders, parsing dispatched on model_type, validation with actionable messages, and ToJson.
using System.Text.Json.Nodes;

namespace R1Sharp.Formats.Config;

/// <summary>
/// Hyper-parameters of a decoder-only model, read from <c>config.json</c>. Subtypes carry the fields of
/// one <c>model_type</c> (<see cref="Qwen2Config"/>, <see cref="LlamaConfig"/>). Unknown JSON fields are ignored.
/// </summary>
public abstract record ModelConfig
{
    /// <summary>The <c>model_type</c> values <see cref="Parse"/> accepts.</summary>
    public const string SupportedModelTypes = "qwen2, llama, deepseek_v3";

    /// <summary>Written as <c>transformers_version</c> when the config did not carry one.</summary>
    public const string DefaultTransformersVersion = "4.46.3";

    private readonly int? _numKeyValueHeads;

    /// <summary>HF <c>model_type</c>, e.g. "qwen2".</summary>
    public abstract string ModelType { get; }
    /// <summary>The HF class name written to <c>architectures</c> when none was given.</summary>
    public abstract string DefaultArchitecture { get; }
    /// <summary><c>architectures</c>, e.g. [Qwen2ForCausalLM].</summary>
    public ValueList<string> Architectures { get; init; } = ValueList<string>.Empty;
    /// <summary><c>vocab_size</c>: rows of the embedding and lm_head (may exceed the tokenizer's vocabulary).</summary>
    public required int VocabSize { get; init; }
    /// <summary><c>hidden_size</c>.</summary>
    public required int HiddenSize { get; init; }
    /// <summary><c>intermediate_size</c> of the SwiGLU MLP.</summary>
    public required int IntermediateSize { get; init; }
    /// <summary><c>num_hidden_layers</c>.</summary>
    public required int NumHiddenLayers { get; init; }
    /// <summary><c>num_attention_heads</c> (query heads).</summary>
    public required int NumAttentionHeads { get; init; }
    /// <summary><c>num_key_value_heads</c>; defaults to <see cref="NumAttentionHeads"/> (no GQA).</summary>
    public int NumKeyValueHeads { get => _numKeyValueHeads ?? NumAttentionHeads; init => _numKeyValueHeads = value; }
    /// <summary>Explicit <c>head_dim</c> from the JSON, if any.</summary>
    public int? ExplicitHeadDim { get; init; }
    /// <summary>Per-head dimension: <c>head_dim</c> when given, else hidden_size / num_attention_heads.</summary>
    public int HeadDim => ExplicitHeadDim ?? (NumAttentionHeads > 0 ? HiddenSize / NumAttentionHeads : 0);
    /// <summary><c>max_position_embeddings</c>.</summary>
    public int MaxPositionEmbeddings { get; init; } = 2048;
    /// <summary><c>rms_norm_eps</c>.</summary>
    public double RmsNormEps { get; init; } = 1e-6;
    /// <summary><c>rope_theta</c> (RoPE base).</summary>
    public double RopeTheta { get; init; } = 10000.0;
    /// <summary><c>rope_scaling</c>, or null for plain RoPE.</summary>
    public RopeScaling? RopeScaling { get; init; }
    /// <summary><c>tie_word_embeddings</c>: lm_head shares the embedding matrix.</summary>
    public bool TieWordEmbeddings { get; init; }
    /// <summary><c>bos_token_id</c>, if set.</summary>
    public int? BosTokenId { get; init; }
    /// <summary><c>eos_token_id</c> (an int or a list in JSON); empty when absent.</summary>
    public ValueList<int> EosTokenIds { get; init; } = ValueList<int>.Empty;
    /// <summary><c>torch_dtype</c> of the stored weights, e.g. "bfloat16".</summary>
    public string? TorchDtype { get; init; }
    /// <summary>Whether q/k/v projections carry a bias (qwen2: always; llama: <c>attention_bias</c>).</summary>
    public bool AttentionBias { get; init; }
    /// <summary>Whether o_proj carries a bias (llama: same as <see cref="AttentionBias"/>; qwen2: never).</summary>
    public virtual bool OutputProjectionBias => AttentionBias;
    /// <summary>Whether the MLP projections carry biases (<c>mlp_bias</c>, llama only).</summary>
    public bool MlpBias { get; init; }
    /// <summary><c>hidden_act</c>; only "silu" is supported.</summary>
    public string HiddenAct { get; init; } = "silu";
    /// <summary><c>initializer_range</c>: std of the normal init of fresh weights.</summary>
    public double InitializerRange { get; init; } = 0.02;
    /// <summary><c>transformers_version</c> as read; null writes <see cref="DefaultTransformersVersion"/>.</summary>
    public string? TransformersVersion { get; init; }

    /// <summary>For object initializers.</summary>
    protected ModelConfig() { }

    /// <summary>Reads the common fields; <paramref name="maxPositionDefault"/> is the HF class default.</summary>
    [System.Diagnostics.CodeAnalysis.SetsRequiredMembers]
    private protected ModelConfig(ConfigJson j, int maxPositionDefault)
    {
        Architectures = j.StringList("architectures") ?? new ValueList<string>([DefaultArchitecture]);
        VocabSize = j.RequiredInt("vocab_size");
        HiddenSize = j.RequiredInt("hidden_size");
        IntermediateSize = j.RequiredInt("intermediate_size");
        NumHiddenLayers = j.RequiredInt("num_hidden_layers");
        NumAttentionHeads = j.RequiredInt("num_attention_heads");
        NumKeyValueHeads = j.Int("num_key_value_heads") ?? NumAttentionHeads;
        ExplicitHeadDim = j.Int("head_dim");
        MaxPositionEmbeddings = j.Int("max_position_embeddings") ?? maxPositionDefault;
        RmsNormEps = j.Double("rms_norm_eps") ?? 1e-6;
        RopeTheta = j.Double("rope_theta") ?? 10000.0;
        RopeScaling = j.Object("rope_scaling") is { } rs ? RopeScaling.Parse(rs) : null;
        TieWordEmbeddings = j.Bool("tie_word_embeddings") ?? false;
        BosTokenId = j.Int("bos_token_id");
        EosTokenIds = j.IntOrList("eos_token_id") ?? ValueList<int>.Empty;
        TorchDtype = j.String("torch_dtype");
        HiddenAct = j.String("hidden_act") ?? "silu";
        InitializerRange = j.Double("initializer_range") ?? 0.02;
        TransformersVersion = j.String("transformers_version");
    }

    /// <summary>Reads <c>config.json</c> from a model directory, parses and validates it.</summary>
    /// <exception cref="R1SharpException">The file is missing, malformed, unsupported or invalid.</exception>
    public static ModelConfig Load(string modelDirectory)
    {
        string path = Path.Combine(modelDirectory, "config.json");
        if (!File.Exists(path))
            throw new R1SharpException($"{path}: not found; a model directory needs config.json (check the path or download the model)");
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses config.json text, dispatching on <c>model_type</c>, then validates it. Errors name <paramref name="sourceName"/>.</summary>
    public static ModelConfig Parse(string json, string sourceName)
    {
        using var doc = ConfigJson.ParseDocument(json, sourceName);
        var j = new ConfigJson(doc.RootElement, sourceName);
        string type = j.String("model_type")
            ?? throw new R1SharpException($"{sourceName}: field 'model_type' is missing; set it to one of: {SupportedModelTypes}");
        ModelConfig config = type switch
        {
            "qwen2" => new Qwen2Config(j),
            "llama" => new LlamaConfig(j),
            "deepseek_v3" => new DeepSeekV3Config(j),
            _ => throw new R1SharpException($"{sourceName}: model_type '{type}' is not supported; supported: {SupportedModelTypes}"),
        };
        config.Validate(sourceName);
        return config;
    }

    /// <summary>Checks consistency; throws an <see cref="R1SharpException"/> whose message says what to change.</summary>
    public virtual void Validate(string sourceName = "config.json")
    {
        Positive(sourceName, "vocab_size", VocabSize);
        Positive(sourceName, "hidden_size", HiddenSize);
        Positive(sourceName, "intermediate_size", IntermediateSize);
        Positive(sourceName, "num_hidden_layers", NumHiddenLayers);
        Positive(sourceName, "num_attention_heads", NumAttentionHeads);
        Positive(sourceName, "num_key_value_heads", NumKeyValueHeads);
        Positive(sourceName, "max_position_embeddings", MaxPositionEmbeddings);
        if (ExplicitHeadDim is { } hd) Positive(sourceName, "head_dim", hd);
        if (NumAttentionHeads % NumKeyValueHeads != 0)
            throw Error(sourceName, $"num_attention_heads ({NumAttentionHeads}) must be divisible by num_key_value_heads ({NumKeyValueHeads}); set num_key_value_heads to a divisor of {NumAttentionHeads}");
        if (ExplicitHeadDim is null && HiddenSize % NumAttentionHeads != 0)
            throw Error(sourceName, $"hidden_size ({HiddenSize}) must be divisible by num_attention_heads ({NumAttentionHeads}) when head_dim is absent; change num_attention_heads or set head_dim");
        if (HeadDim % 2 != 0)
            throw Error(sourceName, $"head dimension ({HeadDim}) must be even for rotary embeddings; change hidden_size/num_attention_heads or head_dim");
        if (!(RmsNormEps > 0))
            throw Error(sourceName, $"rms_norm_eps must be > 0, got {ConfigJson.Format(RmsNormEps)}; HF models use 1e-6 or 1e-5");
        if (!(RopeTheta > 0))
            throw Error(sourceName, $"rope_theta must be > 0, got {ConfigJson.Format(RopeTheta)}; the usual value is 10000");
        if (HiddenAct != "silu")
            throw Error(sourceName, $"hidden_act '{HiddenAct}' is not supported; only silu (SwiGLU) is implemented");
        if (!(InitializerRange >= 0))
            throw Error(sourceName, $"initializer_range must be >= 0, got {ConfigJson.Format(InitializerRange)}");
        RopeScaling?.Validate(sourceName);
    }

    /// <summary>An HF-compatible config.json (sorted keys) that <see cref="Parse"/> reads back to an equal record.</summary>
    public string ToJson()
    {
        var o = new JsonObject
        {
            ["architectures"] = new JsonArray((Architectures.Count > 0 ? Architectures : new ValueList<string>([DefaultArchitecture])).Select(a => (JsonNode?)a).ToArray()),
            ["model_type"] = ModelType,
            ["vocab_size"] = VocabSize,
            ["hidden_size"] = HiddenSize,
            ["intermediate_size"] = IntermediateSize,
            ["num_hidden_layers"] = NumHiddenLayers,
            ["num_attention_heads"] = NumAttentionHeads,
            ["num_key_value_heads"] = NumKeyValueHeads,
            ["max_position_embeddings"] = MaxPositionEmbeddings,
            ["rms_norm_eps"] = ConfigJson.Float(RmsNormEps),
            ["rope_theta"] = ConfigJson.Float(RopeTheta),
            ["rope_scaling"] = RopeScaling?.ToJsonObject(),
            ["tie_word_embeddings"] = TieWordEmbeddings,
            ["hidden_act"] = HiddenAct,
            ["initializer_range"] = ConfigJson.Float(InitializerRange),
            ["use_cache"] = true,
            ["attention_dropout"] = ConfigJson.Float(0.0),
            ["transformers_version"] = TransformersVersion ?? DefaultTransformersVersion,
        };
        if (ExplicitHeadDim is { } hd) o["head_dim"] = hd;
        if (BosTokenId is { } bos) o["bos_token_id"] = bos;
        if (EosTokenIds.Count > 0) o["eos_token_id"] = ConfigJson.IdsNode(EosTokenIds);
        if (TorchDtype is { } dt) o["torch_dtype"] = dt;
        AddTypeFields(o);
        return ConfigJson.Write(o);
    }

    /// <summary>Adds the fields specific to <see cref="ModelType"/> to the JSON being written.</summary>
    private protected abstract void AddTypeFields(JsonObject o);

    private protected static R1SharpException Error(string source, string message) => new($"{source}: {message}");

    private static void Positive(string source, string field, int value)
    {
        if (value < 1) throw Error(source, $"{field} must be a positive integer, got {value}");
    }
}
