// The sequence-wise balance loss (SequenceBalanceLoss) applied to every DeepSeekMoE router of a model: capture routing
// during the forward passes, then one summed loss (DeepSeek-V3 report §2.1.2; each MoE layer carries its own term).
using R1Sharp.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Models.DeepSeekV3;

/// <summary>
/// The sequence-wise balance loss summed over every DeepSeekMoE router a trainer uses (main layers and MTP layers, as
/// each MoE layer carries its own balance term in DeepSeek-V2/V3). <see cref="Capture"/>(true) turns routing capture on, the
/// forward passes run, <see cref="Loss"/> reads each router's last capture and frees it.
/// </summary>
public sealed class SequenceBalance
{
    private readonly MoeRouter[] _routers;

    private SequenceBalance(MoeRouter[] routers, double alpha) => (_routers, Alpha) = (routers, alpha);

    /// <summary>The loss weight α.</summary>
    public double Alpha { get; }

    /// <summary>The routers, in module order.</summary>
    public IReadOnlyList<MoeRouter> Routers => _routers;

    /// <summary>A collector over the routers of <paramref name="modules"/>, or null when α is 0 or none has a router.</summary>
    /// <exception cref="ArgumentOutOfRangeException">α negative or not finite.</exception>
    public static SequenceBalance? For(double alpha, params nn.Module?[] modules)
    {
        if (!(alpha >= 0) || double.IsInfinity(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "α must be finite and >= 0");
        var routers = modules.Where(m => m is not null).SelectMany(m => m!.modules().OfType<MoeRouter>()).Distinct().ToArray();
        return alpha == 0 || routers.Length == 0 ? null : new SequenceBalance(routers, alpha);
    }

    /// <summary>Turns capture on (true) or off (false, freeing what was kept) on every router.</summary>
    public void Capture(bool on)
    {
        foreach (var r in _routers)
        {
            r.CaptureRouting = on;
            if (!on) r.ClearCapture();
        }
    }

    /// <summary>
    /// α-weighted balance loss of the last forward, summed over the routers that routed a (B, T) batch, then freed.
    /// <paramref name="mask"/> (B, T) marks real tokens (null = all).
    /// </summary>
    public Tensor Loss(long batch, long length, Tensor? mask)
    {
        using var scope = NewDisposeScope();
        Tensor total = tensor(0f, device: _routers[0].weight.device);
        foreach (var r in _routers)
        {
            if (r.LastScores is not { } s || r.LastIndices is not { } i) continue;
            if (s.shape[0] != batch * length) throw new InvalidOperationException($"router routed {s.shape[0]} tokens, expected {batch}×{length}");
            total = total.Plus(SequenceBalanceLoss.Compute(s.view(batch, length, -1), i.view(batch, length, -1), Alpha, mask));
            r.ClearCapture();
        }
        return total.MoveToOuterDisposeScope();
    }
}
