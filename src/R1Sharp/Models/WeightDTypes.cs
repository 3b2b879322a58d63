// The names of weight precisions a user chooses (`--dtype`, issue #11): f32 and bf16 load today; int8 and int4 are
// known names refused with "not implemented yet", so they are never mistaken for a typo nor silently ignored.
using static TorchSharp.torch;

namespace R1Sharp.Models;

/// <summary>Weight dtype names ↔ <see cref="ModelLoadOptions.DType"/>.</summary>
public static class WeightDTypes
{
    /// <summary>The names accepted today, for help texts: <c>f32|bf16</c>.</summary>
    public const string Names = "f32|bf16";

    /// <summary>
    /// The parameter dtype of a name: <c>f32</c> → Float32, <c>bf16</c> → BFloat16.
    /// Example: <c>Parse("bf16")</c> is <see cref="ScalarType.BFloat16"/>; <c>Parse("int8")</c> throws "not implemented yet".
    /// </summary>
    /// <param name="name">The name given.</param>
    /// <param name="source">What gave it, for the message (an option or field name).</param>
    /// <exception cref="R1SharpException">int8/int4 (not implemented yet) or an unknown name.</exception>
    public static ScalarType Parse(string name, string source = "--dtype") => name switch
    {
        "f32" => ScalarType.Float32,
        "bf16" => ScalarType.BFloat16,
        "int8" or "int4" => throw new R1SharpException($"{source} {name}: {name} weights are not implemented yet; use f32 or bf16"),
        _ => throw new R1SharpException($"{source}: unknown weight dtype '{name}'; use f32 or bf16"),
    };

    /// <summary>Load options with the dtype <paramref name="name"/> names (null = f32, the default).</summary>
    public static ModelLoadOptions LoadOptions(string? name, string source = "--dtype") =>
        new() { DType = name is null ? ScalarType.Float32 : Parse(name, source) };
}
