// Auxiliary-loss-free balancing (DeepSeek-V3 report §2.1.2): the bias moves by exactly ±γ per expert from the loads of
// the step only, backward never touches it, and the load statistics follow their worked example.
using R1Sharp.Models.DeepSeekV3;
using R1Sharp.Training.Infrastructure;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Models.DeepSeekV3;

public sealed class MoeBalancerTests
{
    [Fact]
    public void UpdateBias_moves_each_expert_by_exactly_gamma_against_a_hand_made_load()
    {
        using var model = TinyDeepSeek.Create(TinyDeepSeek.Config());
        var moe = MoeBalancer.For(model, 0.001)!.Layers[0];
        float[] before = moe.gate.e_score_correction_bias.data<float>().ToArray();
        long[] load = [9, 1, 4, 4, 0, 7, 3, 4];                      // mean 4: over, under, at, at, under, over, under, at
        moe.UpdateBias(load, 0.001);

        float[] after = moe.gate.e_score_correction_bias.data<float>().ToArray();
        float[] expectedDelta = [-0.001f, 0.001f, 0, 0, 0.001f, -0.001f, 0.001f, 0];
        for (int e = 0; e < load.Length; e++) Assert.Equal(before[e] + expectedDelta[e], after[e]);
    }

    [Fact]
    public void AfterOptimizerStep_updates_every_layer_from_the_loads_routed_since_BeginStep()
    {
        var config = TinyDeepSeek.Config(layers: 3);                  // layers 1 and 2 are MoE
        using var model = TinyDeepSeek.Create(config);
        var balancer = MoeBalancer.For(model, 0.01)!;
        Assert.Equal(2, balancer.Layers.Count);
        using var ids = randint(0, config.VocabSize, [3, 10], dtype: ScalarType.Int64);
        using (no_grad()) model.Forward(ids).Dispose();              // e.g. a rollout: must not count
        balancer.BeginStep();
        using (no_grad()) model.Forward(ids).Dispose();
        var loads = balancer.Layers.Select(l => l.Load.ToArray()).ToArray();
        var biases = balancer.Layers.Select(l => l.gate.e_score_correction_bias.data<float>().ToArray()).ToArray();

        var stats = balancer.AfterOptimizerStep();

        for (int i = 0; i < loads.Length; i++)
        {
            Assert.Equal(3 * 10 * config.NumExpertsPerTok, loads[i].Sum());   // one step's tokens × K, not two passes'
            double mean = loads[i].Average();
            var after = balancer.Layers[i].gate.e_score_correction_bias.data<float>().ToArray();
            for (int e = 0; e < loads[i].Length; e++)
                Assert.Equal(biases[i][e] + (float)(0.01 * Math.Sign(mean - loads[i][e])), after[e]);
            Assert.All(balancer.Layers[i].Load, l => Assert.Equal(0, l));       // taken
        }
        Assert.Equal(2 * 3 * 10 * config.NumExpertsPerTok, stats.Assignments);
        Assert.Equal(1.0, stats.ExpertFractions.Sum(), 9);
    }

    [Fact]
    public void Gamma_zero_measures_loads_but_leaves_the_bias()
    {
        using var model = TinyDeepSeek.Create(TinyDeepSeek.Config());
        var balancer = MoeBalancer.For(model, 0)!;
        var before = balancer.Layers.Select(l => l.gate.e_score_correction_bias.data<float>().ToArray()).ToArray();
        using var ids = randint(0, 71, [2, 8], dtype: ScalarType.Int64);
        balancer.BeginStep();
        using (no_grad()) model.Forward(ids).Dispose();
        var stats = balancer.AfterOptimizerStep();

        Assert.True(stats.Assignments > 0 && stats.MaxFraction > 0);
        for (int i = 0; i < before.Length; i++) Assert.Equal(before[i], balancer.Layers[i].gate.e_score_correction_bias.data<float>().ToArray());
    }

    [Fact]
    public void Backward_gives_the_bias_no_gradient_and_the_optimizer_does_not_own_it()
    {
        using var model = TinyDeepSeek.Create(TinyDeepSeek.Config());
        model.train();
        var bias = MoeBalancer.For(model, 0.001)!.Layers[0].gate.e_score_correction_bias;
        float[] before = bias.data<float>().ToArray();
        using var optimizer = TrainingOptimizer.Create(model, new AdamWOptions(1e-2));
        using var ids = randint(0, 71, [2, 8], dtype: ScalarType.Int64);
        using (var scope = NewDisposeScope())
        {
            model.Forward(ids).square().mean().backward();
        }
        optimizer.Step();

        Assert.False(bias.requires_grad);
        Assert.True(bias.grad is null);
        Assert.Equal(before, bias.data<float>().ToArray());
        Assert.DoesNotContain(optimizer.Parameters, p => p.Name.EndsWith("e_score_correction_bias", StringComparison.Ordinal));
        Assert.Contains(optimizer.Parameters, p => p.Name.EndsWith("mlp.gate.weight", StringComparison.Ordinal));
    }

    [Fact]
    public void Load_statistics_follow_the_worked_example()
    {
        var stats = MoeLoadStats.Of([[6, 2, 4], [0, 0, 0]], biasAbsMax: 0.003);   // the idle layer is left out

        Assert.Equal(0.5, stats.MaxFraction, 12);
        Assert.Equal(2.0 / 12, stats.MinFraction, 12);
        Assert.Equal(0.5, stats.MaxViolation, 12);
        Assert.Equal([0.5, 2.0 / 12, 4.0 / 12], stats.ExpertFractions);
        Assert.Equal(12, stats.Assignments);
        var metrics = stats.ToMetrics().ToDictionary();
        Assert.Equal(0.5, metrics["moe/max_vio"], 12);
        Assert.Equal(2.0 / 12, metrics["moe/expert_1_frac"], 12);
        Assert.Equal(0.003, metrics["moe/bias_abs_max"]);
    }

    [Fact]
    public void Dense_models_get_no_balancer_and_negative_gamma_is_refused()
    {
        using var dense = R1Sharp.Models.DecoderModel.Load(Path.Combine(RepoPaths.Root, "models", "tiny-qwen2"));
        Assert.Null(MoeBalancer.For(dense, 0.001));
        using var model = TinyDeepSeek.Create(TinyDeepSeek.Config());
        Assert.Throws<ArgumentOutOfRangeException>(() => MoeBalancer.For(model, -0.001));
    }
}
