// TorchSharp Scalar lifetimes, checked at build time. TorchSharp 0.107 passes a Scalar's native handle to libtorch and
// does not keep the managed object alive during the call; Scalar has a finalizer, so a GC started by another thread
// can free a temporary one mid-call ("Expected false to be true ... Scalar.h toFloat"). Safe: a Scalar held in a field
// or a `using` local (disposed, so alive, after the call). See src/R1Sharp/Tensors/SafeOps.cs.
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace R1Sharp.Analyzers;

/// <summary>
/// R1S001: a Scalar made as a temporary (a number converted to Scalar, <c>ToScalar()</c>, any call returning a new
/// Scalar) that is not stored in a <c>using</c> local, a field, or returned from a Scalar factory.
/// R1S002: a call of a TorchSharp member that makes such a temporary inside (operators such as <c>Tensor + Tensor</c>
/// and <c>t * 2.0</c>, <c>add(Tensor)</c>, optimizers' <c>step</c>, ...: the list tools/scalar-scan reads from
/// TorchSharp's IL), or of <c>clip_grad_norm_</c>.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ScalarLifetimeAnalyzer : DiagnosticAnalyzer
{
    /// <summary>R1S001.</summary>
    public static readonly DiagnosticDescriptor TemporaryScalar = new(
        "R1S001",
        "Temporary TorchSharp Scalar",
        "{0} makes a temporary TorchSharp.Scalar that a GC on another thread can free during the native call; use {1}",
        "Reliability", DiagnosticSeverity.Error, isEnabledByDefault: true,
        description: "Keep every Scalar alive across its native call: SafeOps (R1Sharp.Tensors), a static Scalar (Scalars.One) or `using var s = value.ToScalar();`.");

    /// <summary>R1S002.</summary>
    public static readonly DiagnosticDescriptor ScalarMakingMember = new(
        "R1S002",
        "TorchSharp member makes a temporary Scalar",
        "TorchSharp's {0} makes a temporary Scalar inside that a GC on another thread can free mid-call; use {1}",
        "Reliability", DiagnosticSeverity.Error, isEnabledByDefault: true,
        description: "Members listed by tools/scalar-scan from TorchSharp's IL, plus optimizers and clip_grad_norm_ (use TrainingOptimizer, GradientClipping).");

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(TemporaryScalar, ScalarMakingMember);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var scalar = start.Compilation.GetTypeByMetadataName("TorchSharp.Scalar");
            if (scalar is null) return; // no TorchSharp here
            start.RegisterOperationAction(c => CheckFresh(c, scalar),
                OperationKind.Conversion, OperationKind.Invocation, OperationKind.ObjectCreation);
            start.RegisterOperationAction(c => CheckMember(c, scalar),
                OperationKind.Invocation, OperationKind.ObjectCreation, OperationKind.Binary, OperationKind.Unary,
                OperationKind.CompoundAssignment, OperationKind.Conversion, OperationKind.PropertyReference);
        });
    }

    // R1S001 ------------------------------------------------------------------------------------------------------

    private static void CheckFresh(OperationAnalysisContext c, INamedTypeSymbol scalar)
    {
        var op = c.Operation;
        if (!SymbolEqualityComparer.Default.Equals(op.Type, scalar)) return;
        string what;
        switch (op)
        {
            case IConversionOperation conversion:
                if (conversion.Operand.Type is null || SymbolEqualityComparer.Default.Equals(conversion.Operand.Type, scalar)) return;
                if (conversion.Operand.Type.TypeKind == TypeKind.Error) return;
                what = conversion.IsImplicit ? $"'{Text(conversion.Operand)}' (implicitly converted to Scalar)" : $"'{Text(op)}'";
                break;
            case IInvocationOperation:
            case IObjectCreationOperation:
                what = $"'{Text(op)}'";
                break;
            default:
                return;
        }
        if (KeptAlive(op)) return;
        c.ReportDiagnostic(Diagnostic.Create(TemporaryScalar, op.Syntax.GetLocation(), what, SafeForm.ForArgument(op)));
    }

    /// <summary>True when the fresh Scalar ends in a <c>using</c> local, a field or auto-property, or is returned by a
    /// method whose return type is Scalar (a factory: its callers are checked in turn).</summary>
    private static bool KeptAlive(IOperation fresh)
    {
        var op = fresh;
        var parent = op.Parent;
        while (parent is IConversionOperation or IConditionalOperation or ICoalesceOperation or IArrayInitializerOperation
               or IArrayCreationOperation or ICollectionExpressionOperation)
        {
            op = parent;
            parent = op.Parent;
        }
        switch (parent)
        {
            case IFieldInitializerOperation or IPropertyInitializerOperation:
                return true;
            case ISimpleAssignmentOperation assignment when ReferenceEquals(assignment.Value, op):
                return assignment.Target is IFieldReferenceOperation or IPropertyReferenceOperation;
            case IReturnOperation:
                return IsScalarFactory(parent);
            case IVariableInitializerOperation initializer:
                for (IOperation? up = initializer.Parent; up is not null; up = up.Parent)
                {
                    if (up is IUsingDeclarationOperation or IUsingOperation) return true;
                    if (up is not (IVariableDeclaratorOperation or IVariableDeclarationOperation or IVariableDeclarationGroupOperation)) return false;
                }
                return false;
            default:
                return false;
        }
    }

    private static bool IsScalarFactory(IOperation returnOperation)
    {
        var semantic = returnOperation.SemanticModel;
        var symbol = semantic?.GetEnclosingSymbol(returnOperation.Syntax.SpanStart);
        return symbol is IMethodSymbol { ReturnType.Name: "Scalar" } m && m.ReturnType.ContainingNamespace?.Name == "TorchSharp";
    }

    // R1S002 ------------------------------------------------------------------------------------------------------

    private static void CheckMember(OperationAnalysisContext c, INamedTypeSymbol scalar)
    {
        IMethodSymbol? method = c.Operation switch
        {
            IInvocationOperation i => i.TargetMethod,
            IObjectCreationOperation o => o.Constructor,
            IBinaryOperation b => b.OperatorMethod,
            IUnaryOperation u => u.OperatorMethod,
            ICompoundAssignmentOperation a => a.OperatorMethod,
            IConversionOperation v => v.OperatorMethod,
            IPropertyReferenceOperation p => p.Property.GetMethod,
            _ => null,
        };
        if (method is null) return;
        method = method.ReducedFrom ?? method;
        if (SymbolEqualityComparer.Default.Equals(method.ReturnType, scalar)) return; // a factory: R1S001 checks its use
        if (!TorchSharpScalarMembers.Contains(method)) return;
        c.ReportDiagnostic(Diagnostic.Create(ScalarMakingMember, c.Operation.Syntax.GetLocation(),
            $"'{Text(c.Operation)}' ({Describe(method)})", SafeForm.ForMember(method)));
    }

    private static string Describe(IMethodSymbol m) =>
        m.ContainingType.Name + "." + m.Name + "(" + string.Join(", ", m.Parameters.Select(p => p.Type.Name)) + ")";

    private static string Text(IOperation op)
    {
        string s = string.Join(" ", op.Syntax.ToString().Split(new[] { '\r', '\n' }, System.StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()));
        return s.Length <= 60 ? s : s.Substring(0, 57) + "...";
    }
}
