// The Bradley-Terry loss of reward modelling with TRL RewardTrainer semantics: −log σ(r_chosen − r_rejected − margin),
// averaged over pairs, plus center_rewards_coefficient · mean((r_chosen + r_rejected)²) (Eisenstein et al. 2023,
// arXiv 2312.09244 eq. 2) when set; pairwise accuracy counts pairs with r_chosen > r_rejected.
using R1Sharp.Tensors;
using static TorchSharp.torch;

namespace R1Sharp.Training.Reward;

/// <summary>The loss and metrics as pure functions: on managed arrays (tests, evaluation) and on tensors (training).</summary>
public static class RewardLoss
{
    /// <summary>
    /// Mean of −log σ(c − r − m) over pairs, plus <paramref name="centerCoefficient"/> · mean((c + r)²) when not null.
    /// Example: c = [2, 0], r = [0, 0], no margin: (−log σ(2) − log σ(0)) / 2 = (0.126928 + 0.693147) / 2 = 0.410038.
    /// </summary>
    public static double BradleyTerry(ReadOnlySpan<double> chosen, ReadOnlySpan<double> rejected, ReadOnlySpan<double> margin = default,
        double? centerCoefficient = null)
    {
        if (chosen.Length != rejected.Length || chosen.Length == 0) throw new ArgumentException("chosen and rejected need the same, non-zero length");
        if (!margin.IsEmpty && margin.Length != chosen.Length) throw new ArgumentException("margin needs one value per pair");
        double loss = 0, center = 0;
        for (int i = 0; i < chosen.Length; i++)
        {
            double d = chosen[i] - rejected[i] - (margin.IsEmpty ? 0 : margin[i]);
            loss += Softplus(-d); // −log σ(d) = log(1 + e^(−d)), computed stably
            center += (chosen[i] + rejected[i]) * (chosen[i] + rejected[i]);
        }
        return loss / chosen.Length + (centerCoefficient is { } k ? k * center / chosen.Length : 0);
    }

    /// <summary>Share of pairs whose chosen reward is strictly above the rejected one (ties count as wrong).</summary>
    public static double PairwiseAccuracy(ReadOnlySpan<double> chosen, ReadOnlySpan<double> rejected)
    {
        if (chosen.Length != rejected.Length || chosen.Length == 0) throw new ArgumentException("chosen and rejected need the same, non-zero length");
        int right = 0;
        for (int i = 0; i < chosen.Length; i++) if (chosen[i] > rejected[i]) right++;
        return (double)right / chosen.Length;
    }

    /// <summary>The same loss on tensors (B) with autograd; <paramref name="margin"/> (B) or null.</summary>
    public static Tensor BradleyTerry(Tensor chosen, Tensor rejected, Tensor? margin = null, double? centerCoefficient = null)
    {
        using var scope = NewDisposeScope();
        var d = chosen.Minus(rejected);
        if (margin is not null) d = d.Minus(margin);
        var loss = nn.functional.logsigmoid(d).mean().neg();
        if (centerCoefficient is { } k) loss = loss.Plus(chosen.Plus(rejected).Square().mean().Times(k));
        return loss.MoveToOuterDisposeScope();
    }

    private static double Softplus(double x) => x > 0 ? x + Math.Log(1 + Math.Exp(-x)) : Math.Log(1 + Math.Exp(x));
}
