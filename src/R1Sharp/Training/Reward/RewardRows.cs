// Tokenized reward-model inputs: text + EOS (the head reads the EOS position), and right-padded batches with a mask.
using R1Sharp.Text;
using static TorchSharp.torch;

namespace R1Sharp.Training.Reward;

/// <summary>One preference pair, tokenized (EOS included), with its optional margin.</summary>
public sealed record RewardPairRow(int[] Chosen, int[] Rejected, double Margin);

/// <summary>Encoding and collation of reward-model rows.</summary>
public static class RewardRows
{
    /// <summary>
    /// The ids of <paramref name="text"/> (special tokens as the tokenizer adds them) followed by EOS. Longer than
    /// <paramref name="maxLength"/>: with <paramref name="keepEnd"/> the last maxLength ids are kept (scoring the end of
    /// a long text); otherwise the row is returned whole and the caller decides (training drops such pairs, as TRL).
    /// </summary>
    public static int[] Encode(HfTokenizer tokenizer, string text, int maxLength, bool keepEnd)
    {
        var ids = tokenizer.Encode(text, addSpecialTokens: true).ToList();
        if (tokenizer.EosId is { } eos && (ids.Count == 0 || ids[^1] != eos)) ids.Add(eos);
        return keepEnd && ids.Count > maxLength ? [.. ids.Skip(ids.Count - maxLength)] : [.. ids];
    }

    /// <summary>Right-padded (B, T) int64 ids and (B, T) int64 mask (1 real, 0 pad) of <paramref name="rows"/>.</summary>
    public static (Tensor Ids, Tensor Mask) Collate(IReadOnlyList<int[]> rows, int padId)
    {
        int t = Math.Max(1, rows.Max(r => r.Length));
        var ids = new long[rows.Count * t];
        var mask = new long[rows.Count * t];
        for (int b = 0; b < rows.Count; b++)
            for (int i = 0; i < t; i++)
            {
                bool real = i < rows[b].Length;
                ids[b * t + i] = real ? rows[b][i] : padId;
                mask[b * t + i] = real ? 1 : 0;
            }
        return (tensor(ids).reshape(rows.Count, t), tensor(mask).reshape(rows.Count, t));
    }
}
