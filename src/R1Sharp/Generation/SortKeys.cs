// Packs (logit, id) into one ulong whose ascending order is "logit descending, then id ascending", so
// top-k/top-p can use primitive sorts and a quickselect with exact, deterministic tie-breaking.
namespace R1Sharp.Generation;

internal static class SortKeys
{
    /// <summary>High 32 bits: the logit's order-preserving bits, inverted; low 32 bits: the id.</summary>
    public static ulong Make(float logit, int id)
    {
        uint bits = BitConverter.SingleToUInt32Bits(logit);
        // Branch-free (signs are random on real rows): negative → ~bits, positive → bits | sign.
        uint ordered = bits ^ ((uint)((int)bits >> 31) | 0x8000_0000u);
        return ((ulong)~ordered << 32) | (uint)id;
    }

    public static int Id(ulong key) => (int)(uint)key;

    public static float Logit(ulong key)
    {
        uint ordered = ~(uint)(key >> 32);
        uint bits = ordered ^ (~(uint)((int)ordered >> 31) | 0x8000_0000u);
        return BitConverter.UInt32BitsToSingle(bits);
    }

    /// <summary>Reorders <paramref name="keys"/> so its first k entries are the k smallest (in any order).</summary>
    public static void SelectSmallest(Span<ulong> keys, int k)
    {
        int lo = 0, hi = keys.Length - 1;
        while (hi > lo)
        {
            int mid = lo + ((hi - lo) >> 1);
            // Median of three as pivot keeps already-sorted input linear.
            if (keys[mid] < keys[lo]) Swap(keys, mid, lo);
            if (keys[hi] < keys[lo]) Swap(keys, hi, lo);
            if (keys[hi] < keys[mid]) Swap(keys, hi, mid);
            ulong pivot = keys[mid];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (keys[i] < pivot) i++;
                while (keys[j] > pivot) j--;
                if (i <= j) { Swap(keys, i, j); i++; j--; }
            }
            // Now [lo, j] ≤ pivot ≤ [i, hi]; keep the side that holds position k - 1.
            if (k - 1 <= j) hi = j;
            else if (k - 1 >= i) lo = i;
            else return;
        }
    }

    /// <summary>Max-heap sift-down: the root is the worst (largest) kept key.</summary>
    public static void SiftDown(Span<ulong> heap, int i)
    {
        int n = heap.Length;
        ulong item = heap[i];
        while (true)
        {
            int child = 2 * i + 1;
            if (child >= n) break;
            if (child + 1 < n && heap[child + 1] > heap[child]) child++;
            if (heap[child] <= item) break;
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = item;
    }

    private static void Swap(Span<ulong> keys, int a, int b) => (keys[a], keys[b]) = (keys[b], keys[a]);
}
