// Truncating stages: top-k (heap or quickselect), top-p (bucketed mass search, no full sort) and min-p.
// Boundary rules follow HF transformers' TopK/TopP/MinPLogitsWarper; see each class.
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

    // Pass 1: mass per logit bucket. Pass 2: keep buckets above the crossing one (unsorted), sort only the
    // crossing bucket's candidates and take them until the mass reaches the target.
    private static int Bucketed(SamplerWorkspace ws, int n, float max, double target)
    {
        var ids = ws.Ids.AsSpan(0, n);
        var logits = ws.Logits.AsSpan(0, n);
        var weights = ws.Scratch.AsSpan(0, n);
        var mass = ws.BucketMass.AsSpan();
        mass.Clear();
        int last = mass.Length - 1;
        float inv = last / BucketRange;
        for (int i = 0; i < n; i++) mass[Bucket(logits[i], max, inv, last)] += weights[i];
        double cum = 0;
        int crossing = last;
        for (int b = 0; b < mass.Length; b++)
        {
            if (cum + mass[b] >= target) { crossing = b; break; }
            cum += mass[b];
        }
        int kept = 0, pending = 0;
        var keys = ws.Keys.AsSpan();
        for (int i = 0; i < n; i++)
        {
            int b = Bucket(logits[i], max, inv, last);
            if (b < crossing) { ids[kept] = ids[i]; logits[kept] = logits[i]; kept++; }
            else if (b == crossing) keys[pending++] = SortKeys.Make(logits[i], ids[i]);
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

    private static int Bucket(float logit, float max, float inv, int last)
    {
        float d = (max - logit) * inv;
        return d < last ? (int)d : last; // also sends -inf and NaN to the last bucket
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
