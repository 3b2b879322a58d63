// The reference table: every loss_type × importance_sampling_level of GrpoLoss.Policy + Aggregate against TRL's
// _compute_loss re-stated in tests/fixtures/grpo/make_loss_reference.py (values and gradients, 1e-6).
using System.Text.Json.Nodes;
using R1Sharp.Training;
using R1Sharp.Training.Grpo;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Training.Grpo;

public class GrpoLossReferenceTests
{
    private static readonly JsonNode Doc = JsonNode.Parse(File.ReadAllText(RepoPaths.Fixture("grpo", "loss_reference.json")))!;

    public static TheoryData<int> Cases()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < Doc["cases"]!.AsArray().Count; i++) data.Add(i);
        return data;
    }

    private static double[] Flat(JsonNode node) => node.AsArray().SelectMany(r => r!.AsArray().Select(v => v!.GetValue<double>())).ToArray();

    private static T ParseEnum<T>(string name) where T : struct, Enum =>
        Enum.GetValues<T>().Single(e => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(e.ToString()) == name);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Loss_and_gradient_match_the_trl_reference(int index)
    {
        var c = Doc["cases"]![index]!;
        using var scope = NewDisposeScope();
        var logp = tensor(Flat(Doc["logp"]!), [2, 3], ScalarType.Float64).requires_grad_();
        var old = tensor(Flat(Doc["old"]!), [2, 3], ScalarType.Float64);
        var reference = tensor(Flat(Doc["ref"]!), [2, 3], ScalarType.Float64);
        var adv = tensor(Doc["advantages"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray(), ScalarType.Float64);
        var mask = tensor(Flat(Doc["mask"]!), [2, 3], ScalarType.Float64);
        var lossType = ParseEnum<LossType>(c["loss_type"]!.GetValue<string>());
        var options = new GrpoLossOptions
        {
            LossType = lossType,
            Level = ParseEnum<ImportanceSamplingLevel>(c["level"]!.GetValue<string>()),
            EpsilonLow = c["epsilon_low"]!.GetValue<double>(), EpsilonHigh = c["epsilon_high"]!.GetValue<double>(),
            Delta = c["delta"]?.GetValue<double>(), SapoTemperaturePos = c["tau_pos"]!.GetValue<double>(),
            SapoTemperatureNeg = c["tau_neg"]!.GetValue<double>(), Beta = c["beta"]!.GetValue<double>(),
            UseBiasCorrectionKl = c["bias_kl"]!.GetValue<bool>(),
        };
        var perToken = GrpoLoss.Policy(logp, old, reference, adv, mask, options);
        Assert.Equal(Flat(c["per_token"]!), perToken.Loss.contiguous().data<double>().ToArray(), new Tolerance(1e-6));
        var loss = GrpoLoss.Aggregate(perToken.Loss, mask, lossType, Doc["max_completion_length"]!.GetValue<int>(), numItemsInBatch: 5);
        Assert.Equal(c["loss"]!.GetValue<double>(), loss.item<double>(), 1e-6);
        loss.backward();
        Assert.Equal(Flat(c["grad"]!), logp.grad!.data<double>().ToArray(), new Tolerance(1e-6));
    }

    private sealed class Tolerance(double eps) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= eps;
        public int GetHashCode(double v) => 0;
    }
}
