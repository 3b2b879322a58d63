// config.json of model_type "llama" (R1-Distill-Llama-8B/70B; transformers models/llama/configuration_llama.py):
// attention_bias covers q/k/v/o, mlp_bias the MLP; Llama-3.1 uses llama3 rope_scaling.
using System.Text.Json.Nodes;

namespace R1Sharp.Formats.Config;

/// <summary>Llama hyper-parameters (R1-Distill-Llama-8B/70B, Llama-3.x).</summary>
public sealed record LlamaConfig : ModelConfig
{
    /// <inheritdoc/>
    public override string ModelType => "llama";
    /// <inheritdoc/>
    public override string DefaultArchitecture => "LlamaForCausalLM";

    /// <summary>For object initializers.</summary>
    public LlamaConfig() { }

    [System.Diagnostics.CodeAnalysis.SetsRequiredMembers]
    internal LlamaConfig(ConfigJson j) : base(j, maxPositionDefault: 2048)
    {
        AttentionBias = j.Bool("attention_bias") ?? false;
        MlpBias = j.Bool("mlp_bias") ?? false;
    }

    private protected override void AddTypeFields(JsonObject o)
    {
        o["attention_bias"] = AttentionBias;
        o["mlp_bias"] = MlpBias;
    }
}
