// The Bradley-Terry loss of reward modelling on hand-computed pairs (TRL RewardTrainer: −log σ(c − r − margin), mean,
// + center_rewards_coefficient · mean((c + r)²)), the tensor form against the managed one, its gradient, and accuracy.
using R1Sharp.Training.Reward;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Training.Reward;

public class RewardLossTests
{
    // −log σ(2) = log(1 + e^−2) = 0.1269280110, −log σ(0) = log 2 = 0.6931471806, −log σ(1) = 0.3132616875.
    const double Sp2 = 0.1269280110429725, Ln2 = 0.6931471805599453, Sp1 = 0.3132616875182228;

    [Fact]
    public void Loss_of_hand_computed_pairs()
    {
        Assert.Equal((Sp2 + Ln2) / 2, RewardLoss.BradleyTerry([2.0, 0.0], [0.0, 0.0]), 12);
        // A margin asks for more: d = 2 − 0 − 1 = 1.
        Assert.Equal((Sp1 + Ln2) / 2, RewardLoss.BradleyTerry([2.0, 0.0], [0.0, 0.0], [1.0, 0.0]), 12);
        // Centering: mean((c + r)²) = (4 + 0) / 2 = 2, times 0.01.
        Assert.Equal((Sp2 + Ln2) / 2 + 0.02, RewardLoss.BradleyTerry([2.0, 0.0], [0.0, 0.0], centerCoefficient: 0.01), 12);
        // Only the difference matters without centering; a wrong-way pair costs more than a right-way one.
        Assert.Equal(RewardLoss.BradleyTerry([5.0], [3.0]), RewardLoss.BradleyTerry([2.0], [0.0]), 12);
        Assert.Equal(2 + Sp2, RewardLoss.BradleyTerry([0.0], [2.0]), 12);
        // Large gaps stay finite.
        Assert.Equal(0.0, RewardLoss.BradleyTerry([1000.0], [0.0]), 12);
        Assert.Equal(1000.0, RewardLoss.BradleyTerry([0.0], [1000.0]), 9);
    }

    [Fact]
    public void Tensor_loss_matches_and_its_gradient_is_minus_sigmoid_of_minus_d_over_n()
    {
        using var chosen = tensor(new[] { 2.0, 0.0 }, requires_grad: true);
        using var rejected = tensor(new[] { 0.0, 0.0 }, requires_grad: true);
        using var margin = tensor(new[] { 1.0, 0.0 });
        using var loss = RewardLoss.BradleyTerry(chosen, rejected, margin, centerCoefficient: 0.01);
        Assert.Equal((Sp1 + Ln2) / 2 + 0.02, loss.item<double>(), 12);
        loss.backward();
        // d loss / d c_i = −σ(−d_i) / n + 0.01 · 2 (c_i + r_i) / n: pair 0 (d = 1): −0.2689414 / 2 + 0.02; pair 1 (d = 0): −0.25.
        var g = chosen.grad!.data<double>().ToArray();
        Assert.Equal(-0.2689414213699951 / 2 + 0.02, g[0], 12);
        Assert.Equal(-0.25, g[1], 12);
        var gr = rejected.grad!.data<double>().ToArray();
        Assert.Equal(0.2689414213699951 / 2 + 0.02, gr[0], 12);
    }

    [Fact]
    public void Pairwise_accuracy_counts_strict_wins()
    {
        Assert.Equal(0.5, RewardLoss.PairwiseAccuracy([2.0, 0.0], [0.0, 0.0]));
        Assert.Equal(1.0 / 3, RewardLoss.PairwiseAccuracy([1.0, 0.0, -1.0], [0.0, 1.0, -1.0]), 12);
    }

    [Fact]
    public void Preference_rows_join_prompt_and_response_and_refuse_what_they_do_not_know()
    {
        var p = PreferencePairs.Parse("""{"prompt": "Q: 1+1? ", "chosen": "A: 2", "rejected": "A: 3", "margin": 0.5}""", "f.jsonl:1");
        Assert.Equal(new PreferencePair("Q: 1+1? A: 2", "Q: 1+1? A: 3", 0.5), p);
        Assert.Equal(new PreferencePair("good", "bad"), PreferencePairs.Parse("""{"chosen": "good", "rejected": "bad"}""", "x"));
        Assert.Contains("f.jsonl:2: field 'score'", Assert.Throws<R1SharpException>(() =>
            PreferencePairs.Parse("""{"chosen": "a", "rejected": "b", "score": 1}""", "f.jsonl:2")).Message);
        Assert.Contains("\"rejected\" is missing", Assert.Throws<R1SharpException>(() => PreferencePairs.Parse("""{"chosen": "a"}""", "x")).Message);
        Assert.Contains("must be a string", Assert.Throws<R1SharpException>(() =>
            PreferencePairs.Parse("""{"chosen": [{"role": "user", "content": "a"}], "rejected": "b"}""", "x")).Message);
    }
}
