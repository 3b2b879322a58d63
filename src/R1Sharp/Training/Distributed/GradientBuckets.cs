// Gradient buckets for the all-reduce (PyTorch DDP's bucket_cap_mb): consecutive parameters grouped so each bucket
// holds at most a cap of values, and a parameter larger than the cap travels alone.
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace R1Sharp.Training.Distributed;

/// <summary>Consecutive parameters <c>Start … Start + Count − 1</c> reduced in one call of <c>Floats</c> values.</summary>
public readonly record struct GradientBucket(int Start, int Count, long Floats);

/// <summary>Splits a list of parameter sizes into all-reduce buckets.</summary>
public static class GradientBuckets
{
    /// <summary>
    /// Buckets in order: a parameter joins the current bucket while the bucket stays within <paramref name="capFloats"/>.
    /// Example: sizes [3, 4, 2, 9], cap 6 → (0, 1, 3), (1, 2, 6), (3, 1, 9).
    /// </summary>
    public static IReadOnlyList<GradientBucket> Plan(IReadOnlyList<long> sizes, long capFloats)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capFloats, 1);
        var buckets = new List<GradientBucket>();
        int start = 0;
        long floats = 0;
        for (int i = 0; i < sizes.Count; i++)
        {
            if (i > start && floats + sizes[i] > capFloats)
            {
                buckets.Add(new GradientBucket(start, i - start, floats));
                (start, floats) = (i, 0);
            }
            floats += sizes[i];
        }
        if (sizes.Count > start) buckets.Add(new GradientBucket(start, sizes.Count - start, floats));
        return buckets;
    }
}

/// <summary>A bitwise checksum of a tensor's values: equal checksums on two ranks mean (all but surely) equal parameters.</summary>
public static class ParameterChecksum
{
    /// <summary>64-bit FNV-1a over the bytes of the values in row-major order. Example: an empty tensor → 14695981039346656037.</summary>
    public static ulong Of(Tensor t)
    {
        using var scope = NewDisposeScope();
        var values = t.detach().contiguous().to_type(ScalarType.Float32).flatten().data<float>().ToArray();
        return Fnv1a(MemoryMarshal.AsBytes(values.AsSpan()));
    }

    /// <summary>64-bit FNV-1a of <paramref name="bytes"/> ("a" → 0xaf63dc4c8601ec8c).</summary>
    public static ulong Fnv1a(ReadOnlySpan<byte> bytes)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in bytes) hash = (hash ^ b) * 1099511628211UL;
        return hash;
    }
}
