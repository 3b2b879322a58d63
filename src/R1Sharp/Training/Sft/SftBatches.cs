// Tokenized SFT rows and micro-batches: completion-only labels (-100 elsewhere, as HF/TRL), truncation, optional
// packing (positions restart per example; targets never cross an example boundary), right padding + attention mask.
using R1Sharp.Text;
using static TorchSharp.torch;

namespace R1Sharp.Training.Sft;

/// <summary>One training row: tokens, whether each token is a loss target, and its RoPE position.</summary>
/// <param name="Ids">Token ids.</param>
/// <param name="Target">True where the token is learned (predicted from the token before it).</param>
/// <param name="Positions">Position of each token within its example (restarts at 0 for each packed example).</param>
public sealed record SftRow(int[] Ids, bool[] Target, int[] Positions)
{
    /// <summary>Tokens in the row.</summary>
    public int Length => Ids.Length;
}

/// <summary>A micro-batch of right-padded rows.</summary>
/// <param name="InputIds">(B, T) int64.</param>
/// <param name="Labels">(B, T) int64: the next token where it is a target, else -100 (the last column is always -100).</param>
/// <param name="AttentionMask">(B, T) int64 1 = real token, or null when no row is padded.</param>
/// <param name="Positions">(B, T) int64 RoPE positions.</param>
/// <param name="Tokens">Real (non-pad) tokens.</param>
/// <param name="LossTokens">Labels that are not -100.</param>
public sealed record SftBatch(Tensor InputIds, Tensor Labels, Tensor? AttentionMask, Tensor Positions, long Tokens, long LossTokens) : IDisposable
{
    /// <summary>Frees the tensors.</summary>
    public void Dispose()
    {
        InputIds.Dispose();
        Labels.Dispose();
        AttentionMask?.Dispose();
        Positions.Dispose();
    }
}

/// <summary>Tokenization, packing and batching.</summary>
public static class SftBatches
{
    /// <summary>The label that excludes a position from the loss (torch cross_entropy ignore_index).</summary>
    public const long IgnoreIndex = -100;

    /// <summary>
    /// Tokenizes one example: BOS first when the tokenizer adds one and the prompt does not already start with it,
    /// then prompt and completion tokens; completion tokens are targets, prompt tokens too unless
    /// <paramref name="completionOnly"/>. Truncated to <paramref name="maxLength"/> tokens from the right.
    /// </summary>
    public static SftRow Tokenize(SftExample example, HfTokenizer tokenizer, bool completionOnly, int maxLength)
    {
        var ids = new List<int>();
        tokenizer.Encode(example.Prompt, ids, addSpecialTokens: false);
        if (tokenizer.AddsBosToken && tokenizer.BosId is int bos && (ids.Count == 0 || ids[0] != bos)) ids.Insert(0, bos);
        int promptLength = ids.Count;
        tokenizer.Encode(example.Completion, ids, addSpecialTokens: false);
        int n = Math.Min(ids.Count, maxLength);
        var target = new bool[n];
        for (int i = 0; i < n; i++) target[i] = !completionOnly || i >= promptLength;
        return new SftRow(ids.Take(n).ToArray(), target, Enumerable.Range(0, n).ToArray());
    }

    /// <summary>
    /// Packs rows in order into rows of at most <paramref name="maxLength"/> tokens without splitting any (a row that
    /// does not fit starts a new one). Positions restart per example; the first token of each example is not a target,
    /// so nothing learns to predict across an example boundary. Example: lengths 3, 2, 4 with max 5 → [3+2], [4].
    /// </summary>
    public static IReadOnlyList<SftRow> Pack(IEnumerable<SftRow> rows, int maxLength)
    {
        var packed = new List<SftRow>();
        var ids = new List<int>(maxLength);
        var target = new List<bool>(maxLength);
        var positions = new List<int>(maxLength);
        void Flush()
        {
            if (ids.Count == 0) return;
            packed.Add(new SftRow(ids.ToArray(), target.ToArray(), positions.ToArray()));
            ids.Clear(); target.Clear(); positions.Clear();
        }
        foreach (var row in rows)
        {
            if (ids.Count + row.Length > maxLength) Flush();
            for (int i = 0; i < row.Length; i++)
            {
                ids.Add(row.Ids[i]);
                target.Add(row.Target[i] && !(i == 0 && ids.Count > 1));
                positions.Add(row.Positions[i]);
            }
        }
        Flush();
        return packed;
    }

    /// <summary>Right-pads <paramref name="rows"/> with <paramref name="padId"/> into one micro-batch.</summary>
    public static SftBatch Collate(IReadOnlyList<SftRow> rows, int padId)
    {
        int b = rows.Count, t = rows.Max(r => r.Length);
        var ids = new long[b * t];
        var labels = new long[b * t];
        var mask = new long[b * t];
        var positions = new long[b * t];
        long tokens = 0, lossTokens = 0;
        for (int r = 0; r < b; r++)
        {
            var row = rows[r];
            for (int i = 0; i < t; i++)
            {
                int k = r * t + i;
                bool real = i < row.Length;
                ids[k] = real ? row.Ids[i] : padId;
                mask[k] = real ? 1 : 0;
                positions[k] = real ? row.Positions[i] : i;
                bool isTarget = i + 1 < row.Length && row.Target[i + 1];
                labels[k] = isTarget ? row.Ids[i + 1] : IgnoreIndex;
                if (real) tokens++;
                if (isTarget) lossTokens++;
            }
        }
        long[] shape = [b, t];
        return new SftBatch(tensor(ids, shape), tensor(labels, shape), tokens == (long)b * t ? null : tensor(mask, shape),
            tensor(positions, shape), tokens, lossTokens);
    }
}
