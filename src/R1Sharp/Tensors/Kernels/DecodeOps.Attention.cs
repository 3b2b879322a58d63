// Single-query attention over a KV cache for the decode step: per (row, KV head), the query heads that share the KV head
// score every cached key, take one softmax each and sum the values in registers (fp32 or bf16 cache, validity mask).
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace R1Sharp.Tensors.Kernels;

public static unsafe partial class DecodeOps
{
    /// <summary>The cache tensors of one layer as the attention kernel reads them.</summary>
    public readonly struct CacheView(void* keys, void* values, WeightFormat format, bool* valid, int kvHeads, int capacity, int keyDim, int valueDim,
        PromptView prompts = default)
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
        /// <summary>Shared prompt slots every row reads before its own (none when its length is 0).</summary>
        public readonly PromptView Prompts = prompts;
    }

    /// <summary>Shared prompts of a cache (KvCache.SharePrompts): same heads, dims and format as the rows' own slots.</summary>
    public readonly struct PromptView(void* keys, void* values, bool* valid, int capacity, int length, int* rowPrompt)
    {
        /// <summary>(prompts, kvHeads, capacity, keyDim).</summary>
        public readonly void* Keys = keys;
        /// <summary>(prompts, kvHeads, capacity, valueDim).</summary>
        public readonly void* Values = values;
        /// <summary>(prompts, capacity) bool, or null when every prompt slot below the length is real.</summary>
        public readonly bool* Valid = valid;
        /// <summary>Slots per prompt.</summary>
        public readonly int Capacity = capacity;
        /// <summary>Filled prompt slots (0: no shared prompts).</summary>
        public readonly int Length = length;
        /// <summary>Row → prompt.</summary>
        public readonly int* RowPrompt = rowPrompt;
    }

    /// <summary>
    /// Single-query attention of every row and head: <c>softmax(q·kᵀ·scale)·v</c> over the row's shared prompt slots (if
    /// any) and the first <paramref name="length"/> of its own slots (invalid slots skipped). Query head h reads KV head
    /// h / (heads / kvHeads). q rows hold heads·keyDim floats <paramref name="qStride"/> apart; output rows
    /// heads·valueDim floats <paramref name="outStride"/> apart. The query heads of one KV head run together, so each
    /// cached key and value is read once per row; (row, KV head) pairs are split over the pool. For a prefill, query b
    /// may read cache row <paramref name="rows"/>[b] over its first <paramref name="lengths"/>[b] slots (causal within a
    /// chunk); <paramref name="length"/> is then their maximum. Null: query b reads cache row b over
    /// <paramref name="length"/> slots.
    /// </summary>
    public static void Attention(float* q, int qStride, CacheView cache, int batch, int heads, int length, float scale,
        float* output, int outStride, KernelPool? pool = null, int* rows = null, int* lengths = null)
    {
        nint pr = (nint)rows, pl = (nint)lengths;
        nint pq = (nint)q, po = (nint)output;
        int groups = heads / cache.KvHeads;
        (pool ?? KernelPool.Shared).Run((part, parts) =>
        {
            var (start, end) = pl == 0 ? KernelPool.Split(batch * cache.KvHeads, part, parts)
                : CostSplit(batch, cache.KvHeads, cache.Prompts.Length, (int*)pl, part, parts);
            if (start == end) return;
            float[] scores = ArrayPool<float>.Shared.Rent(groups * (cache.Prompts.Length + length));
            try
            {
                fixed (float* s = scores)
                    for (int item = start; item < end; item++)
                    {
                        int b = item / cache.KvHeads, kv = item % cache.KvHeads;
                        int row = pr == 0 ? b : ((int*)pr)[b], own = pl == 0 ? length : ((int*)pl)[b];
                        Group((float*)pq + (long)b * qStride + (long)kv * groups * cache.KeyDim, cache, row, kv, groups,
                            own, scale, s, (float*)po + (long)b * outStride + (long)kv * groups * cache.ValueDim);
                    }
            }
            finally { ArrayPool<float>.Shared.Return(scores); }
        }, 2L * batch * heads * (cache.Prompts.Length + length) * (cache.KeyDim + cache.ValueDim));
    }

    // Part `part` of `parts` of the (query, KV head) items when query b attends promptLength + lengths[b] slots (a causal
    // prefill chunk: the last queries attend the most): boundaries at equal shares of the slots, not of the items. An
    // even item split gave the second of two threads 2.7 × the first one's attention work in a 512-token prefill; split
    // by slots, the bf16 prefill of the 0.5B shape took 0.97 × the time (median of 6 paired runs).
    private static (int Start, int End) CostSplit(int batch, int kvHeads, int promptLength, int* lengths, int part, int parts)
    {
        long total = 0;
        for (int b = 0; b < batch; b++) total += promptLength + lengths[b];
        long from = total * part / parts, to = total * (part + 1) / parts, sum = 0;
        int start = part == 0 ? 0 : -1, end = part == parts - 1 ? batch : -1;
        for (int b = 0; b < batch && (start < 0 || end < 0); b++)
        {
            if (start < 0 && sum >= from) start = b;
            if (end < 0 && sum >= to) end = b;
            sum += promptLength + lengths[b];
        }
        if (start < 0) start = batch;
        if (end < 0) end = batch;
        return (start * kvHeads, end * kvHeads);
    }

    // The `groups` query heads (consecutive, keyDim apart) that share KV head `kvHead` of row `row`: scores over the row's
    // prompt slots then its own, one softmax over both, values summed in the same order.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Group(float* q, CacheView c, int row, int kvHead, int groups, int length, float scale, float* scores, float* output)
    {
        if (groups > 1 && c.Format == WeightFormat.Bf16 && c.KeyDim == 64 && c.ValueDim == 64 && Avx512F.IsSupported)
        {
            GroupWidened(q, c, row, kvHead, groups, length, scale, scores, output);
            return;
        }
        var p = c.Prompts;
        int promptLength = p.Length, total = promptLength + length;
        Slots(c, row, kvHead, out long own0, out long prompt0, out bool* valid, out bool* promptValid);
        for (int g = 0; g < groups; g++)
        {
            float* qg = q + (long)g * c.KeyDim, sg = scores + (long)g * total;
            if (promptLength > 0) Scores(qg, c, p.Keys, prompt0, promptValid, promptLength, scale, sg);
            Scores(qg, c, c.Keys, own0, valid, length, scale, sg + promptLength);
        }
        for (int g = 0; g < groups; g++) Softmax(scores + (long)g * total, total);
        for (int g = 0; g < groups; g++)
        {
            float* sg = scores + (long)g * total, og = output + (long)g * c.ValueDim;
            if (promptLength > 0) Values(sg, c, p.Values, prompt0, promptLength, og, accumulate: false);
            Values(sg + promptLength, c, c.Values, own0, length, og, accumulate: promptLength > 0);
        }
    }

    // Where row `row`'s KV head `kvHead` starts (in slots) in its own cache and in its shared prompt (if any), and their
    // validity masks (null: all valid).
    private static void Slots(CacheView c, int row, int kvHead, out long own0, out long prompt0, out bool* valid, out bool* promptValid)
    {
        var p = c.Prompts;
        own0 = ((long)row * c.KvHeads + kvHead) * c.Capacity;
        prompt0 = 0;
        valid = c.Valid == null ? null : c.Valid + (long)row * c.Capacity;
        promptValid = null;
        if (p.Length == 0) return;
        int prompt = p.RowPrompt[row];
        prompt0 = ((long)prompt * c.KvHeads + kvHead) * p.Capacity;
        if (p.Valid != null) promptValid = p.Valid + (long)prompt * p.Capacity;
    }

    // Group for a bf16 cache of 64-dimension heads: keys, then values, are widened to fp32 WidenSlots slots at a time
    // into a stack buffer that all the query heads of the KV head read (each head widened them itself before: two ops
    // per 16 values, per head). The fp32 code then runs on the widened copy, which is exact, in the same order, so the
    // results are those of Group bit for bit. A 512-token bf16 prefill of the 0.5B shape: 0.98 × the time (median of 6
    // paired runs).
    private const int WidenSlots = 64;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GroupWidened(float* q, CacheView c, int row, int kvHead, int groups, int length, float scale, float* scores, float* output)
    {
        var p = c.Prompts;
        int promptLength = p.Length, total = promptLength + length;
        Slots(c, row, kvHead, out long own0, out long prompt0, out bool* valid, out bool* promptValid);
        float* wide = stackalloc float[WidenSlots * 64];
        if (promptLength > 0) WidenedScores(q, groups, (ushort*)p.Keys + prompt0 * 64, promptValid, promptLength, scale, scores, total, wide);
        WidenedScores(q, groups, (ushort*)c.Keys + own0 * 64, valid, length, scale, scores + promptLength, total, wide);
        for (int g = 0; g < groups; g++) Softmax(scores + (long)g * total, total);
        var f32 = new CacheView(null, null, WeightFormat.F32, null, c.KvHeads, c.Capacity, 64, 64);
        if (promptLength > 0) WidenedValues(f32, groups, (ushort*)p.Values + prompt0 * 64, promptLength, scores, total, output, false, wide);
        WidenedValues(f32, groups, (ushort*)c.Values + own0 * 64, length, scores + promptLength, total, output, promptLength > 0, wide);
    }

    // Each query head's scores over `count` slots of bf16 keys (from `keys`), WidenSlots slots widened at a time.
    private static void WidenedScores(float* q, int groups, ushort* keys, bool* valid, int count, float scale, float* scores, int total, float* wide)
    {
        for (int s0 = 0; s0 < count; s0 += WidenSlots)
        {
            int n = Math.Min(WidenSlots, count - s0);
            ToSingle(keys + (long)s0 * 64, WeightFormat.Bf16, n * 64, wide);
            for (int g = 0; g < groups; g++)
                ScoresBlocked64(q + (long)g * 64, wide, 0, valid == null ? null : valid + s0, n, scale, scores + (long)g * total + s0);
        }
    }

    // Each query head's output (+)= its probabilities times `count` slots of bf16 values, WidenSlots slots at a time.
    private static void WidenedValues(CacheView f32, int groups, ushort* values, int count, float* scores, int total, float* output, bool accumulate, float* wide)
    {
        for (int s0 = 0; s0 < count; s0 += WidenSlots)
        {
            int n = Math.Min(WidenSlots, count - s0);
            ToSingle(values + (long)s0 * 64, WeightFormat.Bf16, n * 64, wide);
            for (int g = 0; g < groups; g++)
                WeightedSum(scores + (long)g * total + s0, f32, wide, 0, n, output + (long)g * 64, accumulate || s0 > 0);
        }
    }

    // scores[s] = scale·q·k[s] for `length` slots of `keys` from slot `slot0` (invalid ones −∞).
    private static void Scores(float* q, CacheView c, void* keys, long slot0, bool* valid, int length, float scale, float* scores)
    {
        if (BlockScores(c.KeyDim)) { ScoresBlocked(q, c, keys, slot0, valid, length, scale, scores); return; }
        if (c.KeyDim % 16 == 0 && c.KeyDim <= 64) { ScoresUpTo64(q, c, keys, slot0, valid, length, scale, scores); return; }
        for (int s = 0; s < length; s++)
        {
            if (valid != null && !valid[s]) { scores[s] = float.NegativeInfinity; continue; }
            long at = (slot0 + s) * c.KeyDim;
            scores[s] = scale * (c.Format == WeightFormat.F32 ? MatMul.Dot((float*)keys + at, q, c.KeyDim) : MatMul.DotBf16((ushort*)keys + at, q, c.KeyDim));
        }
    }

    // output (+)= Σₛ p[s]·v[s] over `length` slots of `values` from slot `slot0`.
    private static void Values(float* p, CacheView c, void* values, long slot0, int length, float* output, bool accumulate)
    {
        if (c.ValueDim % 16 == 0) { WeightedSum(p, c, values, slot0, length, output, accumulate); return; }
        if (!accumulate) new Span<float>(output, c.ValueDim).Clear();
        for (int s = 0; s < length; s++)
        {
            if (p[s] == 0f) continue;
            long at = (slot0 + s) * c.ValueDim;
            if (c.Format == WeightFormat.F32) Axpy(p[s], (float*)values + at, output, c.ValueDim);
            else AxpyBf16(p[s], (ushort*)values + at, output, c.ValueDim);
        }
    }

    // scores[s] = scale·q·k[s] for one head whose key size is 16, 32, 48 or 64: q stays in registers.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScoresUpTo64(float* q, CacheView c, void* keys, long slot0, bool* valid, int length, float scale, float* scores)
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
                float* k = (float*)keys + at;
                acc = Vector512.Load(k) * q0;
                if (vectors > 1) acc = Vector512.FusedMultiplyAdd(Vector512.Load(k + 16), q1, acc);
                if (vectors > 2) acc = Vector512.FusedMultiplyAdd(Vector512.Load(k + 32), q2, acc);
                if (vectors > 3) acc = Vector512.FusedMultiplyAdd(Vector512.Load(k + 48), q3, acc);
            }
            else
            {
                ushort* k = (ushort*)keys + at;
                acc = Bf16.Load16(k) * q0;
                if (vectors > 1) acc = Vector512.FusedMultiplyAdd(Bf16.Load16(k + 16), q1, acc);
                if (vectors > 2) acc = Vector512.FusedMultiplyAdd(Bf16.Load16(k + 32), q2, acc);
                if (vectors > 3) acc = Vector512.FusedMultiplyAdd(Bf16.Load16(k + 48), q3, acc);
            }
            scores[s] = scale * Vector512.Sum(acc);
        }
    }

    // output (+)= Σₛ p[s]·v[s] for one head, 64 dimensions at a time in four register accumulators (value size a multiple
    // of 16); accumulating starts from the output's values, so two calls over consecutive spans equal one over both.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightedSum(float* p, CacheView c, void* values, long slot0, int length, float* output, bool accumulate)
    {
        int dim = c.ValueDim;
        for (int d0 = 0; d0 < dim; d0 += 64)
        {
            int vectors = Math.Min(4, (dim - d0) / 16);
            var a0 = Vector512<float>.Zero; var a1 = a0; var a2 = a0; var a3 = a0;
            if (accumulate)
            {
                a0 = Vector512.Load(output + d0);
                if (vectors > 1) a1 = Vector512.Load(output + d0 + 16);
                if (vectors > 2) a2 = Vector512.Load(output + d0 + 32);
                if (vectors > 3) a3 = Vector512.Load(output + d0 + 48);
            }
            for (int s = 0; s < length; s++)
            {
                if (p[s] == 0f) continue;
                var w = Vector512.Create(p[s]);
                long at = (slot0 + s) * dim + d0;
                if (c.Format == WeightFormat.F32)
                {
                    float* v = (float*)values + at;
                    a0 = Vector512.FusedMultiplyAdd(w, Vector512.Load(v), a0);
                    if (vectors > 1) a1 = Vector512.FusedMultiplyAdd(w, Vector512.Load(v + 16), a1);
                    if (vectors > 2) a2 = Vector512.FusedMultiplyAdd(w, Vector512.Load(v + 32), a2);
                    if (vectors > 3) a3 = Vector512.FusedMultiplyAdd(w, Vector512.Load(v + 48), a3);
                }
                else
                {
                    ushort* v = (ushort*)values + at;
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
