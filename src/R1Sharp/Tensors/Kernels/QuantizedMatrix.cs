// Weight-only quantized matrices for inference (issue #11 `--dtype int8|int4`): each row is cut into blocks of 32
// weights with one fp32 scale per block, the layouts of llama.cpp's Q8_0 and Q4_0 (GGUF stores the scale as fp16).
// Blocks keep an outlier input channel's damage inside its 32 weights, which a per-row scale would spread over the whole
// row. The integers follow Q8_0's rule (int8) or the best of 19 Q4_0-like divisors, re-rounded (int4,
// QuantizedMatrix.Int4.cs), and each block's scale is then refit by least squares, so a block's error is never above
// what Q8_0/Q4_0 rounding with that scale gives.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace R1Sharp.Tensors.Kernels;

/// <summary>Quantized weight layouts.</summary>
public enum QuantFormat
{
    /// <summary>8-bit: q = round(127·w / max|w|) per block (Q8_0's rule), w ≈ d·q with d = Σ w·q / Σ q².</summary>
    Int8,
    /// <summary>4-bit: q = clamp(round(−k·w / m), −8, 7) with m the block's value of largest magnitude and k the best of
    /// 7.1, 7.2 … 8.9 (k = 8 is Q4_0's rule), re-rounded under the least-squares scale while that lowers the error,
    /// w ≈ d·q with d = Σ w·q / Σ q²; byte j of a block holds q[j] + 8 in its
    /// low and q[j + 16] + 8 in its high nibble, as Q4_0.</summary>
    Int4,
}

/// <summary>
/// A (rows, columns) matrix quantized in blocks of <see cref="BlockSize"/> along each row, in native memory (freed by
/// <see cref="Dispose"/>). Columns must be a multiple of the block size (every R1-Distill and Qwen2/Llama shape is).
/// </summary>
public sealed unsafe partial class QuantizedMatrix : IDisposable
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
        // 64 bytes of slack after each array: the int4 kernel reads blocks in pairs and scales 16 at a time.
        _data = (byte*)NativeMemory.AlignedAlloc((nuint)((long)rows * RowBytes + 64), 64);
        _scales = (float*)NativeMemory.AlignedAlloc((nuint)((long)rows * BlocksPerRow * sizeof(float) + 64), 64);
        new Span<byte>(_data + (long)rows * RowBytes, 64).Clear();
        new Span<byte>((byte*)(_scales + (long)rows * BlocksPerRow), 64).Clear();
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

    // One block: the integers by the format's rule, then the scale refit by least squares, d = Σ w·q / Σ q², the
    // scale that minimises Σ (w − d·q)² for those integers. int4 also tries the Q4_0 divisor 8 and 18 neighbours
    // (7.1 … 8.9, llama.cpp's make_qx_quants search), keeps the integers with the smallest error, and refines them by
    // re-rounding under their least-squares scale while that lowers the error.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void QuantizeBlock(float* w, int r, int b)
    {
        var x0 = Vector512.Load(w);
        var x1 = Vector512.Load(w + 16);
        var amax = Vector512.Max(Vector512.Abs(x0), Vector512.Abs(x1));
        float maxAbs = MaxLane(amax);
        float* scale = _scales + (long)r * BlocksPerRow + b;
        if (maxAbs == 0)
        {
            *scale = 0;
            if (Format == QuantFormat.Int8) new Span<byte>(_data + (long)r * RowBytes + (long)b * BlockSize, BlockSize).Clear();
            else new Span<byte>(_data + (long)r * RowBytes + (long)b * (BlockSize / 2), BlockSize / 2).Fill(0x88);
            return;
        }
        Vector512<float> q0, q1;
        if (Format == QuantFormat.Int8)
        {
            float inverse = 127 / maxAbs;
            q0 = Vector512.Round(x0 * inverse);
            q1 = Vector512.Round(x1 * inverse);
        }
        else (q0, q1) = SearchInt4(w, x0, x1, maxAbs);
        float qq = Vector512.Sum(q0 * q0 + q1 * q1);
        *scale = qq > 0 ? Vector512.Sum(x0 * q0 + x1 * q1) / qq : 0;
        if (Format == QuantFormat.Int8)
        {
            sbyte* q = (sbyte*)_data + (long)r * RowBytes + (long)b * BlockSize;
            for (int i = 0; i < 16; i++) { q[i] = (sbyte)q0[i]; q[i + 16] = (sbyte)q1[i]; }
        }
        else
        {
            byte* q = _data + (long)r * RowBytes + (long)b * (BlockSize / 2);
            for (int j = 0; j < 16; j++) q[j] = (byte)(((int)q0[j] + 8) | (((int)q1[j] + 8) << 4));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float MaxLane(Vector512<float> v)
    {
        var m = Vector256.Max(v.GetLower(), v.GetUpper());
        var n = Vector128.Max(m.GetLower(), m.GetUpper());
        return MathF.Max(MathF.Max(n[0], n[1]), MathF.Max(n[2], n[3]));
    }

    /// <summary>Quantized value i of row r (−127..127 for int8, −8..7 for int4), times the block scale = the weight.</summary>
    public int Value(int r, int i)
    {
        if (Format == QuantFormat.Int8) return ((sbyte*)Data)[(long)r * RowBytes + i];
        byte packed = Data[(long)r * RowBytes + (long)(i / BlockSize) * (BlockSize / 2) + i % (BlockSize / 2)];
        return (i % BlockSize < BlockSize / 2 ? packed & 0xF : packed >> 4) - 8;
    }

    /// <summary>Rows [<paramref name="start"/>, start + <paramref name="count"/>) as fp32 — or as bf16 (rounded to
    /// nearest even) when <paramref name="format"/> is <see cref="WeightFormat.Bf16"/> — into <paramref name="output"/>
    /// (row-major, <see cref="Columns"/> per row), split over <paramref name="pool"/>.</summary>
    public void Dequantize(int start, int count, void* output, WeightFormat format = WeightFormat.F32, KernelPool? pool = null)
    {
        if (start < 0 || count < 0 || start + count > Rows) throw new ArgumentOutOfRangeException(nameof(count));
        nint o = (nint)output;
        (pool ?? KernelPool.Shared).Run((part, parts) =>
        {
            var (first, end) = KernelPool.Split(count, part, parts);
            for (int r = first; r < end; r++)
            {
                if (format == WeightFormat.F32) DequantizeRow(start + r, (float*)o + (long)r * Columns);
                else DequantizeRowBf16(start + r, (ushort*)o + (long)r * Columns);
            }
        }, (long)count * Columns);
        GC.KeepAlive(this);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // no slow tier-0 code for a prefill's first matrices
    private void DequantizeRow(int r, float* output)
    {
        float* scales = Scales + (long)r * BlocksPerRow;
        byte* values = Data + (long)r * RowBytes;
        for (int b = 0; b < BlocksPerRow; b++)
        {
            var (low, high) = Block(values, b, scales[b]);
            low.Store(output + (long)b * BlockSize);
            high.Store(output + (long)b * BlockSize + 16);
        }
    }

    // The prefill GEMM's input (QuantizedLinear): each block straight to bf16, 16 lanes narrowed with vpmovdw.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DequantizeRowBf16(int r, ushort* output)
    {
        float* scales = Scales + (long)r * BlocksPerRow;
        byte* values = Data + (long)r * RowBytes;
        for (int b = 0; b < BlocksPerRow; b++)
        {
            var (low, high) = Block(values, b, scales[b]);
            Narrow(DecodeOps.Bf16Bits(low)).Store(output + (long)b * BlockSize);
            Narrow(DecodeOps.Bf16Bits(high)).Store(output + (long)b * BlockSize + 16);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ushort> Narrow(Vector512<uint> v) =>
        Avx512F.IsSupported ? Avx512F.ConvertToVector256UInt16(v) : Vector256.Narrow(v.GetLower(), v.GetUpper());

    // Block b of a row (values from the row's first byte): its 32 weights as two fp32 vectors, integers × scale.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private (Vector512<float> Low, Vector512<float> High) Block(byte* values, int b, float d)
    {
        var scale = Vector512.Create(d);
        Vector512<int> low, high;
        if (Format == QuantFormat.Int8)
        {
            sbyte* q = (sbyte*)values + (long)b * BlockSize;
            if (Avx512F.IsSupported)
                (low, high) = (Avx512F.ConvertToVector512Int32(Vector128.Load(q)), Avx512F.ConvertToVector512Int32(Vector128.Load(q + 16)));
            else
            {
                var wide = Vector512.WidenLower(Vector256.Load(q).ToVector512());
                (low, high) = (Vector512.WidenLower(wide), Vector512.WidenUpper(wide));
            }
        }
        else
        {
            var packed = Vector128.Load(values + (long)b * (BlockSize / 2));
            var wide = (Avx512F.IsSupported
                ? Avx512F.ConvertToVector512Int32(packed)
                : Vector512.WidenLower(Vector512.WidenLower(packed.ToVector256().ToVector512())).AsInt32());
            low = (wide & Vector512.Create(0xF)) - Vector512.Create(8);
            high = Vector512.ShiftRightLogical(wide, 4) - Vector512.Create(8);
        }
        return (Vector512.ConvertToSingle(low) * scale, Vector512.ConvertToSingle(high) * scale);
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
