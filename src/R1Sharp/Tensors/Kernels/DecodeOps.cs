// The element-wise and attention kernels of a decode step, fp32 activations: RMSNorm, RoPE (rotate_half layout),
// SiLU·up, residual add, and single-query attention over a KV cache (fp32 or bf16 slots, optional validity mask).
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace R1Sharp.Tensors.Kernels;

/// <summary>Decode-step kernels on raw fp32 rows (HF Qwen2/Llama semantics, see the model classes).</summary>
public static unsafe class DecodeOps
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
        for (int i = 0; i < n; i++) destination[i] = Bf16.ToSingle(s[i]);
    }

    /// <summary>Stores <paramref name="n"/> fp32 values as fp32 or bf16 (rounded to nearest even).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FromSingle(float* source, int n, void* destination, WeightFormat format)
    {
        if (format == WeightFormat.F32) { Buffer.MemoryCopy(source, destination, n * 4L, n * 4L); return; }
        ushort* d = (ushort*)destination;
        for (int i = 0; i < n; i++) d[i] = Bf16.FromSingle(source[i]);
    }

    /// <summary>The cache tensors of one layer as the attention kernel reads them.</summary>
    public readonly struct CacheView(void* keys, void* values, WeightFormat format, bool* valid, int kvHeads, int capacity, int keyDim, int valueDim)
    {
        /// <summary>(rows, kvHeads, capacity, keyDim).</summary>
        public readonly void* Keys = keys;
        /// <summary>(rows, kvHeads, capacity, valueDim).</summary>
        public readonly void* Values = values;
        /// <summary>Element type of keys and values.</summary>
        public readonly WeightFormat Format = format;
        /// <summary>(rows, capacity) bool, or null when every slot below the length is real.</summary>
        public readonly bool* Valid = valid;
        /// <summary>Cached heads.</summary>
        public readonly int KvHeads = kvHeads;
        /// <summary>Slots per row.</summary>
        public readonly int Capacity = capacity;
        /// <summary>Key head size.</summary>
        public readonly int KeyDim = keyDim;
        /// <summary>Value head size.</summary>
        public readonly int ValueDim = valueDim;
    }

    /// <summary>
    /// Single-query attention of every row and head: <c>softmax(q·kᵀ·scale)·v</c> over the first
    /// <paramref name="length"/> slots of each row (invalid slots skipped). Query head h reads KV head
    /// h / (heads / kvHeads). q rows hold heads·keyDim floats <paramref name="qStride"/> apart; output rows
    /// heads·valueDim floats <paramref name="outStride"/> apart. The query heads of one KV head run together, so each
    /// cached key and value is read once per row; (row, KV head) pairs are split over the pool.
    /// </summary>
    public static void Attention(float* q, int qStride, CacheView cache, int batch, int heads, int length, float scale,
        float* output, int outStride, KernelPool? pool = null)
    {
        nint pq = (nint)q, po = (nint)output;
        int groups = heads / cache.KvHeads;
        (pool ?? KernelPool.Shared).Run((part, parts) =>
        {
            var (start, end) = KernelPool.Split(batch * cache.KvHeads, part, parts);
            if (start == end) return;
            float[] scores = ArrayPool<float>.Shared.Rent(groups * length);
            try
            {
                fixed (float* s = scores)
                    for (int item = start; item < end; item++)
                    {
                        int b = item / cache.KvHeads, kv = item % cache.KvHeads;
                        Group((float*)pq + (long)b * qStride + (long)kv * groups * cache.KeyDim, cache, b, kv, groups,
                            length, scale, s, (float*)po + (long)b * outStride + (long)kv * groups * cache.ValueDim);
                    }
            }
            finally { ArrayPool<float>.Shared.Return(scores); }
        }, 2L * batch * heads * length * (cache.KeyDim + cache.ValueDim));
    }

    // The `groups` query heads (consecutive, keyDim apart) that share KV head `kvHead` of row `row`.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Group(float* q, CacheView c, int row, int kvHead, int groups, int length, float scale, float* scores, float* output)
    {
        long slot0 = ((long)row * c.KvHeads + kvHead) * c.Capacity;
        bool* valid = c.Valid == null ? null : c.Valid + (long)row * c.Capacity;
        for (int s = 0; s < length; s++)
        {
            if (valid != null && !valid[s])
            {
                for (int g = 0; g < groups; g++) scores[g * length + s] = float.NegativeInfinity;
                continue;
            }
            long at = (slot0 + s) * c.KeyDim;
            for (int g = 0; g < groups; g++)
            {
                float* qg = q + (long)g * c.KeyDim;
                float dot = c.Format == WeightFormat.F32 ? MatMul.Dot((float*)c.Keys + at, qg, c.KeyDim) : MatMul.DotBf16((ushort*)c.Keys + at, qg, c.KeyDim);
                scores[g * length + s] = dot * scale;
            }
        }
        for (int g = 0; g < groups; g++)
        {
            float* sg = scores + (long)g * length;
            float max = float.NegativeInfinity;
            for (int s = 0; s < length; s++) max = MathF.Max(max, sg[s]);
            float sum = 0;
            for (int s = 0; s < length; s++)
            {
                float e = sg[s] == float.NegativeInfinity ? 0f : MathF.Exp(sg[s] - max);
                sg[s] = e;
                sum += e;
            }
            float inv = 1f / sum;
            for (int s = 0; s < length; s++) sg[s] *= inv;
        }
        new Span<float>(output, groups * c.ValueDim).Clear();
        for (int s = 0; s < length; s++)
        {
            if (valid != null && !valid[s]) continue;
            long at = (slot0 + s) * c.ValueDim;
            for (int g = 0; g < groups; g++)
            {
                float p = scores[g * length + s];
                if (c.Format == WeightFormat.F32) Axpy(p, (float*)c.Values + at, output + (long)g * c.ValueDim, c.ValueDim);
                else AxpyBf16(p, (ushort*)c.Values + at, output + (long)g * c.ValueDim, c.ValueDim);
            }
        }
    }

    private static void Axpy(float a, float* x, float* y, int n)
    {
        var av = Vector512.Create(a);
        int i = 0;
        for (; i + 16 <= n; i += 16) Vector512.FusedMultiplyAdd(av, Vector512.Load(x + i), Vector512.Load(y + i)).Store(y + i);
        for (; i < n; i++) y[i] += a * x[i];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AxpyBf16(float a, ushort* x, float* y, int n)
    {
        var av = Vector512.Create(a);
        int i = 0;
        for (; i + 32 <= n; i += 32)
        {
            var (lo, hi) = Vector512.Widen(Vector512.Load(x + i));
            Vector512.FusedMultiplyAdd(av, Vector512.ShiftLeft(lo, 16).AsSingle(), Vector512.Load(y + i)).Store(y + i);
            Vector512.FusedMultiplyAdd(av, Vector512.ShiftLeft(hi, 16).AsSingle(), Vector512.Load(y + i + 16)).Store(y + i + 16);
        }
        for (; i < n; i++) y[i] += a * Bf16.ToSingle(x[i]);
    }
}
