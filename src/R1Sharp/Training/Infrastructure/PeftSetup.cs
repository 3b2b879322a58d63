// LoRA/QLoRA training setup shared by the SFT and GRPO recipes, under TRL's ModelConfig keys (use_peft, lora_r,
// lora_alpha, lora_dropout, lora_target_modules, use_rslora, load_in_8bit, load_in_4bit): checks, base loading (fp32,
// bf16, or int8/int4 blocks) and adapter attachment.
using R1Sharp.Models;
using R1Sharp.Models.Lora;
using R1Sharp.Tensors.Kernels;
using static TorchSharp.torch;

namespace R1Sharp.Training.Infrastructure;

/// <summary>The PEFT keys of a recipe config (TRL ModelConfig names).</summary>
public interface IPeftKeys
{
    /// <summary>Train LoRA adapters on a frozen base instead of every weight (TRL use_peft).</summary>
    bool UsePeft { get; }
    /// <summary>LoRA rank (TRL lora_r).</summary>
    int LoraR { get; }
    /// <summary>LoRA α (TRL lora_alpha).</summary>
    double LoraAlpha { get; }
    /// <summary>Dropout on the adapters' input (TRL lora_dropout).</summary>
    double LoraDropout { get; }
    /// <summary>Module names or ["all-linear"]; null = q_proj, v_proj (TRL lora_target_modules).</summary>
    IReadOnlyList<string>? LoraTargetModules { get; }
    /// <summary>rsLoRA scaling α/√r (TRL use_rslora).</summary>
    bool UseRslora { get; }
    /// <summary>QLoRA on int8 blocks (TRL load_in_8bit).</summary>
    bool LoadIn8Bit { get; }
    /// <summary>QLoRA on int4 blocks (TRL load_in_4bit).</summary>
    bool LoadIn4Bit { get; }
    /// <summary>Adapt routed DeepSeekMoE experts too (R1Sharp's key; PEFT adapts them whenever their names match).</summary>
    bool LoraIncludeExperts { get; }
}

/// <summary>Checks the PEFT keys and loads the model to train with them.</summary>
public static class PeftSetup
{
    /// <summary>The adapter settings of <paramref name="keys"/>.</summary>
    public static LoraSettings Settings(IPeftKeys keys) =>
        new(keys.LoraR, keys.LoraAlpha, keys.LoraDropout, keys.LoraTargetModules, keys.UseRslora, keys.LoraIncludeExperts);

    /// <summary>One-line errors (prefixed with <paramref name="recipe"/>) for keys that do not go together; the
    /// <paramref name="dtype"/> key may be bfloat16 only for a frozen base.</summary>
    internal static void Check(IPeftKeys keys, string dtype, string recipe)
    {
        var check = new RecipeChecks(recipe);
        if (dtype is not ("float32" or "bfloat16"))
            check.Fail($"dtype '{dtype}' is not supported for training; use float32, or bfloat16 with use_peft");
        if (!keys.UsePeft)
        {
            if (keys.LoadIn8Bit || keys.LoadIn4Bit) check.Fail("load_in_8bit/load_in_4bit quantize a frozen base; set use_peft: true too");
            if (dtype != "float32") check.Fail($"dtype '{dtype}' trains only with use_peft (a frozen bf16 base); full fine-tuning runs in float32 (bf16 matmul is ~2x slower on CPUs without AMX)");
            return;
        }
        if (keys.LoadIn8Bit && keys.LoadIn4Bit) check.Fail("load_in_8bit and load_in_4bit are both set; pick one");
        try { Settings(keys).Validate(); }
        catch (R1SharpException e) { check.Fail(e.Message); }
    }

    /// <summary>How the base is loaded: fp32 or bf16 (<paramref name="dtype"/>), or int8/int4 blocks with load_in_*bit.</summary>
    public static ModelLoadOptions LoadOptions(IPeftKeys keys, string dtype) => new()
    {
        DType = dtype == "bfloat16" ? ScalarType.BFloat16 : ScalarType.Float32,
        Quantization = !keys.UsePeft ? null : keys.LoadIn4Bit ? QuantFormat.Int4 : keys.LoadIn8Bit ? QuantFormat.Int8 : null,
    };

    /// <summary>
    /// The model to train from <paramref name="directory"/>: as stored without use_peft; else the base in the chosen
    /// precision, frozen, with fresh adapters (A drawn from <paramref name="seed"/>); torch's generator (lora_dropout) is
    /// seeded with it too.
    /// </summary>
    public static DecoderModel Load(string directory, IPeftKeys keys, string dtype, long seed)
    {
        if (!keys.UsePeft) return DecoderModel.Load(directory);
        var model = DecoderModel.Load(directory, LoadOptions(keys, dtype));
        try
        {
            LoraAttach.Attach(model, Settings(keys), seed);
            random.manual_seed(seed);   // lora_dropout draws from torch's generator: seeded, so runs repeat (and resume restores it)
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>A line for the run's log: trainable and total parameters, as PEFT's print_trainable_parameters.</summary>
    public static string Describe(DecoderModel model) => model.Adapters is not { } a ? "" :
        $"LoRA r={a.Settings.R} alpha={a.Settings.Alpha} on {a.Modules.Count()} projections: trainable params {a.ParameterCount:N0} || all params {model.parameters().Sum(p => p.numel()) + a.ParameterCount:N0}"
        + (model.Quantization is { } q ? $" (base {DecoderModel.Names(q)})" : $" (base {model.DType})");
}
