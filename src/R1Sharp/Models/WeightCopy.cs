// Streams tensor bytes between safetensors spans and TorchSharp parameter storage, converting dtypes on the fly
// (F32/BF16/F16), in bounded chunks so no whole-model or whole-tensor managed copy is ever made.
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using R1Sharp.Formats.Safetensors;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Models;

/// <summary>Byte-level copies between safetensors data and tensor storage.</summary>
internal static class WeightCopy
{
    /// <summary>Bytes handled per span; spans are int-sized and big tensors (a 7B embedding) exceed 2 GiB.</summary>
    public const long DefaultChunkBytes = 1L << 30;
    private const int ConvertBlock = 1 << 16;

    /// <summary>The safetensors dtype of a parameter dtype, or null when it has none we write.</summary>
    public static SafetensorsDType? ToSafetensors(ScalarType t) => t switch
    {
        ScalarType.Float32 => SafetensorsDType.F32,
        ScalarType.BFloat16 => SafetensorsDType.BF16,
        ScalarType.Float16 => SafetensorsDType.F16,
        _ => null,
    };

    /// <summary>Whether weights stored as <paramref name="d"/> can be loaded.</summary>
    public static bool IsLoadable(SafetensorsDType d) => d is SafetensorsDType.F32 or SafetensorsDType.BF16 or SafetensorsDType.F16;

    /// <summary>
    /// Fills contiguous CPU tensor <paramref name="destination"/> from its element count of
    /// <paramref name="srcType"/> read through <paramref name="read"/>. Same dtype: bytes land straight in the
    /// tensor's storage; otherwise through one bounded staging buffer, converted on the way.
    /// </summary>
    public static void Fill(Tensor destination, SafetensorsDType srcType, ReadSource read, long chunkBytes = DefaultChunkBytes)
    {
        var dstType = ToSafetensors(destination.dtype) ?? throw new NotSupportedException($"parameter dtype {destination.dtype}");
        int srcSize = srcType.BitSize() / 8, dstSize = dstType.BitSize() / 8;
        long total = destination.numel();
        bool direct = srcType == dstType;
        long perChunk = Math.Max(1, (direct ? chunkBytes : Math.Min(chunkBytes, StagingBytes)) / Math.Max(srcSize, dstSize));
        using var flat = destination.view(-1);
        byte[]? staging = direct ? null : new byte[Math.Min(perChunk, total) * srcSize];
        float[]? block = direct || dstType == SafetensorsDType.F32 ? null : new float[ConvertBlock];
        for (long start = 0; start < total; start += perChunk)
        {
            long n = Math.Min(perChunk, total - start);
            using var part = flat.narrow(0, start, n);
            var dst = part.bytes;
            if (direct) { read(start * srcSize, dst); continue; }
            var src = staging.AsSpan(0, checked((int)(n * srcSize)));
            read(start * srcSize, src);
            if (dstType == SafetensorsDType.F32) SafetensorsConvert.ToSingle(srcType, src, MemoryMarshal.Cast<byte, float>(dst));
            else ConvertNarrow(srcType, src, dstType, dst, block!);
        }
    }

    /// <summary>Fills <c>destination</c> with the tensor data bytes starting at <c>offset</c>.</summary>
    public delegate void ReadSource(long offset, Span<byte> destination);

    /// <summary>Staging buffer bound for converting loads (the only extra memory a load uses).</summary>
    private const long StagingBytes = 16L << 20;

    /// <summary>
    /// A <see cref="ReadSource"/> over a file with positional reads (pread). Unlike reading through a memory
    /// mapping, this leaves no file pages resident in the process, so loading never holds the weights twice.
    /// </summary>
    public static ReadSource FromFile(SafeFileHandle file, long dataStart, string path) => (offset, destination) =>
    {
        long at = dataStart + offset;
        while (destination.Length > 0)
        {
            int n = RandomAccess.Read(file, destination, at);
            if (n <= 0) throw new R1SharpException($"{path}: file ended early while reading weights (truncated after opening?)");
            destination = destination[n..];
            at += n;
        }
    };

    // F32/BF16/F16 → BF16/F16 through a small float block.
    private static void ConvertNarrow(SafetensorsDType srcType, ReadOnlySpan<byte> src, SafetensorsDType dstType, Span<byte> dst, float[] block)
    {
        int srcSize = srcType.BitSize() / 8, n = src.Length / srcSize;
        var outBits = MemoryMarshal.Cast<byte, ushort>(dst);
        for (int i = 0; i < n; i += block.Length)
        {
            int m = Math.Min(block.Length, n - i);
            SafetensorsConvert.ToSingle(srcType, src.Slice(i * srcSize, m * srcSize), block.AsSpan(0, m));
            for (int j = 0; j < m; j++)
                outBits[i + j] = dstType == SafetensorsDType.BF16 ? ToBFloat16(block[j]) : BitConverter.HalfToUInt16Bits((Half)block[j]);
        }
    }

    /// <summary>float32 → bfloat16 with round-to-nearest-even (PyTorch's rule); NaN stays a quiet NaN.</summary>
    public static ushort ToBFloat16(float f)
    {
        uint bits = BitConverter.SingleToUInt32Bits(f);
        if (float.IsNaN(f)) return (ushort)((bits >> 16) | 0x40);
        uint rounding = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }

    /// <summary>Writes a contiguous CPU tensor's raw bytes to <paramref name="output"/> in chunks.</summary>
    public static void WriteTo(Tensor source, Stream output, long chunkBytes = DefaultChunkBytes)
    {
        using var contiguous = source.contiguous();
        using var flat = contiguous.view(-1);
        long total = flat.numel(), perChunk = Math.Max(1, chunkBytes / flat.element_size());
        for (long start = 0; start < total; start += perChunk)
        {
            using var part = flat.narrow(0, start, Math.Min(perChunk, total - start));
            output.Write(part.bytes);
        }
    }
}
