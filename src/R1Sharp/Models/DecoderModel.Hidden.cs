// The decoder's final hidden states (after the last norm, before the LM head): what a sequence-classification head
// reads (HF *ForSequenceClassification's `score` sits on these), e.g. the reward model of `r1 train reward`.
using static TorchSharp.torch;

namespace R1Sharp.Models;

public sealed partial class DecoderModel
{
    /// <summary>
    /// Final normed hidden states (B, T, hidden) of <paramref name="inputIds"/> (B, T) int64; no cache. Padding as in
    /// <see cref="Forward"/>: <paramref name="attentionMask"/> 1 for real tokens, 0 for padding.
    /// </summary>
    public Tensor ForwardHidden(Tensor inputIds, Tensor? positions = null, Tensor? attentionMask = null)
    {
        using var scope = NewDisposeScope();
        using var ctx = Context(inputIds, positions, attentionMask, cache: null);
        var h = Trunk(inputIds, ctx);
        return model.norm.forward(h).MoveToOuterDisposeScope();
    }
}
