// The merge loop of BpeTrainer: chunk words as id arrays, pair counts with the chunks they occur in, and a
// lazy max-heap ordered by (count desc, left id asc, right id asc). Follows HF tokenizers bpe/trainer.rs.
using System.Runtime.InteropServices;
using System.Text;

namespace R1Sharp.Text.Training;

/// <summary>Mutable state of one BPE training run; not thread-safe, used once.</summary>
internal sealed class MergeState
{
    private readonly int[][] _words;      // token ids of each distinct chunk, merged in place
    private readonly int[] _lengths;      // live length of each word
    private readonly long[] _wordCounts;  // occurrences of each chunk in the corpus
    private readonly int[] _visited;      // last merge step that processed the word
    private readonly Dictionary<long, long> _pairCounts = new();
    private readonly Dictionary<long, List<int>> _where = new();  // words that contain (or once contained) the pair
    private readonly PriorityQueue<long, (long Count, long Key)> _heap = new(PairOrder.Instance);
    private readonly Dictionary<string, int> _idByBytes = new(StringComparer.Ordinal);
    private readonly HashSet<long> _grown = new();

    public List<byte[]> TokenBytes { get; } = new(512);
    public List<(int, int)> Merges { get; } = new(512);

    public MergeState(Dictionary<string, long> chunkCounts)
    {
        for (int b = 0; b < 256; b++) AddToken([(byte)b]);
        int n = chunkCounts.Count;
        (_words, _lengths, _wordCounts, _visited) = (new int[n][], new int[n], new long[n], new int[n]);
        int w = 0;
        foreach (var (chunk, count) in chunkCounts)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(chunk);
            var ids = new int[bytes.Length];
            for (int i = 0; i < bytes.Length; i++) ids[i] = bytes[i];
            (_words[w], _lengths[w], _wordCounts[w]) = (ids, ids.Length, count);
            CountPairs(w, count, IndexAll);
            w++;
        }
        foreach (var (key, count) in _pairCounts) _heap.Enqueue(key, (count, key));
    }

    private static long Key(int a, int b) => ((long)a << 32) | (uint)b;

    private int AddToken(byte[] bytes)
    {
        string name = ByteLevelAlphabet.Encode(bytes);
        if (_idByBytes.TryGetValue(name, out int existing)) return existing;
        TokenBytes.Add(bytes);
        _idByBytes.Add(name, TokenBytes.Count - 1);
        return TokenBytes.Count - 1;
    }

    /// <summary>Merges until <see cref="BpeTrainerOptions.MergeTarget"/> new tokens exist or no pair is frequent enough.</summary>
    public void Run(BpeTrainerOptions options)
    {
        int target = options.MergeTarget;
        int reportEvery = Math.Max(1, target / 100);
        while (TokenBytes.Count - 256 < target && PopBest(options.MinFrequency) is { } best)
        {
            int a = (int)(best >> 32), b = (int)(best & 0xFFFFFFFF);
            int merged = AddToken([.. TokenBytes[a], .. TokenBytes[b]]);
            Merges.Add((a, b));
            ApplyMerge(best, a, b, merged, Merges.Count);
            if (Merges.Count % reportEvery == 0) options.Progress?.Invoke(new BpeTrainingProgress("merge", TokenBytes.Count - 256, target));
        }
        options.Progress?.Invoke(new BpeTrainingProgress("merge", TokenBytes.Count - 256, target));
    }

    // Pops heap entries until one is current; stale ones are re-queued with their real count.
    private long? PopBest(int minFrequency)
    {
        while (_heap.TryDequeue(out long key, out var entry))
        {
            long actual = _pairCounts.GetValueOrDefault(key);
            if (actual == 0) continue;
            if (actual != entry.Count)
            {
                _heap.Enqueue(key, (actual, key));
                continue;
            }
            return actual >= minFrequency ? key : null;
        }
        return null;
    }

    // Rewrites every word holding (a, b); its pair counts are removed before and re-added after, so
    // overlapping runs such as "aaa" stay exact. Only pairs containing `merged` can grow: they are re-queued.
    private void ApplyMerge(long key, int a, int b, int merged, int step)
    {
        if (!_where.Remove(key, out var words)) return;
        _grown.Clear();
        foreach (int w in words)
        {
            if (_visited[w] == step) continue;
            _visited[w] = step;
            if (!Contains(w, a, b)) continue;
            CountPairs(w, -_wordCounts[w], IndexNone);
            MergeWord(w, a, b, merged);
            CountPairs(w, _wordCounts[w], merged);
        }
        _pairCounts.Remove(key);
        foreach (long grown in _grown)
        {
            if (_pairCounts.TryGetValue(grown, out long c)) _heap.Enqueue(grown, (c, grown));
        }
    }

    private bool Contains(int w, int a, int b)
    {
        int[] ids = _words[w];
        for (int i = 0, n = _lengths[w] - 1; i < n; i++)
            if (ids[i] == a && ids[i + 1] == b) return true;
        return false;
    }

    private void MergeWord(int w, int a, int b, int merged)
    {
        int[] ids = _words[w];
        int n = _lengths[w], o = 0;
        for (int i = 0; i < n; i++)
        {
            if (i + 1 < n && ids[i] == a && ids[i + 1] == b) { ids[o++] = merged; i++; }
            else ids[o++] = ids[i];
        }
        _lengths[w] = o;
    }

    private const int IndexAll = -2, IndexNone = -1;

    // Adds `delta` to the count of every adjacent pair of word w. Pairs are added to the word index when
    // `indexToken` is IndexAll (first pass) or when they contain `indexToken` (then they are also re-queued).
    private void CountPairs(int w, long delta, int indexToken)
    {
        int[] ids = _words[w];
        for (int i = 0, n = _lengths[w] - 1; i < n; i++)
        {
            long key = Key(ids[i], ids[i + 1]);
            ref long count = ref CollectionsMarshal.GetValueRefOrAddDefault(_pairCounts, key, out _);
            count += delta;
            if (count == 0) { _pairCounts.Remove(key); continue; }
            if (indexToken == IndexAll) Index(key, w);
            else if (indexToken >= 0 && (ids[i] == indexToken || ids[i + 1] == indexToken))
            {
                Index(key, w);
                _grown.Add(key);
            }
        }
    }

    private void Index(long key, int w)
    {
        ref List<int>? list = ref CollectionsMarshal.GetValueRefOrAddDefault(_where, key, out _);
        list ??= new List<int>(4);
        if (list.Count == 0 || list[^1] != w) list.Add(w);
    }

    /// <summary>Higher count first; equal counts by smaller key, i.e. smaller (left id, right id).</summary>
    private sealed class PairOrder : IComparer<(long Count, long Key)>
    {
        public static readonly PairOrder Instance = new();
        public int Compare((long Count, long Key) x, (long Count, long Key) y) =>
            x.Count != y.Count ? y.Count.CompareTo(x.Count) : x.Key.CompareTo(y.Key);
    }
}
