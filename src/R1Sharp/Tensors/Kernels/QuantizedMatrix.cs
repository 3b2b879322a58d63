// Weight-only quantized matrices for inference (issue #11 `--dtype int8|int4`): each row is cut into blocks of 32
// weights. int8 blocks are llama.cpp's Q8_0 (32 integers and a scale, stored in fp32 where GGUF stores fp16), with the
// scale refit by least squares. int4 blocks are asymmetric, as Q4_1 and torch's int4pack (scales and zero points per
// group): w ≈ d·u + m with u in 0..15, so a block whose values are lopsided (one ×20 outlier channel on one side) spends
// its 16 levels on its own range instead of a range symmetric about 0 (Q4_0). Each int4 block keeps d in bf16 and m as
// an int16 multiple of d/256 (4 bytes a block, Q4_1's size), fitted by least squares (QuantizedMatrix.Int4.cs). Blocks
// keep an outlier input channel's damage inside its 32 weights, which a per-row scale would spread over the whole row.
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
    /// <summary>4-bit, asymmetric: w ≈ d·u + m with u in 0..15, d and m the least-squares fit over the best of several
    /// grids spanning the block's range (QuantizedMatrix.Int4.cs); d stored as bf16, m as an int16 count of d/256 (so a
    /// zero weight stays near zero); byte j of a block holds u[j] in its low and u[j + 16] in its high nibble, as Q4_0.</summary>
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
    private void* _scales;  // int8: fp32 per block; int4: bf16 per block
    private short* _offsets; // int4: m / (d/256) per block

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
    /// <summary>Memory held: values plus 4 bytes a block (an fp32 scale, or a bf16 scale and an int16 offset).</summary>
    public long Bytes => (long)Rows * RowBytes + (long)Rows * BlocksPerRow * 4;

    /// <summary>First byte of row 0's values.</summary>
    public byte* Data => _data != null ? _data : throw new ObjectDisposedException(nameof(QuantizedMatrix));
    /// <summary>int8: row r's fp32 scales start at <c>Scales + r·BlocksPerRow</c>.</summary>
    public float* Scales => Format == QuantFormat.Int8 ? (float*)Check(_scales) : throw new InvalidOperationException("int4 scales are bf16: Int4Scales");
    /// <summary>int4: row r's bf16 scales d start at <c>Int4Scales + r·BlocksPerRow</c>.</summary>
    public ushort* Int4Scales => Format == QuantFormat.Int4 ? (ushort*)Check(_scales) : throw new InvalidOperationException("int8 scales are fp32: Scales");
    /// <summary>int4: row r's offsets start at <c>Int4Offsets + r·BlocksPerRow</c>; a block's m is d·offset / 256.</summary>
    public short* Int4Offsets => Format == QuantFormat.Int4 ? (short*)Check(_offsets) : throw new InvalidOperationException("int8 blocks have no offset");

    private static void* Check(void* p) => p != null ? p : throw new ObjectDisposedException(nameof(QuantizedMatrix));

    /// <summary>Block b of row r's scale d (fp32 or bf16).</summary>
    public float Scale(int r, int b) =>
        Format == QuantFormat.Int8 ? Scales[(long)r * BlocksPerRow + b] : Bf16.ToSingle(Int4Scales[(long)r * BlocksPerRow + b]);

    /// <summary>Block b of row r's offset m (0 for int8): its weights are d·u + m.</summary>
    public float Offset(int r, int b) =>
        Format == QuantFormat.Int8 ? 0f : Scale(r, b) * Int4Offsets[(long)r * BlocksPerRow + b] * OffsetUnit;

    /// <summary>An int4 offset counts d·<see cref="OffsetUnit"/>.</summary>
    public const float OffsetUnit = 1f / 256;

    /// <summary>Weight i of row r as the blocks store it: d·q (int8) or d·u + m (int4).</summary>
    public float Weight(int r, int i) => Scale(r, i / BlockSize) * Value(r, i) + Offset(r, i / BlockSize);

    private QuantizedMatrix(QuantFormat format, int rows, int columns)
    {
        if (rows <= 0 || columns <= 0 || columns % BlockSize != 0)
            throw new ArgumentException($"a {format} matrix needs columns that are a positive multiple of {BlockSize}, got ({rows}, {columns})");
        (Format, Rows, Columns) = (format, rows, columns);
        // 64 zero bytes of slack after each array: the int4 kernel reads blocks in pairs and scales 16 at a time.
        _data = (byte*)Allocate((long)rows * RowBytes);
        _scales = Allocate((long)rows * BlocksPerRow * (format == QuantFormat.Int8 ? 4 : 2));
        if (format == QuantFormat.Int4) _offsets = (short*)Allocate((long)rows * BlocksPerRow * 2);
    }

    private static void* Allocate(long bytes)
    {
        var p = (byte*)NativeMemory.AlignedAlloc((nuint)(bytes + 64), 64);
        new Span<byte>(p + bytes, 64).Clear();
        return p;
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

    // One block: int8 takes Q8_0's integers and the least-squares scale of them, d = Σ w·q / Σ q² (the scale that
    // minimises Σ (w − d·q)² for those integers); int4 takes the asymmetric fit of QuantizedMatrix.Int4.cs.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void QuantizeBlock(float* w, int r, int b)
    {
        var x0 = Vector512.Load(w);
        var x1 = Vector512.Load(w + 16);
        long at = (long)r * BlocksPerRow + b;
        if (Format == QuantFormat.Int4)
        {
            var (u0, u1, d, offset) = FitInt4(x0, x1);
            ((ushort*)_scales)[at] = d;
            _offsets[at] = offset;
            byte* u = _data + (long)r * RowBytes + (long)b * (BlockSize / 2);
            for (int j = 0; j < 16; j++) u[j] = (byte)((int)u0[j] | ((int)u1[j] << 4));
            return;
        }
        float maxAbs = MaxLane(Vector512.Max(Vector512.Abs(x0), Vector512.Abs(x1)));
        float* scale = (float*)_scales + at;
        sbyte* q = (sbyte*)_data + (long)r * RowBytes + (long)b * BlockSize;
        if (maxAbs == 0)
        {
            *scale = 0;
            new Span<byte>(q, BlockSize).Clear();
            return;
        }
        float inverse = 127 / maxAbs;
        var q0 = Vector512.Round(x0 * inverse);
        var q1 = Vector512.Round(x1 * inverse);
        *scale = Vector512.Sum(x0 * q0 + x1 * q1) / Vector512.Sum(q0 * q0 + q1 * q1);
        for (int i = 0; i < 16; i++) { q[i] = (sbyte)q0[i]; q[i + 16] = (sbyte)q1[i]; }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float MaxLane(Vector512<float> v)
    {
        var m = Vector256.Max(v.GetLower(), v.GetUpper());
        var n = Vector128.Max(m.GetLower(), m.GetUpper());
        return MathF.Max(MathF.Max(n[0], n[1]), MathF.Max(n[2], n[3]));
    }

    /// <summary>Quantized value i of row r: q in −127..127 (int8) or u in 0..15 (int4); see <see cref="Weight"/>.</summary>
    public int Value(int r, int i)
    {
        if (Format == QuantFormat.Int8) return ((sbyte*)Data)[(long)r * RowBytes + i];
        byte packed = Data[(long)r * RowBytes + (long)(i / BlockSize) * (BlockSize / 2) + i % (BlockSize / 2)];
        return i % BlockSize < BlockSize / 2 ? packed & 0xF : packed >> 4;
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
        byte* values = Data + (long)r * RowBytes;
        for (int b = 0; b < BlocksPerRow; b++)
        {
            var (low, high) = Block(values, r, b);
            low.Store(output + (long)b * BlockSize);
            high.Store(output + (long)b * BlockSize + 16);
        }
    }

    // The prefill GEMM's input (QuantizedLinear): each block straight to bf16, 16 lanes narrowed with vpmovdw.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void DequantizeRowBf16(int r, ushort* output)
    {
        byte* values = Data + (long)r * RowBytes;
        for (int b = 0; b < BlocksPerRow; b++)
        {
            var (low, high) = Block(values, r, b);
            Narrow(DecodeOps.Bf16Bits(low)).Store(output + (long)b * BlockSize);
            Narrow(DecodeOps.Bf16Bits(high)).Store(output + (long)b * BlockSize + 16);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ushort> Narrow(Vector512<uint> v) =>
        Avx512F.IsSupported ? Avx512F.ConvertToVector256UInt16(v) : Vector256.Narrow(v.GetLower(), v.GetUpper());

    // Block b of row r (values from the row's first byte): its 32 weights as two fp32 vectors, d·q or d·u + m.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private (Vector512<float> Low, Vector512<float> High) Block(byte* values, int r, int b)
    {
        long at = (long)r * BlocksPerRow + b;
        if (Format == QuantFormat.Int8)
        {
            var scale = Vector512.Create(((float*)_scales)[at]);
            sbyte* q = (sbyte*)values + (long)b * BlockSize;
            Vector512<int> low, high;
            if (Avx512F.IsSupported)
                (low, high) = (Avx512F.ConvertToVector512Int32(Vector128.Load(q)), Avx512F.ConvertToVector512Int32(Vector128.Load(q + 16)));
            else
            {
                var wide = Vector512.WidenLower(Vector256.Load(q).ToVector512());
                (low, high) = (Vector512.WidenLower(wide), Vector512.WidenUpper(wide));
            }
            return (Vector512.ConvertToSingle(low) * scale, Vector512.ConvertToSingle(high) * scale);
        }
        float d = Bf16.ToSingle(((ushort*)_scales)[at]);
        var dv = Vector512.Create(d);
        var mv = Vector512.Create(d * _offsets[at] * OffsetUnit);
        var packed = Vector128.Load(values + (long)b * (BlockSize / 2));
        var wide4 = Avx512F.IsSupported
            ? Avx512F.ConvertToVector512Int32(packed)
            : Vector512.WidenLower(Vector512.WidenLower(packed.ToVector256().ToVector512())).AsInt32();
        var u0 = Vector512.ConvertToSingle(wide4 & Vector512.Create(0xF));
        var u1 = Vector512.ConvertToSingle(Vector512.ShiftRightLogical(wide4, 4));
        return (Vector512.FusedMultiplyAdd(u0, dv, mv), Vector512.FusedMultiplyAdd(u1, dv, mv));
    }

    /// <summary>Frees the native memory.</summary>
    public void Dispose()
    {
        NativeMemory.AlignedFree(_data);
        NativeMemory.AlignedFree(_scales);
        NativeMemory.AlignedFree(_offsets);
        _data = null;
        _scales = null;
        _offsets = null;
        GC.SuppressFinalize(this);
    }

    /// <summary>Frees the native memory of a matrix nobody disposed.</summary>
    ~QuantizedMatrix() => Dispose();
}
