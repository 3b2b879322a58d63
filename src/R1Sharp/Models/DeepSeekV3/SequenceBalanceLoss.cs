// The complementary sequence-wise balance loss of DeepSeek-V3 (report §2.1.2, eqs. 17–20; ARCHITECTURES.md §1
// "Auxiliary-loss-free balancing": α = 0.0001). SequenceBalance.cs applies it to every router of a model.
using R1Sharp.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Models.DeepSeekV3;

/// <summary>
/// <c>L_bal = α Σ_i f_i P_i</c> per sequence of T tokens, averaged over the sequences of a batch, with
/// <c>f_i = N_r/(K_r·T) Σ_t 1[token t routes to expert i]</c> (a count, no gradient) and
/// <c>P_i = (1/T) Σ_t s'_{i,t}</c>, <c>s'_{i,t} = s_{i,t} / Σ_j s_{j,t}</c> the sigmoid affinities normalised over all
/// routed experts. Perfect balance gives α (every f_i = 1, Σ_i P_i = 1). The gradient reaches the router weight through
/// P only; the selection bias shifts which experts are chosen (f) and never gets one.
/// </summary>
public static class SequenceBalanceLoss
{
    /// <summary>
    /// The loss for affinities <paramref name="scores"/> (B, T, E) and chosen experts <paramref name="indices"/> (B, T, K).
    /// <paramref name="mask"/> (B, T), 1 = real token, leaves padding out (T is then each sequence's real length);
    /// a sequence with no real token contributes 0. Example (E 4, K 2, α 1, one sequence of 2 tokens):
    /// s = [.8 .6 .4 .2] → s' = [.4 .3 .2 .1], experts {0,1}; s = [.1 .3 .5 .1] → s' = [.1 .3 .5 .1], experts {2,1};
    /// f = 4/(2·2)·[1 2 1 0] = [1 2 1 0], P = [.25 .3 .35 .1], L = .25 + .6 + .35 = 1.2.
    /// </summary>
    public static Tensor Compute(Tensor scores, Tensor indices, double alpha, Tensor? mask = null)
    {
        using var scope = NewDisposeScope();
        long b = scores.shape[0], t = scores.shape[1], e = scores.shape[2], k = indices.shape[2];
        var normalized = scores / scores.sum(-1, keepdim: true);                                   // s' (B, T, E)
        var real = mask is null
            ? ones(b, t, scores.dtype, scores.device)
            : mask.to_type(scores.dtype);                                                           // (B, T)
        var length = real.sum(-1, keepdim: true).ClampMin(1);                                       // T per sequence (B, 1)
        Tensor counts;
        using (no_grad())
        {
            var hits = real.unsqueeze(-1).expand(b, t, k).reshape(b, t * k);
            counts = zeros(b, e, scores.dtype, scores.device).scatter_add_(1, indices.reshape(b, t * k), hits);   // (B, E)
        }
        var f = counts.Times(e / (double)k) / length;                                               // (B, E)
        var p = (normalized * real.unsqueeze(-1)).sum(1) / length;                                  // (B, E)
        return (f * p).sum(-1).mean().Times(alpha).MoveToOuterDisposeScope();
    }
}
