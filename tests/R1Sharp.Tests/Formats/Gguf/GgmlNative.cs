// ggml's own row dequantizers (libggml-base.so of LLamaSharp.Backend.Cpu 0.30.0, copied next to the tests) as the
// reference for GgmlQuants/GgmlKQuants and for what the GGUF importer loads: dequantize_row_* and the f16/bf16 rows.
using System.Runtime.InteropServices;
using R1Sharp.Formats.Gguf;

namespace R1Sharp.Tests.Formats.Gguf;

internal static unsafe class GgmlNative
{
    // The noavx build: the dequantizers are scalar reference C there, whatever the test machine supports.
    private static readonly Lazy<nint> s_library = new(() => NativeLibrary.Load(
        Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "noavx", "libggml-base.so")));

    /// <summary>ggml's float32 values of <paramref name="src"/> (whole rows of <paramref name="type"/>).</summary>
    public static float[] Dequantize(GgmlType type, ReadOnlySpan<byte> src, long count)
    {
        var result = new float[count];
        if (type == GgmlType.F32) { MemoryMarshal.Cast<byte, float>(src).CopyTo(result); return result; }
        string name = type switch
        {
            GgmlType.F16 => "ggml_fp16_to_fp32_row",
            GgmlType.BF16 => "ggml_bf16_to_fp32_row",
            GgmlType.Q8_0 => "dequantize_row_q8_0",
            GgmlType.Q4_0 => "dequantize_row_q4_0",
            GgmlType.Q4_1 => "dequantize_row_q4_1",
            GgmlType.Q5_0 => "dequantize_row_q5_0",
            GgmlType.Q5_1 => "dequantize_row_q5_1",
            GgmlType.Q4_K => "dequantize_row_q4_K",
            GgmlType.Q5_K => "dequantize_row_q5_K",
            GgmlType.Q6_K => "dequantize_row_q6_K",
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "no ggml row dequantizer bound"),
        };
        var fn = (delegate* unmanaged<byte*, float*, long, void>)NativeLibrary.GetExport(s_library.Value, name);
        fixed (byte* s = src)
        fixed (float* d = result)
            fn(s, d, count);
        return result;
    }
}
