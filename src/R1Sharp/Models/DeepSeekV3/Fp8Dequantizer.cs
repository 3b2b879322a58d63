// FP8 E4M3 block dequantization of DeepSeek-V3/R1 checkpoints (ARCHITECTURES.md §1; deepseek-ai/DeepSeek-V3
// README_WEIGHTS.md, inference/fp8_cast_bf16.py): every 128×128 block times its weight_scale_inv entry.
using R1Sharp.Formats.Safetensors;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Models.DeepSeekV3;

/// <summary>Dequantizes F8_E4M3 weights with their per-block <c>weight_scale_inv</c> (F32, [⌈rows/br⌉, ⌈cols/bc⌉]).</summary>
public static class Fp8Dequantizer
{
    /// <summary>The companion scale tensor name: "x.weight" → "x.weight_scale_inv".</summary>
    public static string ScaleName(string weightName) => weightName + "_scale_inv";

    /// <summary>
    /// <c>w[r, c] = fp8(q[r, c]) · scaleInv[r / br, c / bc]</c> for a row-major [rows, cols] block of FP8 bytes. Blocks at the
    /// right or bottom edge are partial; scaling each element by its block's entry is the reference's
    /// zero-pad-scale-crop. Example: rows 1, cols 3, bc 2, bytes of [1, 2, 3], scales [10, 100] → [10, 20, 300].
    /// </summary>
    /// <param name="fp8">rows × cols E4M3 bytes.</param>
    /// <param name="cols">Columns of the weight.</param>
    /// <param name="scaleInv">The scale rows covering these weight rows, each ⌈cols/bc⌉ wide.</param>
    /// <param name="firstRow">Index of the first of these rows in the whole weight (selects the scale row).</param>
    /// <param name="scaleRowBase">Index in the whole weight's scale of the first row of <paramref name="scaleInv"/>.</param>
    /// <param name="blockRows">br.</param>
    /// <param name="blockColumns">bc.</param>
    /// <param name="destination">rows × cols floats.</param>
    public static void Dequantize(ReadOnlySpan<byte> fp8, int cols, ReadOnlySpan<float> scaleInv, long firstRow, long scaleRowBase,
        int blockRows, int blockColumns, Span<float> destination)
    {
        SafetensorsConvert.ToSingle(SafetensorsDType.F8_E4M3, fp8, destination);
        int rows = fp8.Length / cols, scaleCols = (cols + blockColumns - 1) / blockColumns;
        for (int r = 0; r < rows; r++)
        {
            var scaleRow = scaleInv.Slice((int)((firstRow + r) / blockRows - scaleRowBase) * scaleCols, scaleCols);
            var row = destination.Slice(r * cols, cols);
            for (int c = 0; c < cols; c++) row[c] *= scaleRow[c / blockColumns];
        }
    }

    /// <summary>
    /// Fills the (rows, cols) CPU tensor <paramref name="destination"/> (any float dtype) from an FP8 weight read through
    /// <paramref name="read"/>, one block-row at a time, so only br × cols floats are ever staged.
    /// </summary>
    internal static void Fill(Tensor destination, WeightCopy.ReadSource read, float[] scaleInv, int blockRows, int blockColumns)
    {
        long rows = destination.shape[0], cols = destination.shape[1];
        var bytes = new byte[checked(blockRows * (int)cols)];
        var floats = new float[bytes.Length];
        int scaleCols = (int)((cols + blockColumns - 1) / blockColumns);
        for (long r0 = 0; r0 < rows; r0 += blockRows)
        {
            int n = (int)Math.Min(blockRows, rows - r0);
            var src = bytes.AsSpan(0, n * (int)cols);
            read(r0 * cols, src);
            long scaleRow = r0 / blockRows;
            Dequantize(src, (int)cols, scaleInv.AsSpan((int)scaleRow * scaleCols, scaleCols), r0, scaleRow, blockRows, blockColumns,
                floats.AsSpan(0, src.Length));
            using var block = tensor(src.Length == floats.Length ? floats : floats.AsSpan(0, src.Length).ToArray(), new[] { (long)n, cols });
            using var slot = destination.narrow(0, r0, n);
            slot.copy_(block);
        }
    }
}
