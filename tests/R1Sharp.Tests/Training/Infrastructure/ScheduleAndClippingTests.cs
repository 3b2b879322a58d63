// Pure training math against hand-computed tables: warm-up + cosine/linear schedules (HF formulas), global-norm
// clipping (torch clip_grad_norm_ semantics), MFU arithmetic and the weight-decay parameter split.
using R1Sharp.Training.Infrastructure;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Training.Infrastructure;

public class ScheduleAndClippingTests
{
    // peak 1, warm-up 2, total 6: warm-up 0, 0.5; then p = 0, 1/4, 2/4, 3/4 → ½(1+cos πp) = 1, 0.853553, 0.5, 0.146447.
    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(1, 0.5)]
    [InlineData(2, 1.0)]
    [InlineData(3, 0.8535533905932737)]
    [InlineData(4, 0.5)]
    [InlineData(5, 0.14644660940672627)]
    [InlineData(6, 0.0)]
    public void Cosine_schedule_matches_hand_values(int step, double expected) =>
        Assert.Equal(expected, LrSchedule.At(step, 1.0, 2, 6), 12);

    // peak 0.5, warm-up 2, total 5, linear: 0, 0.25, then p = 0, 1/3, 2/3, 1 → 0.5, 1/3, 1/6, 0.
    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(1, 0.25)]
    [InlineData(2, 0.5)]
    [InlineData(3, 0.3333333333333333)]
    [InlineData(4, 0.16666666666666666)]
    [InlineData(5, 0.0)]
    public void Linear_schedule_matches_hand_values(int step, double expected) =>
        Assert.Equal(expected, LrSchedule.At(step, 0.5, 2, 5, LrSchedulerType.Linear), 12);

    // peak 1, warm-up 2, total 6, floor 0.1: factor f as above, lr = 0.1 + 0.9·f (HF cosine_with_min_lr).
    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(1, 0.5)]
    [InlineData(2, 1.0)]
    [InlineData(4, 0.55)]
    [InlineData(6, 0.1)]
    public void Cosine_schedule_with_a_floor_decays_to_the_floor(int step, double expected) =>
        Assert.Equal(expected, LrSchedule.At(step, 1.0, 2, 6, LrSchedulerType.Cosine, minLrRate: 0.1), 12);

    [Fact]
    public void Constant_schedule_stays_at_peak_after_warmup()
    {
        Assert.Equal(0.1, LrSchedule.At(1, 0.2, 2, 10, LrSchedulerType.Constant), 12);
        Assert.Equal(0.2, LrSchedule.At(9, 0.2, 2, 10, LrSchedulerType.Constant), 12);
        Assert.Equal(1.0, LrSchedule.At(0, 1.0, 0, 10), 12); // no warm-up: step 0 at peak
    }

    [Theory]
    [InlineData(5, 0.0, 100, 5)]
    [InlineData(0, 0.1, 100, 10)]
    [InlineData(0, 0.05, 30, 2)] // ⌈1.5⌉
    [InlineData(0, 0.0, 30, 0)]
    public void Warmup_steps_come_from_steps_or_ceil_of_ratio(int steps, double ratio, int total, int expected) =>
        Assert.Equal(expected, LrSchedule.WarmupSteps(steps, ratio, total));

    [Fact]
    public void Clipping_returns_the_preclip_norm_and_scales_to_max_norm()
    {
        using var a = new Parameter(tensor(new float[] { 0 }));
        using var b = new Parameter(tensor(new float[] { 0 }));
        a.grad = tensor(new float[] { 3 });
        b.grad = tensor(new float[] { 4 });
        double norm = GradientClipping.ClipGlobalNorm([a, b], 1.0);
        Assert.Equal(5.0, norm, 5);
        Assert.Equal(0.6, a.grad!.item<float>(), 5);
        Assert.Equal(0.8, b.grad!.item<float>(), 5);
    }

    [Fact]
    public void Clipping_leaves_small_gradients_and_zero_max_norm_alone()
    {
        using var a = new Parameter(tensor(new float[] { 0, 0 }));
        a.grad = tensor(new float[] { 0.3f, 0.4f });
        Assert.Equal(0.5, GradientClipping.ClipGlobalNorm([a], 1.0), 5);
        Assert.Equal(0.3f, a.grad!.data<float>()[0], 6);
        a.grad = tensor(new float[] { 30, 40 });
        Assert.Equal(50.0, GradientClipping.ClipGlobalNorm([a], 0.0), 4);
        Assert.Equal(30f, a.grad!.data<float>()[0], 4);
    }

    [Fact]
    public void Mfu_is_six_n_tokens_over_peak() =>
        Assert.Equal(6.0 * 4.7e6 * 7e3 / 2.8e11, MatmulRate.Mfu(4_700_000, 7000, 280), 12);

    [Fact]
    public void Matmul_rate_is_positive() => Assert.True(MatmulRate.Measure(256, TimeSpan.FromMilliseconds(30)) > 0.1);

    [Theory]
    [InlineData("model.layers.0.self_attn.q_proj.weight", true)]
    [InlineData("model.layers.0.self_attn.q_proj.bias", false)]
    [InlineData("model.layers.0.input_layernorm.weight", false)]
    [InlineData("model.layers.0.post_attention_layernorm.weight", false)]
    [InlineData("model.norm.weight", false)]
    [InlineData("model.embed_tokens.weight", true)]
    [InlineData("lm_head.weight", true)]
    public void Weight_decay_skips_biases_and_norms(string name, bool decays) =>
        Assert.Equal(decays, TrainingOptimizer.DecaysWeight(name));
}
