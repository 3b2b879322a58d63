// GrpoConfig's LoRA/QLoRA keys (TRL ModelConfig: use_peft, lora_r, lora_alpha, lora_dropout, lora_target_modules,
// use_rslora, load_in_8bit, load_in_4bit) and gradient_checkpointing and dtype ("bfloat16" only with use_peft: a frozen bf16 base).
using System.Text.Json.Serialization;
using R1Sharp.Training.Infrastructure;

namespace R1Sharp.Training.Grpo;

public sealed partial record GrpoConfig : IPeftKeys
{
    /// <summary>Train LoRA adapters on the frozen base (TRL use_peft, false); checkpoints and output_dir then hold a PEFT
    /// adapter (adapter_config.json + adapter_model.safetensors) instead of the model.</summary>
    [JsonPropertyName("use_peft")] public bool UsePeft { get; init; }
    /// <summary>LoRA rank r (TRL lora_r, 16).</summary>
    [JsonPropertyName("lora_r")] public int LoraR { get; init; } = 16;
    /// <summary>LoRA α (TRL lora_alpha, 32); the update is scaled by α/r.</summary>
    [JsonPropertyName("lora_alpha")] public double LoraAlpha { get; init; } = 32;
    /// <summary>Dropout on the adapters' input (TRL lora_dropout, 0.05).</summary>
    [JsonPropertyName("lora_dropout")] public double LoraDropout { get; init; } = 0.05;
    /// <summary>Projections to adapt (TRL lora_target_modules): names such as ["q_proj", "v_proj"] or ["all-linear"]; null = q_proj, v_proj.</summary>
    [JsonPropertyName("lora_target_modules")] public IReadOnlyList<string>? LoraTargetModules { get; init; }
    /// <summary>rsLoRA scaling α/√r (TRL use_rslora, false).</summary>
    [JsonPropertyName("use_rslora")] public bool UseRslora { get; init; }
    /// <summary>QLoRA: the frozen base as int8 blocks (TRL load_in_8bit; qwen2/llama).</summary>
    [JsonPropertyName("load_in_8bit")] public bool LoadIn8Bit { get; init; }
    /// <summary>QLoRA: the frozen base as int4 blocks (TRL load_in_4bit; qwen2/llama).</summary>
    [JsonPropertyName("load_in_4bit")] public bool LoadIn4Bit { get; init; }
    /// <summary>Also adapt routed DeepSeekMoE experts whose names match (false).</summary>
    [JsonPropertyName("lora_include_experts")] public bool LoraIncludeExperts { get; init; }
    /// <summary>Recompute each qwen2/llama layer in backward instead of keeping its activations (TrainingArguments
    /// gradient_checkpointing, false): less memory, about one more forward of compute.</summary>
    [JsonPropertyName("gradient_checkpointing")] public bool GradientCheckpointing { get; init; }
    /// <summary>Parameter dtype of the policy (TRL ModelConfig dtype): float32 (default), or bfloat16 with use_peft.</summary>
    [JsonPropertyName("dtype")] public string DType { get; init; } = "float32";
}
