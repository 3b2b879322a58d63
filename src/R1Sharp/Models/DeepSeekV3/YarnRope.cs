// YaRN RoPE of DeepSeek-V3 (ARCHITECTURES.md §1; HF modeling_rope_utils._compute_yarn_parameters, DeepSeek-V3
// inference/model.py precompute_freqs_cis), the softmax scale with mscale², and the checkpoint's interleaved pairs.
using R1Sharp.Formats.Config;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Models.DeepSeekV3;

/// <summary>Pure YaRN math and the interleaved-pair RoPE application used by MLA.</summary>
public static class YarnRope
{
    /// <summary>
    /// <c>yarn_get_mscale(s, m) = 1 if s ≤ 1 else 0.1·m·ln(s) + 1</c>. Example: s = 40, m = 1 gives 1.368888.
    /// </summary>
    public static double GetMscale(double scale, double mscale) => scale <= 1 ? 1.0 : 0.1 * mscale * Math.Log(scale) + 1.0;

    /// <summary>
    /// The attention softmax scale: <c>qk_head_dim^-0.5</c>, times mscale² when rope_scaling is YaRN with
    /// mscale_all_dim set (HF). R1: 192^-0.5 · 1.368888² = 0.1352338.
    /// </summary>
    public static double SoftmaxScale(DeepSeekV3Config c)
    {
        double scale = 1.0 / Math.Sqrt(c.QkHeadDim);
        if (c.RopeScaling is YarnRopeScaling { MscaleAllDim: { } all and not 0 } y)
        {
            double m = GetMscale(y.Factor, all);
            scale *= m * m;
        }
        return scale;
    }

    /// <summary>
    /// The factor HF multiplies cos/sin by under YaRN (_compute_yarn_parameters' attention_factor):
    /// <c>mscale(factor, mscale) / mscale(factor, mscale_all_dim)</c> when both are set and non-zero, else
    /// <c>mscale(factor, 1)</c>; 1 without YaRN. R1 (both 1): 1.
    /// </summary>
    public static double CosSinScale(DeepSeekV3Config c) => c.RopeScaling switch
    {
        YarnRopeScaling { Mscale: { } m and not 0, MscaleAllDim: { } all and not 0 } y => GetMscale(y.Factor, m) / GetMscale(y.Factor, all),
        YarnRopeScaling y => GetMscale(y.Factor, 1.0),
        _ => 1.0,
    };

    /// <summary>
    /// Inverse frequencies for the rope channels (qk_rope_head_dim / 2 values): plain <c>1/base^(2i/d)</c>, or YaRN:
    /// <c>f/factor·(1 − s) + f·s</c> with <c>s = 1 − clamp((i − low)/(high − low), 0, 1)</c>,
    /// <c>low = max(floor(cd(beta_fast)), 0)</c>, <c>high = min(ceil(cd(beta_slow)), d − 1)</c>,
    /// <c>cd(r) = d·ln(orig/(2πr)) / (2 ln base)</c>. R1 (d 64, orig 4096): low 10, high 23.
    /// </summary>
    public static float[] InverseFrequencies(DeepSeekV3Config c, string source = "config.json")
    {
        int d = c.QkRopeHeadDim;
        var plain = Rope.InverseFrequencies(d, c.RopeTheta);
        switch (c.RopeScaling)
        {
            case null: return plain;
            case YarnRopeScaling y:
                var (low, high) = CorrectionRange(d, c.RopeTheta, y.BetaFast, y.BetaSlow, y.OriginalMaxPositionEmbeddings ?? c.MaxPositionEmbeddings);
                var result = new float[plain.Length];
                for (int i = 0; i < result.Length; i++)
                {
                    double ramp = Math.Clamp((i - low) / (high - low), 0.0, 1.0);
                    double extrapolation = 1 - ramp, f = plain[i];
                    result[i] = (float)(f / y.Factor * (1 - extrapolation) + f * extrapolation);
                }
                return result;
            default:
                throw new R1SharpException($"{source}: rope_scaling type '{c.RopeScaling.Type}' is not supported for deepseek_v3; use yarn or remove rope_scaling");
        }
    }

    /// <summary>The YaRN ramp ends (low, high) in frequency-index units; high is nudged when they coincide.</summary>
    public static (double Low, double High) CorrectionRange(int dim, double theta, double betaFast, double betaSlow, int originalLength)
    {
        double Dim(double rotations) => dim * Math.Log(originalLength / (rotations * 2 * Math.PI)) / (2 * Math.Log(theta));
        double low = Math.Max(Math.Floor(Dim(betaFast)), 0);
        double high = Math.Min(Math.Ceiling(Dim(betaSlow)), dim - 1);
        if (low == high) high += 0.001;
        return (low, high);
    }

    /// <summary>
    /// RoPE over adjacent pairs (x[2i], x[2i+1]) — the checkpoint's layout — computed like HF
    /// <c>apply_rotary_pos_emb_interleave</c>: de-interleave to (evens, odds), then rotate-half with the
    /// (B, T, 1, d) tables. The output channels come out as (evens, odds); dot products between queries and keys
    /// treated alike are those of the adjacent-pair rotation.
    /// </summary>
    /// <param name="x">(B, T, H, d).</param>
    /// <param name="cos">(B, T, 1, d) with <c>cat(freqs, freqs)</c> layout.</param>
    /// <param name="sin">Same as <paramref name="cos"/>.</param>
    public static Tensor ApplyInterleaved(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1], h = x.shape[2], d = x.shape[3];
        var halves = x.reshape(b, t, h, d / 2, 2).transpose(3, 4).reshape(b, t, h, d);
        return Rope.Apply(halves, cos, sin).MoveToOuterDisposeScope();
    }
}
