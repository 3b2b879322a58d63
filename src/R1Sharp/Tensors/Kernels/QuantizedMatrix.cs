// Weight-only quantized matrices for inference (issue #11 `--dtype int8|int4`): each row is cut into blocks of 32
// weights with one fp32 scale per block, the rounding rules of llama.cpp's Q8_0 and Q4_0 (ggml-quants.c
// quantize_row_q8_0_ref / quantize_row_q4_0_ref) but with an fp32 scale where GGUF stores fp16. Blocks keep an
// outlier input channel's damage inside its 32 weights, which a per-row scale would spread over the whole row.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace R1Sharp.Tensors.Kernels;

/// <summary>Quantized weight layouts.</summary>
public enum QuantFormat
{
    /// <summary>8-bit: q = round(w / d), d = max|w| / 127 per block (Q8_0's rule).</summary>
    Int8,
    /// <summary>4-bit: d = m / −8 with m the block's value of largest magnitude, q = min(15, ⌊w / d + 8.5⌋), w ≈ (q − 8)·d
    /// (Q4_0's rule); byte j of a block holds q[j] in its low and q[j + 16] in its high nibble.</summary>
    Int4,
}

/// <summary>
/// A (rows, columns) matrix quantized in blocks of <see cref="BlockSize"/> along each row, in native memory (freed by
/// <see cref="Dispose"/>). Columns must be a multiple of the block size (every R1-Distill and Qwen2/Llama shape is).
/// </summary>
public sealed unsafe class QuantizedMatrix : IDisposable
{
    /// <summary>Weights per block (one scale each).</summary>
    public const int BlockSize = 32;

    private byte* _data;
    private float* _scales;

    /// <summary>Layout.</summary>
    public QuantFormat Format { get; }
    /// <summary>Output features.</summary>
    public int Rows { get; }
    /// <summary>Input features.</summary>
    public int Columns { get; }
    /// <summary>Blocks per row.</summary>
    public int BlocksPerRow => Columns / BlockSize;
    /// <summary>Bytes of one row's quantized values (32 bytes per int8 block, 16 per int4 block).</summary>
    public int RowBytes => BlocksPerRow * (Format == QuantFormat.Int8 ? BlockSize : BlockSize / 2);
    /// <summary>Memory held: values plus scales.</summary>
    public long Bytes => (long)Rows * RowBytes + (long)Rows * BlocksPerRow * sizeof(float);

    /// <summary>First byte of row 0's values.</summary>
    public byte* Data => _data != null ? _data : throw new ObjectDisposedException(nameof(QuantizedMatrix));
    /// <summary>Row r's scales start at <c>Scales + r·BlocksPerRow</c>.</summary>
    public float* Scales => _scales != null ? _scales : throw new ObjectDisposedException(nameof(QuantizedMatrix));

    private QuantizedMatrix(QuantFormat format, int rows, int columns)
    {
        if (rows <= 0 || columns <= 0 || columns % BlockSize != 0)
            throw new ArgumentException($"a {format} matrix needs columns that are a positive multiple of {BlockSize}, got ({rows}, {columns})");
        (Format, Rows, Columns) = (format, rows, columns);
        _data = (byte*)NativeMemory.AlignedAlloc((nuint)((long)rows * RowBytes), 64);
        _scales = (float*)NativeMemory.AlignedAlloc((nuint)((long)rows * BlocksPerRow * sizeof(float)), 64);
    }

    /// <summary>
    /// Quantizes a row-major (rows, columns) matrix of fp32 (<see cref="WeightFormat.F32"/>) or bf16 values, rows
    /// split over <paramref name="pool"/>.
    /// </summary>
    public static QuantizedMatrix Quantize(void* source, WeightFormat sourceFormat, int rows, int columns, QuantFormat format, KernelPool? pool = null)
    {
        var m = new QuantizedMatrix(format, rows, columns);
        nint src = (nint)source;
        (pool ?? KernelPool.Shared).Run((part, parts) =>
        {
            var (start, end) = KernelPool.Split(rows, part, parts);
            float* row = stackalloc float[BlockSize];
            for (int r = start; r < end; r++)
                for (int b = 0; b < m.BlocksPerRow; b++)
                {
                    long first = (long)r * columns + (long)b * BlockSize;
                    if (sourceFormat == WeightFormat.F32) new ReadOnlySpan<float>((float*)src + first, BlockSize).CopyTo(new Span<float>(row, BlockSize));
                    else DecodeOps.ToSingle((ushort*)src + first, WeightFormat.Bf16, BlockSize, row);
                    m.QuantizeBlock(row, r, b);
                }
        }, (long)rows * columns);
        return m;
    }

    private void QuantizeBlock(float* w, int r, int b)
    {
        float* scale = _scales + (long)r * BlocksPerRow + b;
        if (Format == QuantFormat.Int8)
        {
            float amax = 0;
            for (int i = 0; i < BlockSize; i++) amax = MathF.Max(amax, MathF.Abs(w[i]));
            float d = amax / 127, id = d != 0 ? 1 / d : 0;
            sbyte* q = (sbyte*)_data + (long)r * RowBytes + (long)b * BlockSize;
            for (int i = 0; i < BlockSize; i++) q[i] = (sbyte)MathF.Round(w[i] * id, MidpointRounding.AwayFromZero);
            *scale = d;
        }
        else
        {
            float amax = 0, max = 0;
            for (int i = 0; i < BlockSize; i++)
                if (MathF.Abs(w[i]) > amax) { amax = MathF.Abs(w[i]); max = w[i]; }
            float d = max / -8, id = d != 0 ? 1 / d : 0;
            byte* q = _data + (long)r * RowBytes + (long)b * (BlockSize / 2);
            for (int j = 0; j < BlockSize / 2; j++)
                q[j] = (byte)(Nibble(w[j] * id) | (Nibble(w[j + BlockSize / 2] * id) << 4));
            *scale = d;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Nibble(float v) => Math.Min(15, (int)(v + 8.5f));

    /// <summary>Quantized value i of row r (−127..127 for int8, −8..7 for int4), times the block scale = the weight.</summary>
    public int Value(int r, int i)
    {
        if (Format == QuantFormat.Int8) return ((sbyte*)Data)[(long)r * RowBytes + i];
        byte packed = Data[(long)r * RowBytes + (long)(i / BlockSize) * (BlockSize / 2) + i % (BlockSize / 2)];
        return (i % BlockSize < BlockSize / 2 ? packed & 0xF : packed >> 4) - 8;
    }

    /// <summary>Rows [<paramref name="start"/>, start + <paramref name="count"/>) as fp32 into <paramref name="output"/>
    /// (row-major, <see cref="Columns"/> per row), split over <paramref name="pool"/>.</summary>
    public void Dequantize(int start, int count, float* output, KernelPool? pool = null)
    {
        if (start < 0 || count < 0 || start + count > Rows) throw new ArgumentOutOfRangeException(nameof(count));
        nint o = (nint)output;
        (pool ?? KernelPool.Shared).Run((part, parts) =>
        {
            var (first, end) = KernelPool.Split(count, part, parts);
            for (int r = first; r < end; r++) DequantizeRow(start + r, (float*)o + (long)r * Columns);
        }, (long)count * Columns);
        GC.KeepAlive(this);
    }

    private void DequantizeRow(int r, float* output)
    {
        float* scales = Scales + (long)r * BlocksPerRow;
        for (int b = 0; b < BlocksPerRow; b++)
        {
            float d = scales[b];
            float* o = output + (long)b * BlockSize;
            var scale = Vector512.Create(d);
            if (Format == QuantFormat.Int8)
            {
                var q = Vector256.Load((sbyte*)Data + (long)r * RowBytes + (long)b * BlockSize);
                var wide = Vector512.WidenLower(q.ToVector512());                  // 32 × int16
                (Vector512.ConvertToSingle(Vector512.WidenLower(wide)) * scale).Store(o);
                (Vector512.ConvertToSingle(Vector512.WidenUpper(wide)) * scale).Store(o + 16);
            }
            else
            {
                var packed = Vector128.Load(Data + (long)r * RowBytes + (long)b * (BlockSize / 2));
                var wide = Vector512.WidenLower(Vector512.WidenLower(packed.ToVector256().ToVector512())).AsInt32(); // 16 × int32
                var low = (wide & Vector512.Create(0xF)) - Vector512.Create(8);
                var high = Vector512.ShiftRightLogical(wide, 4) - Vector512.Create(8);
                (Vector512.ConvertToSingle(low) * scale).Store(o);
                (Vector512.ConvertToSingle(high) * scale).Store(o + 16);
            }
        }
    }

    /// <summary>Frees the native memory.</summary>
    public void Dispose()
    {
        NativeMemory.AlignedFree(_data);
        NativeMemory.AlignedFree(_scales);
        _data = null;
        _scales = null;
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the native memory of a matrix nobody disposed.</summary>
    ~QuantizedMatrix() => Dispose();
}
