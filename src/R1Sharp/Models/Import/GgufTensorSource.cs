// Streams one GGUF tensor as float32 in HF (torch) row order: positional reads of a few MB of rows at a time,
// dequantised per ggml's reference (GgmlQuants/GgmlKQuants), llama's q/k row permutation undone on the way.
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using R1Sharp.Formats.Gguf;
using R1Sharp.Models.Export;

namespace R1Sharp.Models.Import;

/// <summary>Float32 reads of one GGUF tensor by element range; never holds more than one batch (~4 MB) of rows.</summary>
internal sealed class GgufTensorSource
{
    private const int BatchBytes = 4 << 20;
    private readonly WeightCopy.ReadSource _read;
    private readonly GgufTensorInfo _info;
    private readonly long _columns, _rows, _rowBytes;
    private readonly int[]? _storedRow; // HF row → GGUF row, for llama q/k
    private readonly float[] _decoded;
    private readonly byte[] _raw;
    private long _firstCached = -1, _cachedRows;

    /// <param name="file">The open GGUF file (positional reads).</param>
    /// <param name="path">For error messages.</param>
    /// <param name="dataOffset">Absolute offset of the GGUF data section.</param>
    /// <param name="info">The tensor.</param>
    /// <param name="permuteHeads">llama q/k: the head count the exporter (convert_hf_to_gguf) permuted rows with; 0 for none.</param>
    public GgufTensorSource(SafeFileHandle file, string path, long dataOffset, GgufTensorInfo info, int permuteHeads)
    {
        (_read, _info) = (WeightCopy.FromFile(file, dataOffset + info.Offset, path), info);
        // A permuted bias is a column of rows; everything else is rows of Dims[0] elements.
        _columns = info.Dims.Length == 0 || (permuteHeads > 0 && info.Dims.Length == 1) ? 1 : info.Dims[0];
        _rows = info.ElementCount / Math.Max(1, _columns);
        _rowBytes = GgmlTypes.ByteCount(info.Type, [_columns]);
        if (permuteHeads > 0)
        {
            _storedRow = new int[_rows];
            for (int r = 0; r < _rows; r++) _storedRow[GgufTensorPlan.LlamaQKSourceRow(r, (int)_rows, permuteHeads)] = r;
        }
        // About 4 MB of raw rows and of decoded floats each (a Q4_K row decodes to 7× its bytes).
        long batchRows = Math.Clamp(BatchBytes / Math.Max(_rowBytes, _columns * sizeof(float)), 1, _rows);
        _raw = new byte[batchRows * _rowBytes];
        _decoded = new float[batchRows * _columns];
    }

    /// <summary>Fills <paramref name="destination"/> with elements starting at <paramref name="firstElement"/> (HF order).</summary>
    public void Read(long firstElement, Span<float> destination)
    {
        long e = firstElement;
        while (destination.Length > 0)
        {
            long row = e / _columns;
            if (row < _firstCached || row >= _firstCached + _cachedRows) Load(row);
            long offset = e - _firstCached * _columns;
            int n = (int)Math.Min(destination.Length, _cachedRows * _columns - offset);
            _decoded.AsSpan((int)offset, n).CopyTo(destination);
            destination = destination[n..];
            e += n;
        }
    }

    /// <summary>A <see cref="WeightCopy.ReadSource"/> serving this tensor as little-endian F32 bytes.</summary>
    public WeightCopy.ReadSource AsF32Bytes() => (offset, destination) => Read(offset / 4, MemoryMarshal.Cast<byte, float>(destination));

    private void Load(long row)
    {
        long count = Math.Min(_decoded.Length / _columns, _rows - row);
        if (_storedRow is null) _read(row * _rowBytes, _raw.AsSpan(0, (int)(count * _rowBytes)));
        else
            for (long r = 0; r < count; r++)
                _read(_storedRow[row + r] * _rowBytes, _raw.AsSpan((int)(r * _rowBytes), (int)_rowBytes));
        GgmlQuants.Decode(_info.Type, _raw.AsSpan(0, (int)(count * _rowBytes)), _decoded.AsSpan(0, (int)(count * _columns)));
        (_firstCached, _cachedRows) = (row, count);
    }
}
