// Auxiliary-loss-free load balancing over every DeepSeekMoE layer of a model (DeepSeek-V3 report §2.1.2; Wang et al.
// 2024, "Auxiliary-Loss-Free Load Balancing Strategy for Mixture-of-Experts"): the one hook both trainers call around
// an optimizer step, and the per-expert load statistics they log (MaxVio as defined in that paper).
using R1Sharp.Tensors;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Models.DeepSeekV3;

/// <summary>
/// Expert-load statistics of one optimizer step, over the routed (token, expert) assignments of its micro-batches.
/// </summary>
/// <param name="MaxFraction">Largest share of a layer's assignments taken by one expert (max over layers); 1/E is perfect balance.</param>
/// <param name="MinFraction">Smallest share of a layer's assignments taken by one expert (min over layers); 0 = an idle expert.</param>
/// <param name="MaxViolation">MaxVio = max_e load_e / mean_e load_e − 1, averaged over the MoE layers (0 = perfect balance).</param>
/// <param name="ExpertFractions">Per expert, its share of the assignments averaged over the MoE layers (sums to 1).</param>
/// <param name="BiasAbsMax">Largest |e_score_correction_bias| after the update (how far balancing has moved the router).</param>
/// <param name="Assignments">Routed (token, expert) assignments counted, summed over the layers.</param>
public sealed record MoeLoadStats(double MaxFraction, double MinFraction, double MaxViolation, double[] ExpertFractions,
    double BiasAbsMax, long Assignments)
{
    /// <summary>Experts beyond this count get no per-expert metric key (a 256-expert model would swamp metrics.jsonl).</summary>
    public const int MaxLoggedExperts = 64;

    /// <summary>
    /// The metrics.jsonl keys: moe/load_max_frac, moe/load_min_frac, moe/max_vio, moe/bias_abs_max and, for up to
    /// <see cref="MaxLoggedExperts"/> experts, moe/expert_{e}_frac.
    /// </summary>
    public IEnumerable<KeyValuePair<string, double>> ToMetrics()
    {
        yield return new("moe/load_max_frac", MaxFraction);
        yield return new("moe/load_min_frac", MinFraction);
        yield return new("moe/max_vio", MaxViolation);
        yield return new("moe/bias_abs_max", BiasAbsMax);
        if (ExpertFractions.Length > MaxLoggedExperts) yield break;
        for (int e = 0; e < ExpertFractions.Length; e++)
            yield return new(string.Create(CultureInfo.InvariantCulture, $"moe/expert_{e}_frac"), ExpertFractions[e]);
    }

    /// <summary>
    /// Statistics of per-layer loads (layers × experts). Example: one layer with loads [6, 2, 4] → fractions
    /// [0.5, 0.1667, 0.3333], max 0.5, min 0.1667, MaxVio 6/4 − 1 = 0.5. Layers that routed nothing are left out.
    /// </summary>
    public static MoeLoadStats Of(IReadOnlyList<long[]> loads, double biasAbsMax = 0)
    {
        int experts = loads.Count == 0 ? 0 : loads[0].Length;
        var fractions = new double[experts];
        double max = 0, min = 1, vio = 0;
        int counted = 0;
        long assignments = 0;
        foreach (var load in loads)
        {
            long total = load.Sum();
            if (total == 0) continue;
            assignments += total;
            counted++;
            for (int e = 0; e < experts; e++) fractions[e] += (double)load[e] / total;
            max = Math.Max(max, (double)load.Max() / total);
            min = Math.Min(min, (double)load.Min() / total);
            vio += load.Max() / ((double)total / experts) - 1;
        }
        if (counted == 0) return new MoeLoadStats(0, 0, 0, fractions, biasAbsMax, 0);
        for (int e = 0; e < experts; e++) fractions[e] /= counted;
        return new MoeLoadStats(max, min, vio / counted, fractions, biasAbsMax, assignments);
    }
}

/// <summary>
/// Moves every DeepSeekMoE layer's selection bias by ±γ after each optimizer step, from the expert loads counted over
/// that step's micro-batches. Trainers call <see cref="BeginStep"/> before the step's forward passes and
/// <see cref="AfterOptimizerStep"/> after <c>optimizer.step()</c>. The bias never gets a gradient (requires_grad false).
/// </summary>
public sealed class MoeBalancer
{
    private readonly DeepSeekMoe[] _layers;

    private MoeBalancer(DeepSeekMoe[] layers, double gamma) => (_layers, Gamma) = (layers, gamma);

    /// <summary>The bias update speed γ (0 = loads are only measured, the bias stays).</summary>
    public double Gamma { get; }

    /// <summary>The model's MoE layers, in module order.</summary>
    public IReadOnlyList<DeepSeekMoe> Layers => _layers;

    /// <summary>A balancer for <paramref name="model"/>, or null when it has no DeepSeekMoE layer (dense models).</summary>
    /// <exception cref="ArgumentOutOfRangeException">γ negative or not finite.</exception>
    public static MoeBalancer? For(nn.Module model, double gamma) => For(gamma, model);

    /// <summary>A balancer over the DeepSeekMoE layers of <paramref name="modules"/> (e.g. a model and its MTP layers), or null when none has one.</summary>
    /// <exception cref="ArgumentOutOfRangeException">γ negative or not finite.</exception>
    public static MoeBalancer? For(double gamma, params nn.Module?[] modules)
    {
        if (!(gamma >= 0) || double.IsInfinity(gamma)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "the bias update speed must be finite and >= 0");
        var layers = modules.Where(m => m is not null).SelectMany(m => m!.modules().OfType<DeepSeekMoe>()).ToArray();
        return layers.Length == 0 ? null : new MoeBalancer(layers, gamma);
    }

    /// <summary>Forgets loads counted outside a training step (rollouts, evaluation, reference log-probs).</summary>
    public void BeginStep()
    {
        foreach (var layer in _layers) layer.TakeLoad();
    }

    /// <summary>
    /// Takes each layer's load since <see cref="BeginStep"/>, applies <see cref="DeepSeekMoe.UpdateBias"/> with γ (when
    /// γ &gt; 0) and returns the step's load statistics (computed on the loads that drove the update).
    /// </summary>
    public MoeLoadStats AfterOptimizerStep()
    {
        var loads = new long[_layers.Length][];
        double biasAbsMax = 0;
        for (int i = 0; i < _layers.Length; i++)
        {
            loads[i] = _layers[i].TakeLoad();
            if (Gamma > 0) _layers[i].UpdateBias(loads[i], Gamma);
            // No temporaries here (no dispose scope): a Tensor object only referenced as the `this` of a native call
            // can be finalized while the call runs.
            using var bias = _layers[i].gate.e_score_correction_bias.detach();
            using var abs = bias.abs();
            using var max = abs.max();
            biasAbsMax = Math.Max(biasAbsMax, max.ItemAsDouble());
        }
        return MoeLoadStats.Of(loads, biasAbsMax);
    }
}
