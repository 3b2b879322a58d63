// Root-mean-square layer norm as in HF Qwen2RMSNorm/LlamaRMSNorm: computed in float32, cast back, then scaled.
using R1Sharp.Diagnostics;
using R1Sharp.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace R1Sharp.Models;

/// <summary>RMSNorm with a learned per-channel <c>weight</c> (HF name), eps from <c>rms_norm_eps</c>.</summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    /// <summary>Per-channel scale, shape (hidden).</summary>
    public Parameter weight;
    private readonly double _eps;

    /// <summary>The epsilon under the square root.</summary>
    internal double Eps => _eps;

    /// <summary>Creates the norm with uninitialized weight of the given size.</summary>
    public RmsNorm(string name, long hiddenSize, double eps, ScalarType dtype) : base(name)
    {
        _eps = eps;
        weight = Parameters.Adopt(empty(hiddenSize, dtype: dtype));
        register_parameter(nameof(weight), weight);
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x)
    {
        using var phase = PhaseProfiler.Enter(DecodePhase.NormRope);
        return Normalize(x, weight, _eps);
    }

    /// <summary>
    /// <c>weight · (x32 · rsqrt(mean(x32²) + eps)).to(x.dtype)</c> over the last dimension, x32 = x in float32.
    /// Example: x = [3, 4], eps = 0, weight = [1, 2] gives [3/√12.5, 8/√12.5] = [0.8485, 2.2627].
    /// </summary>
    public static Tensor Normalize(Tensor x, Tensor weight, double eps)
    {
        using var scope = NewDisposeScope();
        var x32 = x.dtype == ScalarType.Float32 ? x : x.to_type(ScalarType.Float32);
        var variance = x32.Square().mean(new long[] { -1 }, keepdim: true);
        variance.PlusInPlace(eps).rsqrt_();
        var normalized = x32 * variance;
        if (x.dtype != ScalarType.Float32) normalized = normalized.to_type(x.dtype);
        return (normalized * weight).MoveToOuterDisposeScope();
    }
}
