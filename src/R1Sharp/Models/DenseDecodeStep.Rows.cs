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

    // The per-row ops of a layer, with their pointers: Norm (weight, x, y), Rope (qkv, cos, sin), SiluMul (gate|up, act),
    // Add (x, y).
    private enum RowOp { Norm, Rope, SiluMul, Add }

    // `op` over rows [0, rows), split over the kernel pool when rows·width elements are worth waking it (a prefill's or
    // a large batch's rows); a decode step's row runs inline, without the pool's delegates (they cost a bf16 decode step
    // 1–2 %). Every row is computed as it is alone, so results do not depend on the split. (A 512-token int4 prefill of
    // the 0.5B shape took 0.94 × the time with these loops split than on the calling thread, bf16 0.99 ×: medians of 6
    // paired runs.)
    private void EachRow(RowOp op, int rows, int width, nint a, nint b, nint c)
    {
        if ((long)rows * width < KernelPool.MinParallelWork) RowRange(op, 0, rows, a, b, c);
        else ForRows(rows, width, op, a, b, c);
    }

    private void ForRows(int rows, int width, RowOp op, nint a, nint b, nint c) =>
        ForRows(rows, width, (first, end) => RowRange(op, first, end, a, b, c));

    private void RowRange(RowOp op, int first, int end, nint a, nint b, nint c)
    {
        switch (op)
        {
            case RowOp.Norm:
                for (int r = first; r < end; r++)
                    DecodeOps.RmsNorm((float*)b + (long)r * _hidden, (void*)a, _format, _hidden, _eps, (float*)c + (long)r * _hidden);
                break;
            case RowOp.Rope:
                for (int r = first; r < end; r++)
                    DecodeOps.Rope((float*)a + (long)r * _qkvWidth, _heads + _kvHeads, _headDim, (float*)b + (long)r * _headDim, (float*)c + (long)r * _headDim);
                break;
            case RowOp.SiluMul:
                for (int r = first; r < end; r++)
                {
                    float* g = (float*)a + (long)r * 2 * _intermediate;
                    DecodeOps.SiluMul(g, g + _intermediate, (float*)b + (long)r * _intermediate, _intermediate);
                }
                break;
            case RowOp.Add:
                DecodeOps.Add((float*)a + (long)first * _hidden, (float*)b + (long)first * _hidden, (end - first) * _hidden);
                break;
        }
    }

    // body(first, end) over the rows [0, rows), split over the kernel pool (below MinParallelWork elements, inline).
    private static void ForRows(int rows, int width, Action<int, int> body) =>
        KernelPool.Shared.Run((part, parts) =>
        {
            var (first, end) = KernelPool.Split(rows, part, parts);
            if (first < end) body(first, end);
        }, (long)rows * width);
}
