// Single-query attention over a KV cache for the decode step: per (row, KV head), the query heads that share the KV head
// score every cached key, take one softmax each and sum the values in registers (fp32 or bf16 cache, validity mask).
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace R1Sharp.Tensors.Kernels;

public static unsafe partial class DecodeOps
{
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
                acc = Bf16.Load16(k) * q0;
                if (vectors > 1) acc = Vector512.FusedMultiplyAdd(Bf16.Load16(k + 16), q1, acc);
                if (vectors > 2) acc = Vector512.FusedMultiplyAdd(Bf16.Load16(k + 32), q2, acc);
                if (vectors > 3) acc = Vector512.FusedMultiplyAdd(Bf16.Load16(k + 48), q3, acc);
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
                    a0 = Vector512.FusedMultiplyAdd(w, Bf16.Load16(v), a0);
                    if (vectors > 1) a1 = Vector512.FusedMultiplyAdd(w, Bf16.Load16(v + 16), a1);
                    if (vectors > 2) a2 = Vector512.FusedMultiplyAdd(w, Bf16.Load16(v + 32), a2);
                    if (vectors > 3) a3 = Vector512.FusedMultiplyAdd(w, Bf16.Load16(v + 48), a3);
                }
            }
            a0.Store(output + d0);
            if (vectors > 1) a1.Store(output + d0 + 16);
            if (vectors > 2) a2.Store(output + d0 + 32);
            if (vectors > 3) a3.Store(output + d0 + 48);
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
        for (; i + 16 <= n; i += 16) Vector512.FusedMultiplyAdd(av, Bf16.Load16(x + i), Vector512.Load(y + i)).Store(y + i);
        for (; i < n; i++) y[i] += a * Bf16.ToSingle(x[i]);
    }
}
