// The names of weight precisions a user chooses (`--dtype`, issue #11): f32 and bf16 set the parameter dtype; int8 and
// int4 load the checkpoint in its own precision and quantize every projection to blocks of 32 (ModelLoadOptions).
using R1Sharp.Tensors.Kernels;
using static TorchSharp.torch;

namespace R1Sharp.Models;

/// <summary>Weight dtype names ↔ <see cref="ModelLoadOptions"/>.</summary>
public static class WeightDTypes
{
    /// <summary>The names accepted, for help texts.</summary>
    public const string Names = "f32|bf16|int8|int4";

    /// <summary>
    /// Load options for a name: <c>f32</c> → Float32, <c>bf16</c> → BFloat16, <c>int8</c>/<c>int4</c> → quantized.
    /// Example: <c>LoadOptions("int8").Quantization</c> is <see cref="QuantFormat.Int8"/>; null means f32.
    /// </summary>
    /// <param name="name">The name given, or null for the default.</param>
    /// <param name="source">What gave it, for the message (an option or field name).</param>
    /// <exception cref="R1SharpException">An unknown name.</exception>
    public static ModelLoadOptions LoadOptions(string? name, string source = "--dtype") => name switch
    {
        null or "f32" => new() { DType = ScalarType.Float32 },
        "bf16" => new() { DType = ScalarType.BFloat16 },
        "int8" => new() { Quantization = QuantFormat.Int8 },
        "int4" => new() { Quantization = QuantFormat.Int4 },
        _ => throw new R1SharpException($"{source}: unknown weight dtype '{name}'; use {Names}"),
    };
}
