// Byte-level BPE training in the style of karpathy/minbpe (RegexTokenizer.train), with the incremental
// pair-count updates of HF tokenizers' BpeTrainer so large corpora train in seconds.
using System.Runtime.InteropServices;

namespace R1Sharp.Text.Training;

/// <summary>
/// Trains a byte-level BPE tokenizer. The corpus is NFC-normalized (optional), special tokens are cut out,
/// the rest is pre-tokenized with <see cref="SplitPreTokenizer"/> and identical chunks are counted once with
/// their frequency. Each step then merges the most frequent adjacent pair of token ids across all chunks.
/// </summary>
/// <remarks>
/// Tie-break (deterministic): the highest count wins; among equal counts the smallest pair by ids, comparing the
/// left id then the right id. Worked example (Wikipedia/minbpe): "aaabdaaabac" merges a+a→256 (count 4), then
/// a+b→257 (2, beating 256+a whose left id is larger), then 256+257→258, leaving 258 d 258 a c.
/// Pair counts are kept up to date incrementally: only chunks containing the merged pair are revisited,
/// and a lazy max-heap re-queues pairs whose counts went stale.
/// </remarks>
public static class BpeTrainer
{
    /// <summary>Trains on a sequence of documents (each pre-tokenized on its own).</summary>
    public static BpeTrainingResult Train(IEnumerable<string> documents, BpeTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var (counts, total) = CountChunks(documents, options);
        options.Progress?.Invoke(new BpeTrainingProgress("count", counts.Count, counts.Count));
        var state = new MergeState(counts);
        state.Run(options);
        return new BpeTrainingResult(state.TokenBytes.ToArray(), state.Merges.ToArray(), options.SpecialTokens.ToArray(),
            options.PreTokenizerPatterns.ToArray(), options.NormalizeNfc, counts.Count, total);
    }

    /// <summary>Trains on the lines of <paramref name="reader"/>; each line is a document ending in "\n".</summary>
    public static BpeTrainingResult Train(TextReader reader, BpeTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return Train(ReadLines(reader), options);
    }

    private static IEnumerable<string> ReadLines(TextReader reader)
    {
        while (reader.ReadLine() is { } line) yield return line + "\n";
    }

    /// <summary>Distinct pre-tokenized chunks with their counts, in first-seen order.</summary>
    internal static (Dictionary<string, long> Counts, long Total) CountChunks(IEnumerable<string> documents, BpeTrainerOptions options)
    {
        var splitter = new SplitPreTokenizer(options.PreTokenizerPatterns);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var lookup = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        var pieces = new List<(int Offset, int Length)>();
        long total = 0, docs = 0;
        foreach (string raw in documents)
        {
            string text = options.NormalizeNfc ? NormalizeNfc(raw) : raw;
            foreach (var segment in SplitOnSpecials(text, options.SpecialTokens))
            {
                pieces.Clear();
                var span = text.AsSpan(segment);
                splitter.Split(span, pieces);
                foreach (var (offset, length) in pieces)
                {
                    CollectionsMarshal.GetValueRefOrAddDefault(lookup, span.Slice(offset, length), out _)++;
                }
                total += pieces.Count;
            }
            if (++docs % 100_000 == 0) options.Progress?.Invoke(new BpeTrainingProgress("count", docs, -1));
        }
        return (counts, total);
    }

    // NFC through the tokenizer's Nfc (ICU under InvariantGlobalization); returns `raw` itself when unchanged.
    private static string NormalizeNfc(string raw)
    {
        var normalized = Nfc.Normalize(raw);
        return normalized.SequenceEqual(raw) ? raw : normalized.ToString();
    }

    // The ranges of `text` between occurrences of special tokens (earliest match first, longest on ties).
    internal static IEnumerable<Range> SplitOnSpecials(string text, IReadOnlyList<string> specials)
    {
        int start = 0;
        while (specials.Count > 0)
        {
            int best = -1, bestLength = 0;
            foreach (string s in specials)
            {
                int i = text.IndexOf(s, start, StringComparison.Ordinal);
                if (i >= 0 && (best < 0 || i < best || (i == best && s.Length > bestLength))) (best, bestLength) = (i, s.Length);
            }
            if (best < 0) break;
            if (best > start) yield return start..best;
            start = best + bestLength;
        }
        if (start < text.Length) yield return start..text.Length;
    }
}
