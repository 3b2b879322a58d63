// The safe form each diagnostic names: R1Sharp.Tensors.SafeOps methods and long-lived Scalars (src/R1Sharp/Tensors).
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace R1Sharp.Analyzers;

internal static class SafeForm
{
    private const string Fallback = "a SafeOps method (R1Sharp.Tensors) or a Scalar kept alive across the call: a static field (Scalars.One) or `using var s = value.ToScalar();`";

    /// <summary>For a temporary Scalar passed as an argument: the SafeOps method that replaces the call.</summary>
    public static string ForArgument(IOperation fresh)
    {
        var up = fresh.Parent;
        while (up is IConversionOperation) up = up.Parent;
        if (up is IArgumentOperation { Parent: IInvocationOperation call })
        {
            string? safe = call.TargetMethod.Name switch
            {
                "add" => "a.Plus(value)", "add_" => "a.PlusInPlace(value)", "sub" => "a.Minus(value)",
                "mul" => "a.Times(value)", "mul_" => "a.TimesInPlace(value)", "div" => "a.DividedBy(value)", "div_" => "a.DividedByInPlace(value)",
                "pow" => "a.Pow(value)", "clamp" or "clip" => "a.Clamp(min, max)", "clamp_min" => "a.ClampMin(value)", "clamp_max" => "a.ClampMax(value)",
                "masked_fill" => "a.MaskedFill(mask, value)", "masked_fill_" => "a.MaskedFillInPlace(mask, value)", "fill_" => "a.FillInPlace(value)",
                "gt" => "a.Gt(value)", "ge" => "a.Ge(value)", "lt" => "a.Lt(value)", "le" => "a.Le(value)", "eq" => "a.Eq(value)", "ne" => "a.Ne(value)",
                "full" => "SafeOps.Full(shape, value, dtype, device)", "arange" => "Scalars.Range(start, count, device)",
                _ => null,
            };
            if (safe is not null) return safe + " (R1Sharp.Tensors), or " + Fallback.Substring(Fallback.IndexOf("a Scalar kept", System.StringComparison.Ordinal));
        }
        return Fallback;
    }

    /// <summary>For a TorchSharp member that makes Scalars inside.</summary>
    public static string ForMember(IMethodSymbol method)
    {
        bool numberRight = method.Parameters.Length == 2 && method.Parameters[1].Type.SpecialType != SpecialType.None;
        bool numberLeft = method.Parameters.Length == 2 && method.Parameters[0].Type.SpecialType != SpecialType.None;
        string? safe = method.Name switch
        {
            "op_Addition" when numberLeft || numberRight => "t.Plus(value) (R1Sharp.Tensors.SafeOps)",
            "op_Addition" or "add" => "a.Plus(b) (or a.Plus(value) for a number) (R1Sharp.Tensors.SafeOps)",
            "add_" => "a.PlusInPlace(b) (R1Sharp.Tensors.SafeOps)",
            "op_Subtraction" when numberLeft => "t.SubtractedFrom(value) (R1Sharp.Tensors.SafeOps)",
            "op_Subtraction" => "t.Minus(value) (R1Sharp.Tensors.SafeOps)",
            "op_Multiply" => "t.Times(value) (R1Sharp.Tensors.SafeOps)",
            "op_Division" when numberLeft => "t.reciprocal().Times(value) (R1Sharp.Tensors.SafeOps)",
            "op_Division" => "t.DividedBy(value) (R1Sharp.Tensors.SafeOps)",
            "square" => "t.Square() (R1Sharp.Tensors.SafeOps)",
            "arange" => "Scalars.Range(start, count, device)",
            "ToSingle" or "ToDouble" or "ToInt64" or "ToInt32" or "ToInt16" or "ToByte" or "ToSByte" or "ToBoolean" or "ToHalf" or "ToBFloat16"
                => "t.ItemAsDouble() (R1Sharp.Tensors.SafeOps) or t.item<T>()",
            "step" => "TrainingOptimizer.Step (R1Sharp.Training.Infrastructure)",
            "clip_grad_norm_" or "clip_grad_value_" => "GradientClipping (R1Sharp.Training.Infrastructure)",
            _ => null,
        };
        return safe ?? Fallback;
    }
}
