// Each rule of ScalarLifetimeAnalyzer: the forms it flags (with the safe form its message names) and the forms it allows.
using Microsoft.CodeAnalysis;

namespace R1Sharp.Analyzers.Tests;

public class ScalarLifetimeAnalyzerTests
{
    private static Diagnostic Single(string body, string id, string members = "")
    {
        var found = AnalyzerHarness.InMethod(body, members);
        Assert.True(found.Length == 1, $"expected one {id} for `{body}`, got: {string.Join(" | ", found)}");
        Assert.Equal(id, found[0].Id);
        return found[0];
    }

    private static void Clean(string body, string members = "")
    {
        var found = AnalyzerHarness.InMethod(body, members);
        Assert.True(found.IsEmpty, $"expected no diagnostic for `{body}`, got: {string.Join(" | ", found)}");
    }

    // R1S001: temporary Scalars ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData("var c = t.mul(2.0);", "a.Times(value)")]
    [InlineData("var c = t.div(v);", "a.DividedBy(value)")]
    [InlineData("var c = t.masked_fill(m, 0.0);", "a.MaskedFill(mask, value)")]
    [InlineData("var c = t.clamp_min(0.0);", "a.ClampMin(value)")]
    [InlineData("var c = t.gt(0);", "a.Gt(value)")]
    [InlineData("t.fill_(1.5);", "a.FillInPlace(value)")]
    [InlineData("var c = t.pow(2);", "a.Pow(value)")]
    public void Flags_a_number_converted_to_Scalar_and_names_the_SafeOps_method(string body, string safeForm)
    {
        var d = Single(body, "R1S001");
        Assert.Contains(safeForm, d.GetMessage());
        Assert.Contains("R1Sharp.Tensors", d.GetMessage());
    }

    [Theory]
    [InlineData("var c = t.mul(2.0.ToScalar());")]                  // explicit, still a temporary
    [InlineData("var s = v.ToScalar(); var c = t.mul(s);")]          // a plain local: dead once its handle is read
    [InlineData("Scalar s = v; var c = t.mul(s);")]
    [InlineData("var c = t.mul(Make(v));", "static Scalar Make(double x) => x.ToScalar();")] // a factory's result used as a temporary
    public void Flags_a_Scalar_not_kept_alive_across_the_call(string body, string members = "") => Single(body, "R1S001", members);

    [Theory]
    [InlineData("using var s = v.ToScalar(); var c = t.mul(s);")]
    [InlineData("using (var s = v.ToScalar()) { var c = t.mul(s); }")]
    [InlineData("var c = t.mul(Two);", "static readonly Scalar Two = 2.0;")]
    [InlineData("var c = t.mul(_scale);", "private readonly Scalar _scale; C(double x) { _scale = x.ToScalar(); }")]
    [InlineData("var c = t.mul(Half);", "static Scalar Half { get; } = 0.5;")]
    [InlineData("var c = t.mul(Table[0]);", "static readonly Scalar[] Table = [1.0, 2.0];")]
    [InlineData("var c = 0;", "static Scalar Make(double x) => x.ToScalar();")] // a factory itself is fine
    [InlineData("var c = t.mul(b); var d = a.matmul(b); var e = t.softmax(-1); var f = t.sum(1, keepdim: true);")]
    public void Allows_Scalars_kept_alive_and_ops_without_Scalars(string body, string members = "") => Clean(body, members);

    // R1S002: TorchSharp members that make Scalars inside -------------------------------------------------------------

    [Theory]
    [InlineData("var c = a + b;", "a.Plus(b)")]                       // op_Addition passes alpha = 1 as a temporary
    [InlineData("var c = a.add(b);", "a.Plus(b)")]
    [InlineData("a.add_(b);", "a.PlusInPlace(b)")]
    [InlineData("a += b;", "a.Plus(b)")]
    [InlineData("var c = t * 2.0;", "t.Times(value)")]
    [InlineData("var c = 2.0 * t;", "t.Times(value)")]
    [InlineData("var c = t / 3;", "t.DividedBy(value)")]
    [InlineData("var c = t - 1;", "t.Minus(value)")]
    [InlineData("var c = 1 - t;", "t.SubtractedFrom(value)")]
    [InlineData("var c = t + v;", "t.Plus(value)")]
    [InlineData("var c = t.square();", "t.Square()")]
    [InlineData("double x = t.ToDouble();", "t.ItemAsDouble()")]
    public void Flags_TorchSharp_members_that_make_temporaries_and_names_the_safe_form(string body, string safeForm)
    {
        var d = Single(body, "R1S002");
        Assert.Contains(safeForm, d.GetMessage());
    }

    [Fact]
    public void Flags_arange_twice_its_bound_and_its_step_are_both_temporaries()
    {
        var found = AnalyzerHarness.InMethod("var c = torch.arange(10);");
        Assert.Equal(["R1S001", "R1S002"], found.Select(d => d.Id).Order().ToArray());
        Assert.All(found, d => Assert.Contains("Scalars.Range", d.GetMessage()));
    }

    [Fact]
    public void Flags_TorchSharp_optimizer_step_and_clip_grad_norm()
    {
        const string members = "static void Train(IEnumerable<Parameter> ps) { var o = torch.optim.AdamW(ps, 1e-3); o.step(); torch.nn.utils.clip_grad_norm_(ps, 1.0); }";
        var found = AnalyzerHarness.Analyze($$"""
            using System.Collections.Generic;
            using TorchSharp;
            using TorchSharp.Modules;
            using static TorchSharp.torch;
            class C { {{members}} }
            """);
        Assert.Equal(["R1S002", "R1S002"], found.Select(d => d.Id).ToArray());
        Assert.Contains(found, d => d.GetMessage().Contains("TrainingOptimizer.Step", StringComparison.Ordinal));
        Assert.Contains(found, d => d.GetMessage().Contains("GradientClipping", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("var c = a - b;")]                 // sub(Tensor) passes no alpha (TorchSharp's IL makes no Scalar)
    [InlineData("var c = a * b; var d = a / b;")]
    [InlineData("var c = a.add(b, One);", "static readonly Scalar One = 1.0;")]
    [InlineData("float x = t.item<float>();")]
    [InlineData("var c = -t;")]
    public void Allows_TorchSharp_members_that_make_no_temporaries(string body, string members = "") => Clean(body, members);

    [Fact]
    public void Is_silent_without_TorchSharp()
    {
        var found = AnalyzerHarness.Analyze("class Scalar { } class C { int M(int a, int b) => a + b; }", withTorchSharp: false);
        Assert.Empty(found);
    }

    [Fact]
    public void Generated_member_list_matches_the_referenced_TorchSharp_version()
    {
        var version = typeof(TorchSharp.torch).Assembly.GetName().Version!;
        string file = Path.Combine(RepoRoot(), "src", "R1Sharp.Analyzers", "TorchSharpScalarMembers.g.cs");
        string header = File.ReadLines(file).First();
        Assert.True(header.Contains($"TorchSharp {version}", StringComparison.Ordinal),
            $"{file} was generated from another TorchSharp than {version}: rerun tools/scalar-scan (see its Program.cs)");
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "R1Sharp.slnx"))) return dir.FullName;
        throw new InvalidOperationException("R1Sharp.slnx not found above " + AppContext.BaseDirectory);
    }
}
