// Lookup of the generated list (TorchSharpScalarMembers.g.cs) by Roslyn symbol, in tools/scalar-scan's row format:
// "declaring type (metadata name, nested types after '+') | member | parameter types".
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace R1Sharp.Analyzers;

internal static partial class TorchSharpScalarMembers
{
    /// <summary>Forbidden by policy although the IL scan does not list them: TorchSharp's clipping (the project's
    /// GradientClipping is the one implementation, and it is tested under GC stress).</summary>
    private static readonly string[] Extra =
    [
        "TorchSharp.torch+nn+utils|clip_grad_norm_|*",
        "TorchSharp.torch+nn+utils|clip_grad_value_|*",
    ];

    // Built on first use: Rows lives in the generated partial, whose static initializers may run after this file's.
    private static HashSet<string>? _set, _anySignature;
    private static HashSet<string> Set => _set ??= new(Rows, System.StringComparer.Ordinal);
    private static HashSet<string> AnySignature => _anySignature ??= new(
        Extra.Select(r => r.Substring(0, r.LastIndexOf('|'))), System.StringComparer.Ordinal);

    public static bool Contains(IMethodSymbol method)
    {
        var definition = method.OriginalDefinition;
        string type = TypeKey(definition.ContainingType);
        if (!type.StartsWith("TorchSharp", System.StringComparison.Ordinal)) return false;
        string member = type + "|" + definition.MetadataName;
        if (AnySignature.Contains(member)) return true;
        return Set.Contains(member + "|" + string.Join(",", definition.Parameters.Select(ParameterKey)));
    }

    private static string ParameterKey(IParameterSymbol p) => TypeKey(p.Type) + (p.RefKind == RefKind.None ? "" : "&");

    /// <summary>"System.Int64[]", "TorchSharp.torch+Tensor", "System.Nullable`1&lt;System.Double&gt;", "!!0".</summary>
    internal static string TypeKey(ITypeSymbol type)
    {
        switch (type)
        {
            case IArrayTypeSymbol array:
                return TypeKey(array.ElementType) + "[" + new string(',', array.Rank - 1) + "]";
            case IPointerTypeSymbol pointer:
                return TypeKey(pointer.PointedAtType) + "*";
            case ITypeParameterSymbol parameter:
                return (parameter.TypeParameterKind == TypeParameterKind.Method ? "!!" : "!") + parameter.Ordinal;
            case INamedTypeSymbol named:
                string name = named.ContainingType is { } outer
                    ? TypeKey(outer.OriginalDefinition) + "+" + named.MetadataName
                    : Namespace(named.ContainingNamespace) + named.MetadataName;
                if (!named.IsGenericType || named.IsUnboundGenericType || SymbolEqualityComparer.Default.Equals(named, named.OriginalDefinition))
                    return name;
                return name + "<" + string.Join(",", named.TypeArguments.Select(TypeKey)) + ">";
            default:
                return type.ToDisplayString();
        }
    }

    private static string Namespace(INamespaceSymbol? ns) =>
        ns is null || ns.IsGlobalNamespace ? "" : ns.ToDisplayString() + ".";
}
