// Hand-computed tables for the pure pieces: RoPE frequencies (plain, llama3), cos/sin, rotate_half,
// RMSNorm, SwiGLU and the attention mask over cache slots.
using R1Sharp.Formats.Config;
using R1Sharp.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Models;

public class RopeAndNormTests
{
    private static void Near(double[] expected, Tensor actual, double tol = 1e-6)
    {
        var a = actual.to_type(ScalarType.Float64).contiguous().data<double>().ToArray();
        Assert.Equal(expected.Length, a.Length);
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(expected[i] - a[i]) <= tol, $"[{i}] expected {expected[i]} got {a[i]}");
    }

    [Fact]
    public void Inverse_frequencies_are_theta_to_minus_2i_over_dim()
    {
        Assert.Equal(new float[] { 1f, 0.01f }, Rope.InverseFrequencies(4, 10000));
        var f = Rope.InverseFrequencies(8, 10000);
        Assert.Equal(new[] { 1f, 0.1f, 0.01f, 0.001f }, f);
        Assert.Throws<ArgumentException>(() => Rope.InverseFrequencies(5, 10000));
    }

    [Fact]
    public void Llama3_scaling_keeps_high_divides_low_and_interpolates_the_middle_band()
    {
        // original 8192, factor 8, low 1, high 4: wavelengths < 2048 kept, > 8192 divided by 8.
        var s = new Llama3RopeScaling { Factor = 8, LowFreqFactor = 1, HighFreqFactor = 4, OriginalMaxPositionEmbeddings = 8192 };
        var scaled = Rope.Llama3Scale(new float[] { 1f, 0.001f, 0.0001f }, s);
        Assert.Equal(1f, scaled[0]);                       // wavelength 6.28
        Assert.Equal(0.00021360754, scaled[1], 9);         // wavelength 6283: smooth = (8192/6283.19 − 1)/3
        Assert.Equal(0.0000125, scaled[2], 9);             // wavelength 62832
    }

    [Fact]
    public void Cos_sin_tables_repeat_the_frequencies_over_both_halves_per_position()
    {
        using var positions = tensor(new long[] { 0, 2 }, new long[] { 1, 2 });
        using var inv = tensor(new float[] { 1f, 0.5f });
        var (cos, sin) = Rope.CosSin(positions, inv, ScalarType.Float32);
        Assert.Equal(new long[] { 1, 2, 1, 4 }, cos.shape);
        Near(new[] { 1, 1, 1, 1, Math.Cos(2), Math.Cos(1), Math.Cos(2), Math.Cos(1) }, cos);
        Near(new[] { 0, 0, 0, 0, Math.Sin(2), Math.Sin(1), Math.Sin(2), Math.Sin(1) }, sin);
        cos.Dispose(); sin.Dispose();
    }

    [Fact]
    public void Rotary_application_rotates_halves_at_each_sequences_own_position()
    {
        using var inv = tensor(new float[] { 1f, 0.01f });
        // Two sequences: the first at position 1, the second at position 0 (identity).
        using var positions = tensor(new long[] { 1, 0 }, new long[] { 2, 1 });
        using var x = tensor(new float[] { 1, 2, 3, 4, 1, 2, 3, 4 }, new long[] { 2, 1, 1, 4 });
        var (cos, sin) = Rope.CosSin(positions, inv, ScalarType.Float32);
        using var y = Rope.Apply(x, cos, sin);
        Near(new[] { -1.9841106485555495, 1.959900667496664, 2.4623779024123156, 4.019799668334994, 1, 2, 3, 4 }, y, 1e-6);
        using var r = Rope.RotateHalf(x);
        Near(new double[] { -3, -4, 1, 2, -3, -4, 1, 2 }, r);
        cos.Dispose(); sin.Dispose();
    }

    [Fact]
    public void Rms_norm_scales_by_root_mean_square_in_float32_and_casts_back()
    {
        using var x = tensor(new float[] { 3, 4 }, new long[] { 1, 2 });
        using var w = tensor(new float[] { 1, 2 });
        using var y = RmsNorm.Normalize(x, w, 0.0);
        Near(new[] { 0.848528137423857, 2.262741699796952 }, y);
        using var xb = x.to_type(ScalarType.BFloat16);
        using var wb = w.to_type(ScalarType.BFloat16);
        using var yb = RmsNorm.Normalize(xb, wb, 0.0);
        Assert.Equal(ScalarType.BFloat16, yb.dtype);
        Near(new[] { 0.848528137423857, 2.262741699796952 }, yb, 0.01);
    }

    [Fact]
    public void SwiGlu_is_down_of_silu_gate_times_up()
    {
        using var mlp = new SwiGluMlp("mlp", 2, 1, ScalarType.Float32);
        using (no_grad())
        {
            mlp.gate_proj.weight.copy_(tensor(new float[] { 1, 0 }, new long[] { 1, 2 }));
            mlp.up_proj.weight.copy_(tensor(new float[] { 0, 1 }, new long[] { 1, 2 }));
            mlp.down_proj.weight.copy_(tensor(new float[] { 1, 2 }, new long[] { 2, 1 }));
            using var x = tensor(new float[] { 1, 3 }, new long[] { 1, 1, 2 });
            using var y = mlp.forward(x);
            Near(new[] { 2.193175735890015, 4.38635147178003 }, y);   // silu(1)·3 = 3/(1+e⁻¹)
        }
        // Same numbers through the separate (autograd) path.
        using var x2 = tensor(new float[] { 1, 3 }, new long[] { 1, 1, 2 });
        using var y2 = mlp.forward(x2);
        Near(new[] { 2.193175735890015, 4.38635147178003 }, y2);
    }

    [Fact]
    public void Mask_is_causal_over_slots_excludes_padding_and_always_keeps_the_own_slot()
    {
        using var valid = tensor(new[] { false, true, true }, new long[] { 1, 3 });
        using var mask = DecoderContext.BuildMask(valid, 0, 3);
        Assert.Equal(new long[] { 1, 1, 3, 3 }, mask.shape);
        Assert.Equal(new[] { true, false, false, false, true, false, false, true, true }, mask.data<bool>().ToArray());
        // A decode step at slot 3 after a right-padded prompt [real, real, pad].
        using var valid2 = tensor(new[] { true, true, false, true }, new long[] { 1, 4 });
        using var step = DecoderContext.BuildMask(valid2, 3, 1);
        Assert.Equal(new[] { true, true, false, true }, step.data<bool>().ToArray());
    }
}
