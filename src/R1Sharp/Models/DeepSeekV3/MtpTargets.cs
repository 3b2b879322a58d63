// Targets of the depth-1 Multi-Token Prediction loss (DeepSeek-V3 report §2.2, eq. 24): the MTP head at position t
// predicts token t+2, so its labels are the main labels shifted one column left, within one packed example only.
using R1Sharp.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Models.DeepSeekV3;

/// <summary>Label shifting for the MTP loss <c>L_MTP = CE(mtp_logits[t], token[t+2])</c>.</summary>
public static class MtpTargets
{
    /// <summary>
    /// MTP labels (B, T) from next-token <paramref name="labels"/> (B, T; labels[t] = token t+1 or
    /// <paramref name="ignoreIndex"/>): <c>mtp[t] = labels[t+1]</c>, so padding and prompt (non-target) tokens stay
    /// ignored; the last column has no token t+2 and is ignored. With <paramref name="positions"/> (B, T), a column
    /// whose next token starts another packed example (positions[t+1] ≠ positions[t] + 1) is ignored too, so no MTP
    /// target crosses an example boundary. Example: labels [5 6 7 −100] → [6 7 −100 −100]; a packed row with positions
    /// [0 1 0 1 2] and labels [5 −100 7 8 −100] → [−100 −100 8 −100 −100] (column 1 would predict column 3's token from
    /// the other example).
    /// </summary>
    public static Tensor Labels(Tensor labels, Tensor? positions = null, long ignoreIndex = -100)
    {
        using var scope = NewDisposeScope();
        long b = labels.shape[0], t = labels.shape[1];
        var ignore = SafeOps.Full([b, 1], ignoreIndex, labels.dtype, labels.device);
        if (t < 2) return ignore.expand(b, t).clone().MoveToOuterDisposeScope();
        var shifted = cat(new[] { labels.narrow(1, 1, t - 1), ignore }, 1);                   // (B, T)
        if (positions is not null)
        {
            var continues = positions.narrow(1, 1, t - 1).eq(positions.narrow(1, 0, t - 1).Plus(1));   // (B, T−1)
            var keep = cat(new[] { continues, zeros(b, 1, ScalarType.Bool, labels.device) }, 1);
            shifted = shifted.MaskedFill(keep.logical_not(), ignoreIndex);
        }
        return shifted.MoveToOuterDisposeScope();
    }

    /// <summary>Labels of <see cref="Labels"/> that are targets (≠ <paramref name="ignoreIndex"/>).</summary>
    public static long Count(Tensor mtpLabels, long ignoreIndex = -100)
    {
        using var ne = mtpLabels.Ne(ignoreIndex);
        using var sum = ne.sum();
        return sum.ItemAsInt64();
    }
}
