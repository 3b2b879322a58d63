// The DeepSeekMoE router (ARCHITECTURES.md §1; HF DeepseekV3TopkRouter / MoEGate topk_method "noaux_tc"): sigmoid
// scores, e_score_correction_bias for selection only, group-limited top-k by top-2 sums, renormalization, scaling.
using R1Sharp.Formats.Config;
using R1Sharp.Tensors;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace R1Sharp.Models.DeepSeekV3;

/// <summary>Routing options (config fields of the same names).</summary>
/// <param name="TopK">num_experts_per_tok.</param>
/// <param name="Groups">n_group.</param>
/// <param name="TopKGroups">topk_group.</param>
/// <param name="NormTopKProb">norm_topk_prob.</param>
/// <param name="ScalingFactor">routed_scaling_factor.</param>
public readonly record struct RouterOptions(int TopK, int Groups, int TopKGroups, bool NormTopKProb, double ScalingFactor)
{
    /// <summary>The options of <paramref name="c"/>.</summary>
    public static RouterOptions From(DeepSeekV3Config c) => new(c.NumExpertsPerTok, c.NGroup, c.TopkGroup, c.NormTopkProb, c.RoutedScalingFactor);
}

/// <summary>The router module <c>mlp.gate</c>: <c>weight</c> (experts, hidden) and <c>e_score_correction_bias</c> (experts, float32).</summary>
public sealed class MoeRouter : nn.Module
{
    /// <summary>Router weight (experts, hidden).</summary>
    public Parameter weight;
    /// <summary>
    /// Selection bias (experts), float32 as in the checkpoint. Never receives a gradient: it only shifts which experts are
    /// chosen; auxiliary-loss-free balancing moves it (<see cref="DeepSeekMoe.UpdateBias"/>).
    /// </summary>
    public Parameter e_score_correction_bias;
    private readonly RouterOptions _options;
    private Tensor? _lastScores, _lastIndices;

    /// <summary>Creates the router with uninitialized weight and a zero bias.</summary>
    public MoeRouter(DeepSeekV3Config c, ScalarType dtype) : base("gate")
    {
        _options = RouterOptions.From(c);
        weight = Parameters.Adopt(empty(c.NRoutedExperts, c.HiddenSize, dtype));
        e_score_correction_bias = Parameters.Adopt(zeros(c.NRoutedExperts, ScalarType.Float32), requiresGrad: false);
        register_parameter(nameof(weight), weight);
        register_parameter(nameof(e_score_correction_bias), e_score_correction_bias);
    }

    /// <summary>
    /// When true, each <see cref="Forward"/> keeps its sigmoid scores (N, E) — with their autograd graph — and chosen
    /// indices (N, K) as <see cref="LastScores"/> / <see cref="LastIndices"/> (the sequence-wise balance loss reads
    /// them). False (default): nothing is kept, so inference pays nothing.
    /// </summary>
    public bool CaptureRouting { get; set; }

    /// <summary>The sigmoid affinities (N, E) float32 of the last forward while <see cref="CaptureRouting"/>, else null.</summary>
    public Tensor? LastScores => _lastScores;

    /// <summary>The chosen expert indices (N, K) int64 of the last forward while <see cref="CaptureRouting"/>, else null.</summary>
    public Tensor? LastIndices => _lastIndices;

    /// <summary>Frees the captured scores and indices (and the autograd graph they keep alive).</summary>
    public void ClearCapture()
    {
        _lastScores?.Dispose();
        _lastIndices?.Dispose();
        (_lastScores, _lastIndices) = (null, null);
    }

    /// <summary>Expert indices (N, K) int64 and weights (N, K) float32 for tokens (N, hidden).</summary>
    public (Tensor Indices, Tensor Weights) Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var scores = nn.functional.linear(x.to_type(ScalarType.Float32), weight.to_type(ScalarType.Float32)).sigmoid();
        var (indices, weights) = Route(scores, e_score_correction_bias, _options);
        if (CaptureRouting)
        {
            ClearCapture();
            // Owned by the router, outside every dispose scope, until the next forward or ClearCapture.
            _lastScores = scores.alias().DetachFromDisposeScope();
            _lastIndices = indices.alias().DetachFromDisposeScope();
        }
        return (indices.MoveToOuterDisposeScope(), weights.MoveToOuterDisposeScope());
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing) ClearCapture();
        base.Dispose(disposing);
    }

    /// <summary>
    /// Group-limited top-k over sigmoid <paramref name="scores"/> (N, E): <c>choice = scores + bias</c>; each of the
    /// <c>Groups</c> groups scores the sum of its top-2 choices; experts outside the best <c>TopKGroups</c> groups are
    /// excluded (−∞, as the reference Gate); the top-K choices win. Weights are the <em>unbiased</em> scores of the
    /// winners, divided by their sum (+1e-20) when NormTopKProb, times ScalingFactor.
    /// Example: scores [.9 .1 .5 .6], bias 0, 2 groups, 1 kept, K 1 → group sums [1.0, 1.1] keep group 1 → expert 3,
    /// weight 1·scale.
    /// </summary>
    public static (Tensor Indices, Tensor Weights) Route(Tensor scores, Tensor bias, RouterOptions o)
    {
        using var scope = NewDisposeScope();
        long n = scores.shape[0], e = scores.shape[1];
        var choice = scores.Plus(bias.to_type(scores.dtype));
        if (o.Groups > 1 && o.TopKGroups < o.Groups)
        {
            var grouped = choice.view(n, o.Groups, e / o.Groups);
            var groupScores = grouped.topk(2, dim: -1).values.sum(-1);                 // (N, G)
            var keptGroups = groupScores.topk(o.TopKGroups, dim: -1).indexes;
            var keep = zeros(n, o.Groups, ScalarType.Bool, scores.device).scatter_(1, keptGroups, ones_like(keptGroups, ScalarType.Bool));
            var expertKeep = keep.unsqueeze(-1).expand(n, o.Groups, e / o.Groups).reshape(n, e);
            choice = choice.masked_fill(expertKeep.logical_not(), Scalars.NegativeInfinity);
        }
        var indices = choice.topk(o.TopK, dim: -1).indexes;
        var weights = scores.gather(1, indices);
        if (o.NormTopKProb) weights = weights / weights.sum(-1, keepdim: true).Plus(1e-20);
        weights = weights.Times(o.ScalingFactor);
        return (indices.MoveToOuterDisposeScope(), weights.MoveToOuterDisposeScope());
    }
}
