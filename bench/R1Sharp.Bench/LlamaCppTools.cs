// What the llama.cpp side-by-side programs share: option parsing, llama.cpp's context parameters (CPU, F32 KV cache,
// no flash attention) and its own quantizer.
using System.Globalization;
using LLama.Common;
using LLama.Native;

namespace R1Sharp.Bench;

internal static class LlamaCppTools
{
    /// <summary>The value after <paramref name="name"/> in <paramref name="args"/>, or <paramref name="fallback"/>.</summary>
    public static string Arg(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    /// <summary>An integer option (invariant culture).</summary>
    public static int IntArg(string[] args, string name, int fallback) =>
        int.Parse(Arg(args, name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

    /// <summary>CPU-only parameters for a context of <paramref name="context"/> tokens taking batches of <paramref name="batch"/>.</summary>
    public static ModelParams Params(string gguf, int context, int batch, int threads) => new(gguf)
    {
        ContextSize = (uint)context, GpuLayerCount = 0, BatchSize = (uint)batch, UBatchSize = (uint)batch,
        Threads = threads, BatchThreads = threads, TypeK = GGMLType.GGML_TYPE_F32, TypeV = GGMLType.GGML_TYPE_F32, FlashAttention = false,
    };

    /// <summary>
    /// llama.cpp's quantizer, pure (every matrix of <paramref name="type"/>, output head included); with
    /// <paramref name="f32Embedding"/> the input embedding stays F32.
    /// </summary>
    public static void Quantize(string source, string destination, LLamaFtype type, int threads, bool f32Embedding = false)
    {
        var qp = LLamaModelQuantizeParams.Default();
        (qp.ftype, qp.pure, qp.quantize_output_tensor, qp.nthread) = (type, true, true, threads);
        if (f32Embedding) qp.token_embedding_type = GGMLType.GGML_TYPE_F32;
        if (NativeApi.llama_model_quantize(source, destination, ref qp) != 0) throw new InvalidOperationException($"llama.cpp quantize to {type} failed");
    }
}
