// Truncating stages: top-k (heap or quickselect), top-p (bucketed mass search, no full sort) and min-p.
// Boundary rules follow HF transformers' TopK/TopP/MinPLogitsWarper; see each class.
using System.Numerics;
using System.Runtime.InteropServices;

namespace R1Sharp.Generation;

/// <summary>Keeps the K highest logits (ties: lower id), leaving them sorted descending. K ≤ 0 or ≥ Count: no-op.</summary>
public sealed class TopKSampler(int k) : ISampler
{
    private const int HeapLimit = 256;

    /// <summary>How many candidates to keep.</summary>
    public int K { get; } = k;

    public SamplerStageKind Kind => SamplerStageKind.Truncate;

    public void Apply(ref CandidateSet candidates)
    {
        int n = candidates.Count;
        if (K <= 0 || K >= n) return;
        var ws = candidates.Workspace;
        var ids = ws.Ids.AsSpan(0, n);
        var logits = ws.Logits.AsSpan(0, n);
        var keys = ws.Keys.AsSpan(0, K);
        if (K <= HeapLimit) HeapSelect(ids, logits, keys);
        else
        {
            var all = ws.Keys.AsSpan(0, n);
            for (int i = 0; i < n; i++) all[i] = SortKeys.Make(logits[i], ids[i]);
            SortKeys.SelectSmallest(all, K);
        }
        keys.Sort();
        for (int i = 0; i < K; i++)
        {
            ids[i] = SortKeys.Id(keys[i]);
            logits[i] = SortKeys.Logit(keys[i]);
        }
        candidates.Truncate(K);
        candidates.Sorted = true;
    }

    // One compare per rejected candidate: O(n + k log k · hits), no allocation.
    private static void HeapSelect(Span<int> ids, Span<float> logits, Span<ulong> heap)
    {
        int k = heap.Length;
        for (int i = 0; i < k; i++) heap[i] = SortKeys.Make(logits[i], ids[i]);
        for (int i = k / 2 - 1; i >= 0; i--) SortKeys.SiftDown(heap, i);
        float worst = SortKeys.Logit(heap[0]);
        for (int i = k; i < logits.Length; i++)
        {
            if (logits[i] < worst) continue;
            ulong key = SortKeys.Make(logits[i], ids[i]);
            if (key >= heap[0]) continue;
            heap[0] = key;
            SortKeys.SiftDown(heap, 0);
            worst = SortKeys.Logit(heap[0]);
        }
    }

    public void Accept(int token) { }

    public void Reset() { }
}

/// <summary>
/// Nucleus: keeps the smallest set of most likely candidates whose probability sum reaches P. The token
/// that crosses P is kept; a prefix that lands exactly on P (within 1e-6 relative) stops there — HF's
/// rule (it drops tokens whose ascending cumulative mass is ≤ 1 − P). P ≥ 1: no-op. Unsorted input is
/// handled without sorting it: candidates are bucketed by logit, only the bucket that crosses P is sorted.
/// </summary>
public sealed class TopPSampler(float p) : ISampler
{
    private const double BoundaryTolerance = 1e-6;
    private const float BucketRange = 24f; // below max − 24 a token weighs < 4e-11 of the top one

    /// <summary>The probability mass to keep.</summary>
    public float P { get; } = p;

    public SamplerStageKind Kind => SamplerStageKind.Truncate;

    public void Apply(ref CandidateSet candidates)
    {
        if (P >= 1f || candidates.Count <= 1) return;
        var ws = candidates.Workspace;
        var logits = candidates.Logits;
        float max = VectorMath.Max(logits);
        double target = P * VectorMath.ExpInto(logits, max, ws.Scratch.AsSpan(0, logits.Length)) * (1 - BoundaryTolerance);
        if (candidates.Sorted)
        {
            candidates.Truncate(Math.Max(SortedPrefix(ws.Scratch, logits.Length, target), 1));
            return;
        }
        int keep = Bucketed(ws, logits.Length, max, target);
        candidates.InIdOrder = false; // the crossing bucket was reordered even if nothing was dropped
        candidates.Truncate(Math.Max(keep, 1));
    }

    private static int SortedPrefix(float[] weights, int n, double target)
    {
        double cum = 0;
        for (int i = 0; i < n; i++)
        {
            cum += weights[i];
            if (cum >= target) return i + 1;
        }
        return n;
    }

    // Pass 1: bucket index per candidate (vectorised) and mass per bucket. Pass 2: keep buckets above the
    // crossing one (unsorted), sort only the crossing bucket's candidates and take them until the mass
    // reaches the target. The keep/drop decision is branch-free, so flat rows (half kept, at random) don't mispredict.
    private static int Bucketed(SamplerWorkspace ws, int n, float max, double target)
    {
        var ids = ws.Ids.AsSpan(0, n);
        var logits = ws.Logits.AsSpan(0, n);
        var weights = ws.Scratch.AsSpan(0, n);
        var buckets = MemoryMarshal.Cast<ulong, int>(ws.Keys.AsSpan())[n..(2 * n)]; // keys' upper half is free until pass 2
        var mass = ws.BucketMass.AsSpan(0, SamplerWorkspace.BucketCount);
        int last = mass.Length - 1;
        BucketIndices(logits, max, last / BucketRange, last, buckets);
        Histogram(buckets, weights, ws.BucketMass);
        double cum = 0;
        int crossing = last;
        for (int b = 0; b < mass.Length; b++)
        {
            if (cum + mass[b] >= target) { crossing = b; break; }
            cum += mass[b];
        }
        // Pending keys go to keys[0, n): they never overtake the bucket indices still to be read at [n, 2n).
        int kept = 0, pending = 0;
        var keys = ws.Keys.AsSpan(0, n);
        for (int i = 0; i < n; i++)
        {
            int b = buckets[i];
            ids[kept] = ids[i];
            logits[kept] = logits[i];
            kept += b < crossing ? 1 : 0;
            if (b == crossing) keys[pending++] = SortKeys.Make(logits[i], ids[i]); // rare: predictable
        }
        keys[..pending].Sort();
        for (int j = 0; j < pending; j++)
        {
            float logit = SortKeys.Logit(keys[j]);
            ids[kept] = SortKeys.Id(keys[j]);
            logits[kept] = logit;
            kept++;
            cum += MathF.Exp(logit - max);
            if (cum >= target) break;
        }
        return kept;
    }

    // Four interleaved histograms: on peaked rows most candidates share the last bucket, and a single
    // accumulator would serialise on its load-add-store latency.
    private static void Histogram(ReadOnlySpan<int> buckets, ReadOnlySpan<float> weights, double[] mass)
    {
        const int B = SamplerWorkspace.BucketCount;
        Array.Clear(mass);
        var m1 = mass.AsSpan(B, B);
        var m2 = mass.AsSpan(2 * B, B);
        var m3 = mass.AsSpan(3 * B, B);
        int i = 0;
        for (; i + 3 < buckets.Length; i += 4)
        {
            mass[buckets[i]] += weights[i];
            m1[buckets[i + 1]] += weights[i + 1];
            m2[buckets[i + 2]] += weights[i + 2];
            m3[buckets[i + 3]] += weights[i + 3];
        }
        for (; i < buckets.Length; i++) mass[buckets[i]] += weights[i];
        for (int b = 0; b < B; b++) mass[b] += m1[b] + m2[b] + m3[b];
    }

    // bucket = min((max − logit) · inv, last); −∞ and NaN logits land in the last bucket.
    private static void BucketIndices(ReadOnlySpan<float> logits, float max, float inv, int last, Span<int> buckets)
    {
        var vl = MemoryMarshal.Cast<float, Vector<float>>(logits);
        var vb = MemoryMarshal.Cast<int, Vector<int>>(buckets);
        var vMax = new Vector<float>(max);
        var vInv = new Vector<float>(inv);
        var vLast = new Vector<float>(last);
        for (int j = 0; j < vl.Length; j++)
        {
            var d = (vMax - vl[j]) * vInv;
            var inRange = Vector.LessThan(d, vLast); // false for NaN
            vb[j] = Vector.ConvertToInt32(Vector.ConditionalSelect(inRange, d, vLast));
        }
        for (int i = vl.Length * Vector<float>.Count; i < logits.Length; i++)
        {
            float d = (max - logits[i]) * inv;
            buckets[i] = d < last ? (int)d : last;
        }
    }

    public void Accept(int token) { }

    public void Reset() { }
}

/// <summary>
/// Keeps candidates whose probability is at least MinP × the top probability, i.e. logit ≥ max + ln MinP
/// (HF MinPLogitsWarper keeps p ≥ min_p·p_max). Order is preserved. MinP ≤ 0: no-op.
/// </summary>
public sealed class MinPSampler(float minP) : ISampler
{
    /// <summary>The relative probability floor.</summary>
    public float MinP { get; } = minP;

    public SamplerStageKind Kind => SamplerStageKind.Truncate;

    public void Apply(ref CandidateSet candidates)
    {
        if (MinP <= 0f) return;
        var logits = candidates.Logits;
        var ids = candidates.Ids;
        float threshold = VectorMath.Max(logits) + MathF.Log(MinP);
        int kept = 0;
        for (int i = 0; i < logits.Length; i++)
        {
            if (!(logits[i] >= threshold)) continue;
            ids[kept] = ids[i];
            logits[kept] = logits[i];
            kept++;
        }
        candidates.Truncate(Math.Max(kept, 1));
    }

    public void Accept(int token) { }

    public void Reset() { }
}
