// Length-aware rewards: open-r1's cosine-scaled reward (from "Demystifying Long CoT", arXiv 2502.03373)
// and DAPO's soft overlong punishment R_len (R1-METHOD.md §1, §2). Lengths are in tokens.
namespace R1Sharp.Rewards;

public static partial class RewardFunctions
{
    /// <summary>
    /// Cosine length-scaled correctness: shorter correct answers earn more, shorter wrong answers lose more
    /// (<see cref="CosineScaled"/>). Null when there is no parsable gold answer (open-r1 gives 1.0 there; a skipped
    /// sample should not look like a good one). The length is <see cref="RewardInput.CompletionTokens"/>.
    /// </summary>
    public static RewardFunction Cosine(CosineOptions? options = null)
    {
        options ??= new CosineOptions();
        options.Validate();
        return input =>
        {
            if (MathAnswer.Score(input.Completion, input.Gold, options.Answer) is not { } correct) return null;
            int maxLength = options.MaxLength > 0 ? options.MaxLength : input.MaxCompletionLength;
            if (maxLength <= 0)
                throw new R1SharpException("reward 'cosine': max_len is 0 and the input has no MaxCompletionLength; set max_len.");
            return CosineScaled(correct, input.CompletionTokens, maxLength, options);
        };
    }

    /// <summary>
    /// <c>progress = clamp(length / maxLength, 0, 1)</c>, <c>r = lo + ½(hi − lo)(1 + cos(π·progress))</c>, where for a
    /// correct answer (lo, hi) = (MinValueCorrect, MaxValueCorrect) and for a wrong one (lo, hi) = (MaxValueWrong,
    /// MinValueWrong) (swapped, so length softens the penalty). Unlike open-r1, progress is clamped: past max_len
    /// its cosine would climb back up.
    /// Example (defaults, maxLength 1000): correct at 500 tokens gives 0.5 + 0.25·(1 + 0) = 0.75.
    /// </summary>
    public static double CosineScaled(bool correct, int length, int maxLength, CosineOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLength);
        double progress = Math.Clamp((double)length / maxLength, 0.0, 1.0);
        double cosine = Math.Cos(progress * Math.PI);
        var (lo, hi) = correct
            ? (options.MinValueCorrect, options.MaxValueCorrect)
            : (options.MaxValueWrong, options.MinValueWrong);
        return lo + 0.5 * (hi - lo) * (1.0 + cosine);
    }

    /// <summary>DAPO soft overlong punishment of <see cref="RewardInput.CompletionTokens"/>; see <see cref="OverlongPenalty"/>.</summary>
    public static RewardFunction Overlong(OverlongOptions? options = null)
    {
        options ??= new OverlongOptions();
        options.Validate();
        return input =>
        {
            int maxLength = options.MaxCompletionLength > 0 ? options.MaxCompletionLength : input.MaxCompletionLength;
            if (maxLength <= 0)
                throw new R1SharpException("reward 'overlong': max_completion_len is 0 and the input has no MaxCompletionLength; set max_completion_len.");
            if (options.SoftPunishCache > maxLength)
                throw new R1SharpException(
                    $"reward 'overlong': soft_punish_cache ({options.SoftPunishCache}) exceeds max_completion_len ({maxLength}); set it ≤ L_max (DAPO uses L_max/5).");
            return OverlongPenalty(input.CompletionTokens, maxLength, options.SoftPunishCache);
        };
    }

    /// <summary>
    /// DAPO R_len: 0 when <c>length ≤ L_max − L_cache</c>; <c>((L_max − L_cache) − length) / L_cache</c> inside the cache
    /// band (falls linearly from 0 to −1); −1 beyond L_max.
    /// Example: L_max 100, L_cache 20, length 90 gives (80 − 90)/20 = −0.5.
    /// </summary>
    public static double OverlongPenalty(int length, int maxLength, int cache)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cache);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(cache, maxLength);
        int expected = maxLength - cache;
        if (length <= expected) return 0.0;
        if (length <= maxLength) return (double)(expected - length) / cache;
        return -1.0;
    }
}
