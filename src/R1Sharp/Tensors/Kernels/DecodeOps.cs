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
        for (int g = 0; g < groups; g++)
        {
            float* qg = q + (long)g * c.KeyDim, sg = scores + (long)g * length;
            if (c.KeyDim % 16 == 0 && c.KeyDim <= 64) { ScoresUpTo64(qg, c, slot0, valid, length, scale, sg); continue; }
            for (int s = 0; s < length; s++)
            {
                if (valid != null && !valid[s]) { sg[s] = float.NegativeInfinity; continue; }
                long at = (slot0 + s) * c.KeyDim;
                sg[s] = scale * (c.Format == WeightFormat.F32 ? MatMul.Dot((float*)c.Keys + at, qg, c.KeyDim) : MatMul.DotBf16((ushort*)c.Keys + at, qg, c.KeyDim));
            }
        }
        for (int g = 0; g < groups; g++) Softmax(scores + (long)g * length, length);
        for (int g = 0; g < groups; g++)
        {
            float* sg = scores + (long)g * length, og = output + (long)g * c.ValueDim;
            if (c.ValueDim % 16 == 0) { WeightedSum(sg, c, slot0, length, og); continue; }
            new Span<float>(og, c.ValueDim).Clear();
            for (int s = 0; s < length; s++)
            {
                if (sg[s] == 0f) continue;
                long at = (slot0 + s) * c.ValueDim;
                if (c.Format == WeightFormat.F32) Axpy(sg[s], (float*)c.Values + at, og, c.ValueDim);
                else AxpyBf16(sg[s], (ushort*)c.Values + at, og, c.ValueDim);
            }
        }
    }

    // scores[s] = scale·q·k[s] for one head whose key size is 16, 32, 48 or 64: q stays in registers.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScoresUpTo64(float* q, CacheView c, long slot0, bool* valid, int length, float scale, float* scores)
    {
        int dim = c.KeyDim, vectors = dim / 16;
        var q0 = Vector512.Load(q);
        var q1 = vectors > 1 ? Vector512.Load(q + 16) : default;
        var q2 = vectors > 2 ? Vector512.Load(q + 32) : default;
        var q3 = vectors > 3 ? Vector512.Load(q + 48) : default;
        for (int s = 0; s < length; s++)
        {
            if (valid != null && !valid[s]) { scores[s] = float.NegativeInfinity; continue; }
            long at = (slot0 + s) * dim;
            Vector512<float> acc;
            if (c.Format == WeightFormat.F32)
            {
                float* k = (float*)c.Keys + at;
                acc = Vector512.Load(k) * q0;
                if (vectors > 1) acc = Vector512.FusedMultiplyAdd(Vector512.Load(k + 16), q1, acc);
                if (vectors > 2) acc = Vector512.FusedMultiplyAdd(Vector512.Load(k + 32), q2, acc);
                if (vectors > 3) acc = Vector512.FusedMultiplyAdd(Vector512.Load(k + 48), q3, acc);
            }
            else
            {
                ushort* k = (ushort*)c.Keys + at;
                acc = Widen(k) * q0;
                if (vectors > 1) acc = Vector512.FusedMultiplyAdd(Widen(k + 16), q1, acc);
                if (vectors > 2) acc = Vector512.FusedMultiplyAdd(Widen(k + 32), q2, acc);
                if (vectors > 3) acc = Vector512.FusedMultiplyAdd(Widen(k + 48), q3, acc);
            }
            scores[s] = scale * Vector512.Sum(acc);
        }
    }

    // output = Σₛ p[s]·v[s] for one head, 64 dimensions at a time in four register accumulators (value size a multiple of 16).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightedSum(float* p, CacheView c, long slot0, int length, float* output)
    {
        int dim = c.ValueDim;
        for (int d0 = 0; d0 < dim; d0 += 64)
        {
            int vectors = Math.Min(4, (dim - d0) / 16);
            var a0 = Vector512<float>.Zero; var a1 = a0; var a2 = a0; var a3 = a0;
            for (int s = 0; s < length; s++)
            {
                if (p[s] == 0f) continue;
                var w = Vector512.Create(p[s]);
                long at = (slot0 + s) * dim + d0;
                if (c.Format == WeightFormat.F32)
                {
                    float* v = (float*)c.Values + at;
                    a0 = Vector512.FusedMultiplyAdd(w, Vector512.Load(v), a0);
                    if (vectors > 1) a1 = Vector512.FusedMultiplyAdd(w, Vector512.Load(v + 16), a1);
                    if (vectors > 2) a2 = Vector512.FusedMultiplyAdd(w, Vector512.Load(v + 32), a2);
                    if (vectors > 3) a3 = Vector512.FusedMultiplyAdd(w, Vector512.Load(v + 48), a3);
                }
                else
                {
                    ushort* v = (ushort*)c.Values + at;
                    a0 = Vector512.FusedMultiplyAdd(w, Widen(v), a0);
                    if (vectors > 1) a1 = Vector512.FusedMultiplyAdd(w, Widen(v + 16), a1);
                    if (vectors > 2) a2 = Vector512.FusedMultiplyAdd(w, Widen(v + 32), a2);
                    if (vectors > 3) a3 = Vector512.FusedMultiplyAdd(w, Widen(v + 48), a3);
                }
            }
            a0.Store(output + d0);
            if (vectors > 1) a1.Store(output + d0 + 16);
            if (vectors > 2) a2.Store(output + d0 + 32);
            if (vectors > 3) a3.Store(output + d0 + 48);
        }
    }

    // 16 bf16 values as fp32.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Widen(ushort* v) =>
        Vector512.ShiftLeft(Vector512.WidenLower(Vector256.Load(v).ToVector512()), 16).AsSingle();

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
