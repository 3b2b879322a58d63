// Turning a model's weight tensors into QuantizedMatrix form and giving their memory back: a released parameter keeps
// its shape and dtype (parameter counts, inspect and shape checks still read it) but points at one shared element
// with zero strides, so the fp32/bf16 matrix is freed once nothing else views it.
using R1Sharp.Tensors.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Models;

internal static unsafe class QuantizedWeights
{
    /// <summary>A contiguous fp32 or bf16 CPU matrix quantized to <paramref name="format"/>.</summary>
    public static QuantizedMatrix FromTensor(Tensor weight, QuantFormat format)
    {
        var source = weight.dtype switch
        {
            ScalarType.Float32 => WeightFormat.F32,
            ScalarType.BFloat16 => WeightFormat.Bf16,
            _ => throw new R1SharpException($"{format} quantization reads fp32 or bf16 weights, got {weight.dtype}"),
        };
        if (weight.dim() != 2 || weight.shape[1] % QuantizedMatrix.BlockSize != 0)
            throw new R1SharpException($"{format} weights need matrices whose rows are multiples of {QuantizedMatrix.BlockSize} values, got [{string.Join(", ", weight.shape)}]");
        var m = QuantizedMatrix.Quantize(TensorMemory.Pointer(weight), source, (int)weight.shape[0], (int)weight.shape[1], format);
        GC.KeepAlive(weight);
        return m;
    }

    /// <summary>Points <paramref name="parameter"/> at a single element broadcast to its shape, freeing its storage.</summary>
    public static void Release(Tensor parameter)
    {
        using var noGrad = no_grad();
        using var one = zeros(1, dtype: parameter.dtype);
        using var placeholder = one.expand(parameter.shape);
        parameter.set_(placeholder);
    }
}
