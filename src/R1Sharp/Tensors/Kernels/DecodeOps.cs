// The element-wise kernels of a decode step, fp32 activations: RMSNorm, RoPE (rotate_half layout), SiLU·up, residual
// add, bf16 conversions and softmax; the attention over the KV cache is in DecodeOps.Attention.cs.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace R1Sharp.Tensors.Kernels;

/// <summary>Decode-step kernels on raw fp32 rows (HF Qwen2/Llama semantics, see the model classes).</summary>
public static unsafe partial class DecodeOps
{
    /// <summary><c>y = x · rsqrt(mean(x²) + eps) · weight</c> over <paramref name="n"/> values (y may be x).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RmsNorm(float* x, void* weight, WeightFormat format, int n, float eps, float* y)
    {
        float ss = MatMul.Dot(x, x, n);
        float inv = 1f / MathF.Sqrt(ss / n + eps);
        if (format == WeightFormat.F32)
        {
            float* w = (float*)weight;
            for (int i = 0; i < n; i++) y[i] = x[i] * inv * w[i];
        }
        else
        {
            ushort* w = (ushort*)weight;
            for (int i = 0; i < n; i++) y[i] = x[i] * inv * Bf16.ToSingle(w[i]);
        }
    }

    /// <summary>
    /// Fills cos/sin tables (dim values each, halves repeated) for one position: angle = float32(position)·invFreq[i],
    /// as <c>Rope.CosSin</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RopeTables(long position, float[] inverseFrequencies, float* cos, float* sin)
    {
        int half = inverseFrequencies.Length;
        float p = position;
        for (int i = 0; i < half; i++)
        {
            float angle = p * inverseFrequencies[i];
            cos[i] = cos[i + half] = MathF.Cos(angle);
            sin[i] = sin[i + half] = MathF.Sin(angle);
        }
    }

    /// <summary>Rotates <paramref name="heads"/> consecutive head vectors of <paramref name="dim"/> in place:
    /// <c>x·cos + rotate_half(x)·sin</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rope(float* x, int heads, int dim, float* cos, float* sin)
    {
        int half = dim / 2;
        for (int h = 0; h < heads; h++, x += dim)
            for (int i = 0; i < half; i++)
            {
                float x1 = x[i], x2 = x[i + half];
                x[i] = x1 * cos[i] - x2 * sin[i];
                x[i + half] = x2 * cos[i + half] + x1 * sin[i + half];
            }
    }

    /// <summary><c>out[i] = silu(gate[i]) · up[i]</c>, silu(g) = g / (1 + e^−g).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SiluMul(float* gate, float* up, float* output, int n)
    {
        int i = 0;
        for (; i + 16 <= n; i += 16)
        {
            var g = Vector512.Load(gate + i);
            var silu = g / (Vector512<float>.One + Vector512.Exp(-g));
            (silu * Vector512.Load(up + i)).Store(output + i);
        }
        for (; i < n; i++) output[i] = gate[i] / (1f + MathF.Exp(-gate[i])) * up[i];
    }

    /// <summary><c>x[i] += y[i]</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Add(float* x, float* y, int n)
    {
        int i = 0;
        for (; i + 16 <= n; i += 16) (Vector512.Load(x + i) + Vector512.Load(y + i)).Store(x + i);
        for (; i < n; i++) x[i] += y[i];
    }

    /// <summary>Widens (or copies) <paramref name="n"/> weights to fp32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToSingle(void* source, WeightFormat format, int n, float* destination)
    {
        if (format == WeightFormat.F32) { Buffer.MemoryCopy(source, destination, n * 4L, n * 4L); return; }
        ushort* s = (ushort*)source;
        int i = 0;
        for (; i + 16 <= n; i += 16) Bf16.Load16(s + i).Store(destination + i);
        for (; i < n; i++) destination[i] = Bf16.ToSingle(s[i]);
    }

    /// <summary>Stores <paramref name="n"/> fp32 values as fp32 or bf16 (rounded to nearest even).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FromSingle(float* source, int n, void* destination, WeightFormat format)
    {
        if (format == WeightFormat.F32) { Buffer.MemoryCopy(source, destination, n * 4L, n * 4L); return; }
        ushort* d = (ushort*)destination;
        int i = 0;
        for (; i + 32 <= n; i += 32)
            Vector512.Narrow(Bf16Bits(Vector512.Load(source + i)), Bf16Bits(Vector512.Load(source + i + 16))).Store(d + i);
        for (; i < n; i++) d[i] = Bf16.FromSingle(source[i]);
    }

    // Bf16.FromSingle on 16 lanes: round to nearest even, NaN kept quiet; the result in each lane's low 16 bits.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<uint> Bf16Bits(Vector512<float> v)
    {
        var bits = v.AsUInt32();
        var rounded = Vector512.ShiftRightLogical(bits + Vector512.Create(0x7FFFu) + (Vector512.ShiftRightLogical(bits, 16) & Vector512<uint>.One), 16);
        var nan = Vector512.ShiftRightLogical(bits, 16) | Vector512.Create(0x40u);
        return Vector512.ConditionalSelect(Vector512.IsNaN(v).AsUInt32(), nan, rounded);
    }

    /// <summary>
    /// In-place softmax of <paramref name="n"/> scores, −∞ entries (masked slots) giving 0; at least one entry finite.
    /// Vectorised (Vector512.Exp): a decode step takes one exp per head and cached slot.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Softmax(float* x, int n)
    {
        var maxV = Vector512.Create(float.NegativeInfinity);
        int i = 0;
        for (; i + 16 <= n; i += 16) maxV = Vector512.Max(maxV, Vector512.Load(x + i));
        float max = float.NegativeInfinity;
        for (int j = 0; j < 16; j++) max = MathF.Max(max, maxV[j]);
        for (; i < n; i++) max = MathF.Max(max, x[i]);
        var m = Vector512.Create(max);
        var sumV = Vector512<float>.Zero;
        i = 0;
        for (; i + 16 <= n; i += 16)
        {
            var e = Vector512.Exp(Vector512.Load(x + i) - m);
            e.Store(x + i);
            sumV += e;
        }
        float sum = Vector512.Sum(sumV);
        for (; i < n; i++) { x[i] = MathF.Exp(x[i] - max); sum += x[i]; }
        var inv = Vector512.Create(1f / sum);
        i = 0;
        for (; i + 16 <= n; i += 16) (Vector512.Load(x + i) * inv).Store(x + i);
        for (; i < n; i++) x[i] *= 1f / sum;
    }
}
