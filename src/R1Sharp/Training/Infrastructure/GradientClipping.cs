// Global-norm gradient clipping with the semantics of torch.nn.utils.clip_grad_norm_ (norm over all gradients
// as one vector; scale by max_norm / (norm + 1e-6) only when that is below 1), returning the pre-clip norm.
using R1Sharp.Tensors;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace R1Sharp.Training.Infrastructure;

/// <summary>Gradient clipping.</summary>
public static class GradientClipping
{
    /// <summary>
    /// The L2 norm of all gradients together, before clipping; when <paramref name="maxNorm"/> &gt; 0 and the norm
    /// exceeds it, every gradient is multiplied by maxNorm / (norm + 1e-6). Example: gradients [3] and [4] have norm 5;
    /// with maxNorm 1 they become ≈ [0.6] and [0.8]. Parameters without a gradient are skipped.
    /// </summary>
    public static double ClipGlobalNorm(IEnumerable<Parameter> parameters, double maxNorm)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var grads = parameters.Select(p => p.grad).Where(g => g is not null).Select(g => g!).ToArray();
        if (grads.Length == 0) return 0.0;
        // Per-tensor norms in the gradient dtype, combined in float64 (no float64 copy of the gradients).
        var norms = stack(grads.Select(g => g.norm()).ToArray()).to_type(ScalarType.Float64);
        double norm = Math.Sqrt(norms.Square().sum().item<double>());
        if (maxNorm > 0 && norm > maxNorm)
        {
            double coef = maxNorm / (norm + 1e-6);
            foreach (var g in grads) g.TimesInPlace(coef);
        }
        return norm;
    }
}
