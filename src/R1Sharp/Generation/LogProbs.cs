// Log-probability helpers (log-softmax, log-sum-exp, one token's log-prob at a temperature) and the
// vectorised max/exp kernels the samplers share. Numerically stable: everything is shifted by the max.
using System.Numerics;
using System.Runtime.InteropServices;

namespace R1Sharp.Generation;

/// <summary>
/// Log-softmax over a logits row. GRPO's ratio π_θ/π_old needs log π_old(token), which
/// <see cref="SamplerChain.Sample(ReadOnlySpan{float}, out float)"/> reports as
/// <c>TokenLogProb(penalised logits, token, temperature)</c>: the post-temperature distribution over the
/// whole vocabulary, before top-k/top-p/min-p truncation — the distribution TRL recomputes in training
/// (<c>log_softmax(logits / T)</c>), so the two agree when penalties are off.
/// </summary>
public static class LogProbs
{
    /// <summary>log Σ exp(x_i), computed as max + log Σ exp(x_i − max). Returns −∞ for an empty or all −∞ row.</summary>
    public static float LogSumExp(ReadOnlySpan<float> x) => LogSumExp(x, 1f);

    /// <summary>log Σ exp(x_i / temperature); temperature must be &gt; 0.</summary>
    public static float LogSumExp(ReadOnlySpan<float> x, float temperature)
    {
        if (!(temperature > 0f)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "must be > 0");
        if (x.IsEmpty) return float.NegativeInfinity;
        float max = VectorMath.Max(x);
        if (float.IsNegativeInfinity(max)) return float.NegativeInfinity;
        float scale = 1f / temperature;
        return (float)(max * scale + Math.Log(VectorMath.SumExp(x, max, scale)));
    }

    /// <summary>Writes log softmax(logits) to <paramref name="destination"/> (same length; may alias the input).</summary>
    /// <example>logits [0, ln 3] → [ln 0.25, ln 0.75].</example>
    public static void LogSoftmax(ReadOnlySpan<float> logits, Span<float> destination)
    {
        if (destination.Length != logits.Length)
            throw new ArgumentException($"destination has {destination.Length} entries, logits {logits.Length}", nameof(destination));
        float lse = LogSumExp(logits);
        for (int i = 0; i < logits.Length; i++) destination[i] = logits[i] - lse;
    }

    /// <summary>log softmax(logits / temperature)[token] without allocating; temperature must be &gt; 0.</summary>
    public static float TokenLogProb(ReadOnlySpan<float> logits, int token, float temperature = 1f)
    {
        if ((uint)token >= (uint)logits.Length)
            throw new ArgumentOutOfRangeException(nameof(token), token, $"vocabulary has {logits.Length} entries");
        return logits[token] / temperature - LogSumExp(logits, temperature);
    }
}

/// <summary>SIMD kernels over float spans (Vector&lt;float&gt;, scalar tail).</summary>
internal static class VectorMath
{
    public static float Max(ReadOnlySpan<float> x)
    {
        int i = 0;
        float max = float.NegativeInfinity;
        if (x.Length >= Vector<float>.Count)
        {
            var acc = new Vector<float>(float.NegativeInfinity);
            var vs = MemoryMarshal.Cast<float, Vector<float>>(x);
            foreach (var v in vs) acc = Vector.Max(acc, v);
            for (int j = 0; j < Vector<float>.Count; j++) max = MathF.Max(max, acc[j]);
            i = vs.Length * Vector<float>.Count;
        }
        for (; i < x.Length; i++) if (x[i] > max) max = x[i];
        return max;
    }

    public static void Scale(Span<float> x, float scale)
    {
        var vs = MemoryMarshal.Cast<float, Vector<float>>(x);
        for (int j = 0; j < vs.Length; j++) vs[j] *= scale;
        for (int i = vs.Length * Vector<float>.Count; i < x.Length; i++) x[i] *= scale;
    }

    /// <summary>Σ exp((x_i − shift) · scale), accumulated per vector block in double.</summary>
    public static double SumExp(ReadOnlySpan<float> x, float shift, float scale)
    {
        double sum = 0;
        var vs = MemoryMarshal.Cast<float, Vector<float>>(x);
        var vShift = new Vector<float>(shift);
        var vScale = new Vector<float>(scale);
        for (int j = 0; j < vs.Length; j++) sum += Vector.Sum(FastExp((vs[j] - vShift) * vScale));
        for (int i = vs.Length * Vector<float>.Count; i < x.Length; i++) sum += MathF.Exp((x[i] - shift) * scale);
        return sum;
    }

    private const float ExpLow = -87.33654f;  // ln(2^-126): below this the result is flushed to 0
    private const float ExpHigh = 88.0f;

    /// <summary>
    /// exp for softmax weights, ~3× faster than Vector.Exp (which widens to double): exp(x) = 2^n · e^r with
    /// n = round(x·log2 e), r = x − n·ln 2 ∈ [−0.35, 0.35] (Cody–Waite split), e^r by its degree-6 Taylor
    /// polynomial (relative error &lt; 2e-7, float precision). x below ln 2^-126 gives exactly 0, so masked
    /// (−∞) tokens keep probability 0.
    /// </summary>
    public static Vector<float> FastExp(Vector<float> x)
    {
        var tooSmall = Vector.LessThan(x, new Vector<float>(ExpLow));
        var c = Vector.Min(Vector.Max(x, new Vector<float>(ExpLow)), new Vector<float>(ExpHigh));
        var n = Vector.Round(c * new Vector<float>(1.44269504f));
        var r = c - n * new Vector<float>(0.693359375f);
        r -= n * new Vector<float>(-2.12194440e-4f);
        var p = new Vector<float>(1f / 720);
        p = p * r + new Vector<float>(1f / 120);
        p = p * r + new Vector<float>(1f / 24);
        p = p * r + new Vector<float>(1f / 6);
        p = p * r + new Vector<float>(0.5f);
        p = p * r + Vector<float>.One;
        p = p * r + Vector<float>.One;
        var scale = Vector.AsVectorSingle(Vector.ShiftLeft(Vector.ConvertToInt32(n) + new Vector<int>(127), 23));
        return Vector.ConditionalSelect(tooSmall, Vector<float>.Zero, p * scale);
    }

    /// <summary>destination_i = exp(x_i − shift); returns the sum (in double).</summary>
    public static double ExpInto(ReadOnlySpan<float> x, float shift, Span<float> destination)
    {
        double sum = 0;
        var vs = MemoryMarshal.Cast<float, Vector<float>>(x);
        var vd = MemoryMarshal.Cast<float, Vector<float>>(destination);
        var vShift = new Vector<float>(shift);
        for (int j = 0; j < vs.Length; j++)
        {
            var e = FastExp(vs[j] - vShift);
            vd[j] = e;
            sum += Vector.Sum(e);
        }
        for (int i = vs.Length * Vector<float>.Count; i < x.Length; i++)
        {
            float e = MathF.Exp(x[i] - shift);
            destination[i] = e;
            sum += e;
        }
        return sum;
    }
}
