// The per-row bookkeeping of the managed step: embedding lookup, RoPE tables per position, pinned scratch rows.
using R1Sharp.Diagnostics;
using R1Sharp.Tensors.Kernels;

namespace R1Sharp.Models;

public sealed unsafe partial class DenseDecodeStep
{
    private void Embed(ReadOnlySpan<long> ids, float* x)
    {
        var table = _model.model.embed_tokens.weight;
        byte* rows = (byte*)TensorMemory.Pointer(table);
        int size = _format == WeightFormat.F32 ? 4 : 2;
        for (int r = 0; r < _rows; r++)
            DecodeOps.ToSingle(rows + ids[r] * _hidden * size, _format, _hidden, x + (long)r * _hidden);
        GC.KeepAlive(table);
    }

    private void Tables(ReadOnlySpan<long> positions)
    {
        using var phase = PhaseProfiler.Enter(DecodePhase.NormRope);
        fixed (float* cos = _cos, sin = _sin)
            for (int r = 0; r < _rows; r++)
                DecodeOps.RopeTables(positions[r], _model.InverseFrequencies, cos + (long)r * _headDim, sin + (long)r * _headDim);
    }

    // Pinned scratch rows for `rows` sequences (grown, never shrunk).
    private void Allocate(int rows)
    {
        _rows = rows;
        if (_x.Length >= rows * _hidden) return;
        static float[] New(long n) => GC.AllocateUninitializedArray<float>((int)n, pinned: true);
        _x = New((long)rows * _hidden);
        _norm = New((long)rows * _hidden);
        _tmp = New((long)rows * _hidden);
        _qkv = New((long)rows * _qkvWidth);
        _attn = New((long)rows * _heads * _headDim);
        _gateUp = New((long)rows * 2 * _intermediate);
        _act = New((long)rows * _intermediate);
        _cos = New((long)rows * _headDim);
        _sin = New((long)rows * _headDim);
    }
}
