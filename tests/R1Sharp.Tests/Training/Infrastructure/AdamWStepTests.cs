// TrainingOptimizer.Step writes AdamW out (so no temporary Scalar can be finalized mid-call); it must move the
// parameters and moments exactly as TorchSharp's own AdamW.step does, decay group and no-decay group alike.
using R1Sharp.Training.Infrastructure;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Training.Infrastructure;

public class AdamWStepTests
{
    static (string, Parameter)[] Parameters(long seed)
    {
        using var g = new torch.Generator((ulong)seed);
        return
        [
            ("layer.weight", new Parameter(randn([5, 3], generator: g))),
            ("layer.bias", new Parameter(randn([5], generator: g))),
            ("input_layernorm.weight", new Parameter(randn([3], generator: g))),
            ("unused.weight", new Parameter(randn([2], generator: g))),   // never gets a gradient
        ];
    }

    static void Backward((string, Parameter)[] ps, int step)
    {
        using var scope = NewDisposeScope();
        var x = ps[0].Item2.sum() * 0.5 + (ps[1].Item2 * ps[1].Item2).sum() * (1 + step) + ps[2].Item2.pow(3).sum();
        x.backward();
    }

    [Fact]
    public void Step_equals_torchsharp_adamw_for_five_steps_with_a_changing_learning_rate()
    {
        var mine = Parameters(3);
        var reference = Parameters(3);
        var options = new AdamWOptions(0.01, Beta1: 0.8, Beta2: 0.95, Epsilon: 1e-6, WeightDecay: 0.1);
        using var optimizer = TrainingOptimizer.Create(mine, options);
        // The reference: TorchSharp's AdamW with the same two groups (decay on weights, none on biases and norms).
        var decay = new AdamW.ParamGroup(new[] { reference[0].Item2 }, 0.01, 0.8, 0.95, 1e-6, 0.1, false, false);
        var noDecay = new AdamW.ParamGroup(new[] { reference[1].Item2, reference[2].Item2, reference[3].Item2 }, 0.01, 0.8, 0.95, 1e-6, 0.0, false, false);
        using var adam = new AdamW(new[] { decay, noDecay }, 0.01, 0.8, 0.95, 1e-6, 0.1, false, false);
        for (int step = 0; step < 5; step++)
        {
            double lr = 0.01 * (1 - 0.15 * step);
            optimizer.SetLearningRate(lr);
            foreach (var g in adam.ParamGroups) g.LearningRate = lr;
            optimizer.ZeroGrad();
            adam.zero_grad();
            Backward(mine, step);
            Backward(reference, step);
            optimizer.Step();
            adam.step();
            for (int i = 0; i < mine.Length; i++)
                Assert.True(mine[i].Item2.allclose(reference[i].Item2, rtol: 1e-6, atol: 1e-7),
                    $"step {step + 1}, {mine[i].Item1}: max |Δ| {(mine[i].Item2 - reference[i].Item2).abs().max().item<float>()}");
        }
        Assert.True(mine[3].Item2.allclose(reference[3].Item2, 0, 0));   // no gradient: untouched by both
    }
}
