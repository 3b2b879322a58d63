// SafeOps: factories that need no temporary Scalar, and reading a one-element tensor (TorchSharp's ToDouble()/ToInt64()
// go through a temporary Scalar too).
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Tensors;

public static partial class SafeOps
{
    // ---- factories -------------------------------------------------------------------------------------------------

    /// <summary>A new tensor of <paramref name="shape"/> filled with <paramref name="value"/> (<c>torch.full</c>); an
    /// integer value for labels and ids. Example: Full([2, 1], −100, Int64, CPU) = [[−100], [−100]].</summary>
    public static Tensor Full(long[] shape, Number value, ScalarType dtype, Device device)
    {
        using var s = value.ToScalar();
        return full(shape, s, dtype, device);
    }

    /// <summary>
    /// <c>[start, start + count)</c> as an int64 tensor, built from a managed array (TorchSharp's <c>arange</c> takes its
    /// bounds as temporary Scalars). Example: Range(2, 3) = [2, 3, 4].
    /// </summary>
    public static Tensor Range(long start, long count, Device device)
    {
        var values = new long[count];
        for (long i = 0; i < count; i++) values[i] = start + i;
        return tensor(values, device: device);
    }

    // ---- reading one element ---------------------------------------------------------------------------------------

    /// <summary>The value of a one-element tensor of any dtype as a double (TorchSharp's <c>ToDouble()</c>, whose
    /// temporary Scalar is kept alive here).</summary>
    public static double ItemAsDouble(this Tensor a)
    {
        using var s = a.ToScalar();
        return s.ToDouble();
    }

    /// <summary>The value of a one-element tensor of any dtype as an int64 (TorchSharp's <c>ToInt64()</c>, made safe).</summary>
    public static long ItemAsInt64(this Tensor a)
    {
        using var s = a.ToScalar();
        return s.ToInt64();
    }
}
