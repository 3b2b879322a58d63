// SafeOps against hand-computed values and against the TorchSharp forms they replace: the same values bit for bit and
// the same dtype (integer tensors stay integer), since each SafeOps method must run exactly the op its unsafe form runs.
using R1Sharp.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Tensors;

public sealed class SafeOpsTests
{
    static Tensor F(params float[] values) => tensor(values);
    static Tensor L(params long[] values) => tensor(values);
    static Tensor B(params bool[] values) => tensor(values);

    // The SafeOps result equals the unsafe TorchSharp form bit for bit and in dtype, and the hand-checked values (to float
    // rounding: the last bit of e.g. −0.1f/3 is libtorch's business, not this test's).
    static void Same(Tensor safe, Tensor unsafeForm, float[] expected)
    {
        Assert.Equal(unsafeForm.dtype, safe.dtype);
        var actual = safe.to_type(ScalarType.Float32).data<float>().ToArray();
        Assert.True(safe.Equals(unsafeForm), $"[{string.Join(", ", actual)}] differs from the unsafe form");
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(expected[i] == actual[i] || Math.Abs(expected[i] - actual[i]) <= 1e-6 * Math.Abs(expected[i]), $"[{i}] {actual[i]} != {expected[i]}");
    }

    static void SameMask(Tensor safe, Tensor unsafeForm, bool[] expected)
    {
        Assert.Equal(ScalarType.Bool, safe.dtype);
        Assert.True(safe.Equals(unsafeForm));
        Assert.Equal(expected, safe.data<bool>().ToArray());
    }

    [Fact]
    public void Plus_and_minus_of_tensors_equal_the_operators()
    {
        using var scope = NewDisposeScope();
        var a = F(1, 2.5f); var b = F(10, 20);
        Same(a.Plus(b), a + b, [11, 22.5f]);
        Same(a.Minus(b), a - b, [-9, -17.5f]);
        Same(L(1, 2).Plus(L(3, 4)), L(1, 2) + L(3, 4), [4, 6]);
        Same(F(1, 2).PlusInPlace(F(3, 4)), F(1, 2).add_(F(3, 4)), [4, 6]);
        Same(F(1, 2).MinusInPlace(F(3, 4)), F(1, 2).sub_(F(3, 4)), [-2, -2]);
    }

    [Fact]
    public void Plus_scaled_is_libtorch_alpha()
    {
        using var scope = NewDisposeScope();
        Same(F(1, 2).PlusScaled(F(10, 20), 0.5), F(1, 2).add(F(10, 20), 0.5), [6, 12]);
        Same(F(1, 2).PlusScaledInPlace(F(10, 20), -2), F(1, 2).add_(F(10, 20), -2.0), [-19, -38]);
    }

    [Fact]
    public void Arithmetic_with_numbers_equals_the_operators()
    {
        using var scope = NewDisposeScope();
        var x = F(1, 3, -0.1f);
        Same(x.Plus(0.5), x + 0.5, [1.5f, 3.5f, 0.4f]);
        Same(x.Minus(0.5), x - 0.5, [0.5f, 2.5f, -0.6f]);
        Same(x.Times(0.5), x * 0.5, [0.5f, 1.5f, -0.05f]);
        Same(x.DividedBy(3.0), x / 3.0, [1f / 3, 1, -0.1f / 3]);
        Same(x.SubtractedFrom(1.0), 1.0 - x, [0, -2, 1.1f]);
        Same(x.Pow(2.0), x.pow(2.0), [1, 9, 0.010000001f]);
        Same(x.Square(), x.square(), [1, 9, 0.010000001f]);
        Same(x.DividedBy(2), x / 2, [0.5f, 1.5f, -0.05f]);
        Same(x.Times(3), x * 3, [3, 9, -0.3f]);
    }

    [Fact]
    public void Integer_values_keep_integer_tensors_integer()
    {
        using var scope = NewDisposeScope();
        var ids = L(5, 7, -100);
        Same(ids.Plus(1), ids + 1, [6, 8, -99]);
        Same(ids.Minus(1), ids - 1, [4, 6, -101]);
        Same(ids.Times(2), ids * 2, [10, 14, -200]);
        Same(ids.DividedBy(2, RoundingMode.floor), ids.div(2, RoundingMode.floor), [2, 3, -50]);
        Assert.Equal(ScalarType.Int64, ids.Plus(1).dtype);
        Assert.Equal(ScalarType.Float32, ids.Plus(1.0).dtype);   // a double value promotes, as ids + 1.0 does
    }

    [Fact]
    public void In_place_arithmetic_returns_the_tensor_changed()
    {
        using var scope = NewDisposeScope();
        var x = F(1, 2);
        Assert.Same(x, x.PlusInPlace(0.5));
        Same(x, F(1.5f, 2.5f), [1.5f, 2.5f]);
        Same(F(1, 2).TimesInPlace(0.25), F(1, 2).mul_(0.25), [0.25f, 0.5f]);
        Same(F(1, 2).DividedByInPlace(4.0), F(1, 2).div_(4.0), [0.25f, 0.5f]);
    }

    [Fact]
    public void Clamps_equal_torch_clamp()
    {
        using var scope = NewDisposeScope();
        var x = F(0.5f, 1.1f, 3);
        Same(x.Clamp(0.8, 1.2), clamp(x, 0.8, 1.2), [0.8f, 1.1f, 1.2f]);
        Same(x.ClampMin(1.0), x.clamp_min(1.0), [1, 1.1f, 3]);
        Same(x.ClampMin(1), x.clamp_min(1), [1, 1.1f, 3]);
        Same(x.ClampMax(1.0), x.clamp_max(1.0), [0.5f, 1, 1]);
    }

    [Fact]
    public void Fills_write_the_value()
    {
        using var scope = NewDisposeScope();
        Same(F(1, 2).FillInPlace(1.0), F(1, 2).fill_(1.0), [1, 1]);
        var mask = B(false, true, false);
        Same(F(1, 2, 3).MaskedFill(mask, double.NegativeInfinity), F(1, 2, 3).masked_fill(mask, double.NegativeInfinity), [1, float.NegativeInfinity, 3]);
        Same(L(5, 6, 7).MaskedFill(mask, -100), L(5, 6, 7).masked_fill(mask, -100), [5, -100, 7]);
        var y = F(1, 2, 3);
        Assert.Same(y, y.MaskedFillInPlace(mask, 0.0));
        Same(y, F(1, 0, 3), [1, 0, 3]);
    }

    [Fact]
    public void Comparisons_with_numbers_equal_torch_comparisons()
    {
        using var scope = NewDisposeScope();
        var r = F(0.5f, 1, 1.5f);
        SameMask(r.Gt(1.0), r.gt(1.0), [false, false, true]);
        SameMask(r.Ge(1.0), r.ge(1.0), [false, true, true]);
        SameMask(r.Lt(1.0), r.lt(1.0), [true, false, false]);
        SameMask(r.Le(1.0), r.le(1.0), [true, true, false]);
        SameMask(r.Eq(1.0), r.eq(1.0), [false, true, false]);
        SameMask(r.Ne(1.0), r.ne(1.0), [true, false, true]);
        var positions = L(0, 1, 0, (1L << 40) + 1);   // exact on int64 beyond float precision
        SameMask(positions.Eq(0), positions.eq(0), [true, false, true, false]);
        SameMask(positions.Ne(1L << 40), positions.ne(1L << 40), [true, true, true, true]);
        SameMask(positions.Gt(0), positions.gt(0), [false, true, false, true]);
        SameMask(positions.Ge(1), positions.ge(1), [false, true, false, true]);
        SameMask(positions.Lt(1), positions.lt(1), [true, false, true, false]);
        SameMask(positions.Le(0), positions.le(0), [true, false, true, false]);
    }

    [Fact]
    public void Full_and_range_build_the_tensors_of_full_and_arange()
    {
        using var scope = NewDisposeScope();
        Same(SafeOps.Full([2, 1], -100L, ScalarType.Int64, CPU), full(2, 1, -100, ScalarType.Int64), [-100, -100]);
        Same(SafeOps.Full([3], 0.25, ScalarType.Float32, CPU), full(3, 0.25, ScalarType.Float32), [0.25f, 0.25f, 0.25f]);
        Same(SafeOps.Range(2, 3, CPU), arange(2, 5, ScalarType.Int64), [2, 3, 4]);
        Assert.Equal(0, SafeOps.Range(7, 0, CPU).numel());
    }

    [Fact]
    public void Reading_one_element_equals_ToDouble_and_ToInt64()
    {
        using var scope = NewDisposeScope();
        var x = tensor(0.1f);
        Assert.Equal(x.ToDouble(), x.ItemAsDouble());
        Assert.Equal((double)0.1f, x.ItemAsDouble());
        Assert.Equal(42L, tensor(42L).ItemAsInt64());
        Assert.Equal(3L, L(1, 0, 2).sum().ItemAsInt64());
    }

    [Fact]
    public void Static_scalars_have_the_values_and_kinds_torchsharp_makes_from_numbers()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(0L, Scalars.Zero.ToInt64());
        Assert.Equal(1L, Scalars.One.ToInt64());
        Assert.Equal(2L, Scalars.Two.ToInt64());
        Assert.Equal(-1L, Scalars.MinusOne.ToInt64());
        Assert.Equal(double.NegativeInfinity, Scalars.NegativeInfinity.ToDouble());
        Assert.True(Scalars.True.ToBoolean());
        Assert.False(Scalars.False.ToBoolean());
        // An int64 alpha keeps integer adds valid (a float64 alpha is rejected for integer tensors by libtorch).
        Same(L(1, 2).add(L(3, 4), Scalars.One), L(4, 6), [4, 6]);
    }
}
