// LoRA adapters in the managed step: after a projection's base product (fp32/bf16 weights or int8/int4 blocks), each
// enabled adapter adds s·B·(A·x) to its part of the output, A and B read in place (fp32), so GRPO's rollouts run on
// the trainer's own frozen base plus its live adapters through the kernels, with no merged copy of the weights.
using R1Sharp.Diagnostics;
using R1Sharp.Models.Lora;
using R1Sharp.Tensors.Kernels;

namespace R1Sharp.Models;

public sealed unsafe partial class DenseDecodeStep
{
    private float[] _loraIn = [], _loraOut = [];

    // y[r, offset_i + j] += s_i·(B_i·(A_i·x[r]))[j] for every part i with an enabled adapter, offset_i the rows of the
    // parts before it (q, k, v or gate, up in the fused matrix).
    private void AddAdapters(IEnumerable<Projection> parts, float* x, int xStride, float* y, int yStride)
    {
        if (_model.Adapters is null) return;
        using var phase = PhaseProfiler.Enter(DecodePhase.Matvec);
        int offset = 0;
        foreach (var part in parts)
        {
            int outputs = (int)part.weight.shape[0];
            if (part.Adapter is { Enabled: true } a) Add(a, x, xStride, y + offset, yStride, outputs);
            offset += outputs;
        }
    }

    private void Add(LoraAdapter adapter, float* x, int xStride, float* y, int yStride, int outputs)
    {
        int rank = (int)adapter.A.shape[0], inputs = (int)adapter.A.shape[1];
        if (_loraIn.Length < _rows * rank) _loraIn = GC.AllocateUninitializedArray<float>(_rows * rank, pinned: true);
        if (_loraOut.Length < _rows * outputs) _loraOut = GC.AllocateUninitializedArray<float>(_rows * outputs, pinned: true);
        float scale = (float)adapter.Scaling;
        fixed (float* low = _loraIn, delta = _loraOut)
        {
            MatMul.Run(new WeightMatrix(TensorMemory.Pointer(adapter.A), WeightFormat.F32, rank, inputs), x, xStride, low, rank, _rows);
            MatMul.Run(new WeightMatrix(TensorMemory.Pointer(adapter.B), WeightFormat.F32, outputs, rank), low, rank, delta, outputs, _rows);
            for (int r = 0; r < _rows; r++)
            {
                float* yr = y + (long)r * yStride, dr = delta + (long)r * outputs;
                for (int j = 0; j < outputs; j++) yr[j] += scale * dr[j];
            }
        }
        GC.KeepAlive(adapter);
    }
}
