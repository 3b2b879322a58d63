// `--init NAME=STD` of r1 pretrain and the v3 probe: redraw the weights whose names contain NAME from N(0, STD) after
// the usual initialisation (RMSNorm weights are filled with STD). The bilingual base needs q_proj and k_proj at unit
// gain (1/√hidden) to leave its copy-step plateau, as the deepseek_v3 base needed it for MLA's down-projections.
using System.Globalization;
using TorchSharp;
using R1Sharp.Tensors;
using static TorchSharp.torch;

namespace R1Sharp.Models;

/// <summary>One override of the initial weights: every parameter whose HF name contains <see cref="Match"/> drawn at <see cref="Std"/>.</summary>
public sealed record ParameterInit(string Match, double Std)
{
    /// <summary>Parses "q_proj=0.125"; a one-line <see cref="R1SharpException"/> naming <paramref name="option"/> otherwise.</summary>
    public static ParameterInit Parse(string text, string option = "--init")
    {
        ArgumentNullException.ThrowIfNull(text);
        int eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0 || !double.TryParse(text.AsSpan(eq + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out double std))
            throw new R1SharpException($"{option} '{text}': expected NAME=STD, e.g. q_proj=0.125");
        if (!(std > 0) || double.IsInfinity(std)) throw new R1SharpException($"{option} '{text}': STD must be a positive number");
        return new ParameterInit(text[..eq], std);
    }

    /// <summary>
    /// Redraws the parameters each override names, in order, from one generator seeded by <paramref name="seed"/> (so the
    /// result is a function of the seed and the list). An override that names no parameter is an error naming it.
    /// </summary>
    public static void Apply(DecoderModel model, IReadOnlyList<ParameterInit> inits, long seed, string option = "--init")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inits);
        if (inits.Count == 0) return;
        var parameters = model.CheckpointParameters().ToList();
        foreach (var init in inits)
            if (!parameters.Any(p => p.Name.Contains(init.Match, StringComparison.Ordinal)))
                throw new R1SharpException($"{option} {init.Match}={init.Std.ToString(CultureInfo.InvariantCulture)}: no parameter name contains '{init.Match}' (e.g. q_proj, k_proj, mlp.down_proj)");
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)seed + 99);
        foreach (var init in inits)
            foreach (var (name, p) in parameters.Where(p => p.Name.Contains(init.Match, StringComparison.Ordinal)))
            {
                if (name.EndsWith("norm.weight", StringComparison.Ordinal)) p.FillInPlace(init.Std);
                else p.normal_(0.0, init.Std, generator);
            }
    }

    /// <summary>The overrides as command-line flags, each " --init NAME=STD" (empty for none), for the command a model README quotes.</summary>
    public static string Flags(IEnumerable<ParameterInit> inits) => string.Concat(inits.Select(i => $" --init {i}"));

    /// <inheritdoc/>
    public override string ToString() => $"{Match}={Std.ToString(CultureInfo.InvariantCulture)}";
}
