// Raw access to a TorchSharp tensor's storage for the managed kernels: the data pointer of a contiguous CPU tensor
// (libtorch's THSTensor_data, the call TorchSharp's own accessors use).
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Tensors.Kernels;

/// <summary>Data pointers of contiguous CPU tensors. The caller keeps the tensor alive while it uses the pointer.</summary>
public static unsafe partial class TensorMemory
{
    [LibraryImport("LibTorchSharp")]
    private static partial IntPtr THSTensor_data(IntPtr handle);

    /// <summary>True when <paramref name="t"/> is a contiguous CPU tensor of <paramref name="dtype"/>.</summary>
    public static bool IsDense(Tensor t, ScalarType dtype) =>
        t.device_type == DeviceType.CPU && t.dtype == dtype && t.is_contiguous();

    /// <summary>The first element of a contiguous CPU tensor.</summary>
    /// <exception cref="ArgumentException">The tensor is not contiguous or not on the CPU.</exception>
    public static void* Pointer(Tensor t)
    {
        if (t.device_type != DeviceType.CPU || !t.is_contiguous())
            throw new ArgumentException($"kernel input must be a contiguous CPU tensor, got {t.device_type} shape [{string.Join(", ", t.shape)}]");
        var p = THSTensor_data(t.Handle);
        GC.KeepAlive(t);
        return (void*)p;
    }
}
