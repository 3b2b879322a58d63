// Compiles a C# snippet against the BCL and TorchSharp and returns the diagnostics of ScalarLifetimeAnalyzer.
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace R1Sharp.Analyzers.Tests;

internal static class AnalyzerHarness
{
    private static readonly Lazy<MetadataReference[]> References = new(() =>
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Append(typeof(TorchSharp.torch).Assembly.Location)
            .Distinct();
        return paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToArray();
    });

    /// <summary>The analyzer's diagnostics for <paramref name="body"/> placed in a method with tensors <c>a</c>,
    /// <c>b</c>, <c>t</c>, <c>m</c> (a bool mask) in scope; compile errors fail the test.</summary>
    public static ImmutableArray<Diagnostic> InMethod(string body, string members = "") => Analyze($$"""
        using System;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;
        class C
        {
            {{members}}
            void M(Tensor a, Tensor b, Tensor t, Tensor m, double v)
            {
                {{body}}
            }
        }
        """);

    /// <summary>The analyzer's diagnostics for a whole compilation unit.</summary>
    public static ImmutableArray<Diagnostic> Analyze(string source, bool withTorchSharp = true)
    {
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest));
        var references = withTorchSharp ? References.Value : References.Value.Where(r => !r.Display!.EndsWith("TorchSharp.dll", StringComparison.Ordinal));
        var compilation = CSharpCompilation.Create("Snippet", [tree], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.True(errors.Length == 0, "snippet does not compile: " + string.Join("; ", errors.Select(e => e.ToString())));
        return compilation.WithAnalyzers([new ScalarLifetimeAnalyzer()]).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
    }
}
