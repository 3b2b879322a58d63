// TorchSharp's native library loads on this machine (the libstdc++ fix of build/ works).
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Platform;

public class TorchSharpLoadsTests
{
    [Fact]
    public void A_tensor_can_be_created_and_multiplied()
    {
        using var a = tensor(new float[] { 1, 2, 3, 4 }, new long[] { 2, 2 });
        using var b = tensor(new float[] { 5, 6, 7, 8 }, new long[] { 2, 2 });
        using var c = matmul(a, b);
        Assert.Equal(new float[] { 19, 22, 43, 50 }, c.data<float>().ToArray());
    }
}
