// An in-memory, immutable dataset with deterministic Shuffle and train/eval Split, seeded by xoshiro256**
// (R1Sharp.Generation.Xoshiro256) so a seed gives the same order on every .NET version.
using System.Collections;
using R1Sharp.Generation;
using R1Sharp.Numerics;

namespace R1Sharp.Data;

/// <summary>A train/eval split of one dataset; the two parts are disjoint and together hold every row.</summary>
public sealed record DatasetSplit<T>(Dataset<T> Train, Dataset<T> Eval);

/// <summary>A materialised dataset: an immutable list of records plus the report of the load that made it.</summary>
public sealed class Dataset<T> : IReadOnlyList<T>
{
    private readonly T[] _items;

    /// <summary>Wraps a copy of <paramref name="items"/>.</summary>
    public Dataset(IEnumerable<T> items, LoadReport? report = null)
    {
        _items = items.ToArray();
        Report = report ?? new LoadReport("", _items.Length, 0, []);
    }

    private Dataset(T[] owned, LoadReport report) => (_items, Report) = (owned, report);

    /// <summary>What the load read and skipped (for derived datasets: the original load's report).</summary>
    public LoadReport Report { get; }

    /// <inheritdoc/>
    public T this[int index] => _items[index];

    /// <inheritdoc/>
    public int Count => _items.Length;

    /// <inheritdoc/>
    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    /// <summary>A new dataset with the rows in a seeded Fisher–Yates order; the same seed gives the same order.</summary>
    public Dataset<T> Shuffle(int seed)
    {
        var order = Permutation(_items.Length, seed);
        var items = new T[order.Length];
        for (int i = 0; i < order.Length; i++) items[i] = _items[order[i]];
        return new Dataset<T>(items, Report);
    }

    /// <summary>
    /// Splits off round(Count × <paramref name="evalFraction"/>) rows, chosen by a seeded permutation, as the eval
    /// set. Both parts keep the original row order; the same seed gives the same split.
    /// </summary>
    /// <exception cref="R1SharpException">evalFraction outside [0, 1].</exception>
    public DatasetSplit<T> Split(double evalFraction, int seed)
    {
        if (!(evalFraction >= 0 && evalFraction <= 1))
            throw new R1SharpException($"eval fraction {evalFraction} is outside [0, 1]; pass e.g. 0.05 for 5% eval rows");
        int evalCount = (int)Math.Round(_items.Length * evalFraction, MidpointRounding.AwayFromZero);
        var isEval = new bool[_items.Length];
        var order = Permutation(_items.Length, seed);
        for (int i = 0; i < evalCount; i++) isEval[order[i]] = true;
        var train = new T[_items.Length - evalCount];
        var eval = new T[evalCount];
        for (int i = 0, t = 0, e = 0; i < _items.Length; i++)
        {
            if (isEval[i]) eval[e++] = _items[i];
            else train[t++] = _items[i];
        }
        return new DatasetSplit<T>(new Dataset<T>(train, Report), new Dataset<T>(eval, Report));
    }

    /// <summary>A seeded Fisher–Yates permutation of 0..n-1 (unbiased: rejection sampling on the bound).</summary>
    internal static int[] Permutation(int n, int seed) => Permutation(n, unchecked((ulong)(long)seed));

    /// <summary>The permutation of a 64-bit seed (the same as the int overload for seeds that fit both).</summary>
    internal static int[] Permutation(int n, ulong seed)
    {
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var rng = new Xoshiro256(seed);
        for (int i = n - 1; i > 0; i--)
        {
            int j = (int)NextBelow(ref rng, (ulong)i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    private static ulong NextBelow(ref Xoshiro256 rng, ulong bound)
    {
        // Reject the top partial block of 2^64 so every value below bound is equally likely.
        ulong limit = ulong.MaxValue - ulong.MaxValue % bound;
        ulong x;
        do x = rng.NextUInt64(); while (x >= limit);
        return x % bound;
    }
}
