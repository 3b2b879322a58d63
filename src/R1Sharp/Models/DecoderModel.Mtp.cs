// The training forward with DeepSeek-V3 Multi-Token Prediction (V3 report §2.2, depth D = 1; vLLM deepseek_mtp): one
// trunk pass feeds both the main head and the first MTP layer, so the MTP loss costs no second pass of the model.
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Models;

public sealed partial class DecoderModel
{
    /// <summary>
    /// Main logits (B, T, V) and, when <paramref name="withMtp"/> and <see cref="Mtp"/> is attached, the depth-1 MTP
    /// logits (B, T, V): column t combines the last decoder layer's output at t (before the final norm) with the
    /// embedding of token t+1 and predicts token t+2 (the last column's "next token" is a stand-in; its prediction has no
    /// target, see <see cref="DeepSeekV3.MtpTargets.Labels"/>). The MTP layer attends causally over the MTP sequence
    /// with the same positions and padding mask as the main pass. No cache: this is the training/scoring forward.
    /// <paramref name="packed"/> as in <see cref="Forward"/>.
    /// </summary>
    public (Tensor Logits, Tensor? MtpLogits) ForwardWithMtp(Tensor inputIds, Tensor? positions = null, Tensor? attentionMask = null,
        bool withMtp = true, bool packed = false)
    {
        using var scope = NewDisposeScope();
        long t = inputIds.shape[1];
        using var ctx = Context(inputIds, positions, attentionMask, cache: null, packed);
        var h = Trunk(inputIds, ctx);                                                      // (B, T, hidden)
        var logits = Head(h);
        Tensor? mtpLogits = null;
        if (withMtp && Mtp is { } mtp)
        {
            var nextIds = t > 1 ? cat(new[] { inputIds.narrow(1, 1, t - 1), inputIds.narrow(1, t - 1, 1) }, 1) : inputIds;
            mtpLogits = mtp.Layers[0].Forward(h, nextIds, ctx).MoveToOuterDisposeScope();
        }
        return (logits.MoveToOuterDisposeScope(), mtpLogits);
    }
}
