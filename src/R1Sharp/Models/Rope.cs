// Rotary position embedding (RoPE) as in HF transformers: inverse frequencies (plain and llama3-scaled,
// modeling_rope_utils._compute_default/_compute_llama3_parameters), cos/sin tables and rotate_half application.
using R1Sharp.Diagnostics;
using R1Sharp.Formats.Config;
using R1Sharp.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Models;

/// <summary>Pure RoPE math shared by every architecture (half-rotation layout of HF Qwen2/Llama).</summary>
public static class Rope
{
    /// <summary>
    /// HF default inverse frequencies: <c>1 / theta^(2i/dim)</c> for i in [0, dim/2).
    /// Example: dim 4, theta 10000 gives [1, 0.01].
    /// </summary>
    public static float[] InverseFrequencies(int rotaryDim, double theta)
    {
        if (rotaryDim <= 0 || rotaryDim % 2 != 0)
            throw new ArgumentException($"rotary dimension must be positive and even, got {rotaryDim}", nameof(rotaryDim));
        var result = new float[rotaryDim / 2];
        for (int i = 0; i < result.Length; i++)
            result[i] = (float)(1.0 / Math.Pow(theta, 2.0 * i / rotaryDim));
        return result;
    }

    /// <summary>
    /// The inverse frequencies a dense (qwen2/llama) config asks for: plain, or llama3-scaled. YaRN belongs to
    /// DeepSeek-V3's attention and is rejected here.
    /// </summary>
    /// <exception cref="R1SharpException">rope_scaling is of a type the dense decoder does not implement.</exception>
    public static float[] InverseFrequencies(ModelConfig config, string source = "config.json")
    {
        var plain = InverseFrequencies(config.HeadDim, config.RopeTheta);
        return config.RopeScaling switch
        {
            null => plain,
            Llama3RopeScaling s => Llama3Scale(plain, s),
            var other => throw new R1SharpException(
                $"{source}: rope_scaling type '{other.Type}' is not supported for model_type {config.ModelType}; use llama3 or remove rope_scaling"),
        };
    }

    /// <summary>
    /// llama3 scaling of inverse frequencies: wavelengths (2π/f) above original/low_freq_factor are divided by
    /// <c>factor</c>, those below original/high_freq_factor are kept, and the band between is interpolated with
    /// <c>smooth = (original/wavelen − low) / (high − low)</c>: <c>(1 − smooth)·f/factor + smooth·f</c>.
    /// </summary>
    public static float[] Llama3Scale(ReadOnlySpan<float> inverseFrequencies, Llama3RopeScaling s)
    {
        double lowFreqWavelen = s.OriginalMaxPositionEmbeddings / s.LowFreqFactor;
        double highFreqWavelen = s.OriginalMaxPositionEmbeddings / s.HighFreqFactor;
        var result = new float[inverseFrequencies.Length];
        for (int i = 0; i < result.Length; i++)
        {
            double f = inverseFrequencies[i];
            double wavelen = 2 * Math.PI / f;
            if (wavelen > lowFreqWavelen)
                result[i] = (float)(f / s.Factor);
            else if (wavelen < highFreqWavelen)
                result[i] = (float)f;
            else
            {
                double smooth = (s.OriginalMaxPositionEmbeddings / wavelen - s.LowFreqFactor)
                                / (s.HighFreqFactor - s.LowFreqFactor);
                result[i] = (float)((1 - smooth) * f / s.Factor + smooth * f);
            }
        }
        return result;
    }

    /// <summary>
    /// cos and sin tables for per-sequence positions, shaped (B, T, 1, dim) so they broadcast over heads of a
    /// (B, T, H, dim) tensor. As in HF, angles are <c>float32(position) · inv_freq</c> and the two halves repeat
    /// the same frequencies (<c>emb = cat(freqs, freqs)</c>); the tables are cast to <paramref name="dtype"/>.
    /// </summary>
    /// <param name="positions">(B, T) int64 positions.</param>
    /// <param name="inverseFrequencies">(dim/2) float32 tensor on the target device.</param>
    /// <param name="dtype">The activation dtype.</param>
    public static (Tensor Cos, Tensor Sin) CosSin(Tensor positions, Tensor inverseFrequencies, ScalarType dtype)
    {
        using var phase = PhaseProfiler.Enter(DecodePhase.NormRope);
        using var scope = NewDisposeScope();
        var angles = positions.to_type(ScalarType.Float32).unsqueeze(-1) * inverseFrequencies; // (B, T, dim/2)
        var emb = cat(new[] { angles, angles }, -1).unsqueeze(2);                             // (B, T, 1, dim)
        var cos = emb.cos().to_type(dtype);
        var sin = emb.sin().to_type(dtype);
        return (cos.MoveToOuterDisposeScope(), sin.MoveToOuterDisposeScope());
    }

    /// <summary>HF <c>rotate_half</c>: (x1, x2) → (−x2, x1) over the last dimension split in two halves.</summary>
    public static Tensor RotateHalf(Tensor x)
    {
        long half = x.shape[^1] / 2;
        using var x1 = x.narrow(-1, 0, half);
        using var x2 = x.narrow(-1, half, half);
        using var negX2 = x2.neg();
        return cat(new[] { negX2, x1 }, -1);
    }

    /// <summary>
    /// <c>x·cos + rotate_half(x)·sin</c> for x shaped (B, T, H, dim) and tables shaped (B, T, 1, dim). With bf16/f16
    /// <paramref name="x"/> the rotation runs in float32 and the result is rounded once to x's dtype (llama.cpp's rope
    /// op computes in fp32 too; rounding the tables and each product to bf16 would add three roundings per element).
    /// </summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var phase = PhaseProfiler.Enter(DecodePhase.NormRope);
        using var scope = NewDisposeScope();
        bool reduced = x.dtype is ScalarType.BFloat16 or ScalarType.Float16;
        var x32 = reduced ? x.to_type(ScalarType.Float32) : x;
        var rotated = RotateHalf(x32);
        rotated.mul_(sin);
        var result = x32 * cos;
        result.add_(rotated, Scalars.One);
        if (reduced) result = result.to_type(x.dtype);
        return result.MoveToOuterDisposeScope();
    }
}
