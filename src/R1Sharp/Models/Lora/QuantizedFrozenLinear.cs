// A frozen int8/int4 projection that passes gradients to its input (QLoRA, Dettmers et al. 2023): the forward runs
// QuantizedLinear; the backward computes ∂L/∂x = ∂L/∂y · W by dequantizing W a slice of output rows at a time, so no
// full-precision copy of W is kept for backward (autograd would hold one per layer otherwise).
using R1Sharp.Tensors;
using R1Sharp.Tensors.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Models.Lora;

/// <summary><c>y = x·Wᵀ + b</c> for a quantized, frozen W, differentiable in x.</summary>
internal sealed class QuantizedFrozenLinear : autograd.SingleTensorFunction<QuantizedFrozenLinear>
{
    /// <summary>Values per dequantized slice in backward (64 MB in fp32).</summary>
    private const long SliceElements = 1 << 24;

    /// <inheritdoc/>
    public override string Name => nameof(QuantizedFrozenLinear);

    /// <summary>QuantizedLinear.Forward, through this function when x needs a gradient.</summary>
    public static Tensor Forward(Tensor x, QuantizedMatrix w, Tensor? bias) =>
        is_grad_enabled() && x.requires_grad
            ? apply(x, new Holder(w, bias))
            : QuantizedLinear.Forward(x, w, bias);

    /// <inheritdoc/>
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        var holder = (Holder)vars[1];
        ctx.save_data("w", holder);
        ctx.save_data("dtype", x.dtype);
        return QuantizedLinear.Forward(x, holder.Weights, holder.Bias);
    }

    /// <inheritdoc/>
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor gradOutput)
    {
        var w = ((Holder)ctx.get_data("w")).Weights;
        var dtype = (ScalarType)ctx.get_data("dtype");
        return [InputGradient(gradOutput, w, dtype), null!];
    }

    /// <summary>∂L/∂x = g·W for g (…, out): Σ over row slices of g[:, slice]·W[slice, :], in fp32, returned in <paramref name="dtype"/>.</summary>
    internal static unsafe Tensor InputGradient(Tensor g, QuantizedMatrix w, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var rows = g.reshape(-1, w.Rows).to_type(ScalarType.Float32);
        var sum = zeros(rows.shape[0], w.Columns, ScalarType.Float32);
        int slice = (int)Math.Clamp(SliceElements / w.Columns, 1, w.Rows);
        for (int start = 0; start < w.Rows; start += slice)
        {
            int count = Math.Min(slice, w.Rows - start);
            using var weights = empty(count, w.Columns, dtype: ScalarType.Float32);
            w.Dequantize(start, count, TensorMemory.Pointer(weights), WeightFormat.F32);
            using var part = rows.narrow(1, start, count).matmul(weights);
            sum.PlusInPlace(part);
        }
        var shape = g.shape.ToArray();
        shape[^1] = w.Columns;
        return sum.reshape(shape).to_type(dtype).MoveToOuterDisposeScope();
    }

    /// <summary>Carries the matrix and bias through apply's object list (only tensors are tracked there).</summary>
    private sealed record Holder(QuantizedMatrix Weights, Tensor? Bias);
}
