// DeepSeekMoE feed-forward (ARCHITECTURES.md §1; HF DeepseekV3MoE): routed SwiGLU experts weighted by the router plus
// shared experts added unweighted, with batched dispatch (tokens sorted by expert, one gather, one scatter-add).
using R1Sharp.Formats.Config;
using R1Sharp.Tensors;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace R1Sharp.Models.DeepSeekV3;

/// <summary>
/// <c>y = Σ_k w_k · expert_k(x) + shared_experts(x)</c>. HF names: <c>gate</c> (router), <c>experts.{i}.{gate,up,down}_proj</c>,
/// <c>shared_experts.{gate,up,down}_proj</c> (absent when n_shared_experts is 0).
/// </summary>
public sealed class DeepSeekMoe : nn.Module<Tensor, Tensor>
{
#pragma warning disable CS1591 // HF parameter names; documented in the class summary.
    public MoeRouter gate;
    public ModuleList<SwiGluMlp> experts;
    public SwiGluMlp? shared_experts;
#pragma warning restore CS1591

    private readonly long[] _load;

    /// <summary>Routed tokens per expert counted since the last <see cref="TakeLoad"/> (training statistics).</summary>
    public IReadOnlyList<long> Load => _load;

    /// <summary>Creates the block with uninitialized weights (router bias zero).</summary>
    public DeepSeekMoe(DeepSeekV3Config c, ScalarType dtype) : base("mlp")
    {
        gate = new MoeRouter(c, dtype);
        experts = new ModuleList<SwiGluMlp>(Enumerable.Range(0, c.NRoutedExperts)
            .Select(i => new SwiGluMlp(i.ToString(System.Globalization.CultureInfo.InvariantCulture), c.HiddenSize, c.MoeIntermediateSize, dtype)).ToArray());
        if (c.NSharedExperts > 0)
            shared_experts = new SwiGluMlp(nameof(shared_experts), c.HiddenSize, (long)c.MoeIntermediateSize * c.NSharedExperts, dtype);
        _load = new long[c.NRoutedExperts];
        RegisterComponents();
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long hidden = x.shape[^1];
        var flat = x.reshape(-1, hidden);                                     // (N, hidden)
        var (indices, weights) = gate.Forward(flat);                          // (N, K)
        long k = indices.shape[1];
        // Sort the N·K (token, expert) assignments by expert: each expert then sees one contiguous slice.
        var experts1d = indices.reshape(-1);
        var order = experts1d.sort(dim: 0, descending: false, stable: true).Indices;
        using Scalar perToken = k;   // a local, alive through the call (see Scalars)
        var tokenOfSlot = order.div(perToken, rounding_mode: RoundingMode.floor);
        var slotWeights = weights.reshape(-1).index_select(0, order).to_type(x.dtype).unsqueeze(1);
        var counts = experts1d.bincount(null, _load.Length).to_type(ScalarType.Int64).data<long>().ToArray();
        var gathered = flat.index_select(0, tokenOfSlot);                     // (N·K, hidden), grouped by expert
        var outputs = new List<Tensor>(_load.Length);
        long offset = 0;
        for (int e = 0; e < counts.Length; e++)
        {
            if (counts[e] == 0) continue;
            outputs.Add(experts[e].forward(gathered.narrow(0, offset, counts[e])));
            offset += counts[e];
            _load[e] += counts[e];
        }
        var routed = cat(outputs, 0).mul_(slotWeights);
        var y = zeros_like(flat).index_add_(0, tokenOfSlot, routed, Scalars.One);
        if (shared_experts is not null) y = y.add_(shared_experts.forward(flat), Scalars.One);
        return y.view(x.shape).MoveToOuterDisposeScope();
    }

    /// <summary>Returns the per-expert routed-token counts accumulated so far and resets them.</summary>
    public long[] TakeLoad()
    {
        var copy = (long[])_load.Clone();
        Array.Clear(_load);
        return copy;
    }

    /// <summary>
    /// Auxiliary-loss-free balancing (DeepSeek-V3 report §2.1.2): after an optimizer step, each expert's selection bias
    /// moves by −γ when its load exceeds the mean load and by +γ when below (unchanged at the mean); no gradient flows
    /// through the bias. Example: loads [6, 2, 4], γ 0.001 → bias deltas [−0.001, +0.001, 0].
    /// </summary>
    public void UpdateBias(IReadOnlyList<long> load, double gamma)
    {
        if (load.Count != _load.Length) throw new ArgumentException($"expected {_load.Length} expert loads, got {load.Count}", nameof(load));
        var delta = BiasDelta(load, gamma);
        using var noGrad = no_grad();
        using var d = tensor(delta, device: gate.e_score_correction_bias.device);
        gate.e_score_correction_bias.add_(d, Scalars.One);
    }

    /// <summary>The per-expert bias change of <see cref="UpdateBias"/>: γ·sign(mean − load).</summary>
    public static float[] BiasDelta(IReadOnlyList<long> load, double gamma)
    {
        double mean = load.Average();
        return load.Select(l => (float)(gamma * Math.Sign(mean - l))).ToArray();
    }
}
