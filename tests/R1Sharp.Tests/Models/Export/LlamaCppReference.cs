// llama.cpp (LLamaSharp 0.30.0, CPU backend) as the reference for GGUF exports: tokenization and all-position logits.
// Settings from DESIGN.md "Platform facts": F32 KV cache and no flash attention match an fp32 HF forward to ~2e-6.
using LLama;
using LLama.Common;
using LLama.Native;

namespace R1Sharp.Tests.Models.Export;

internal static class LlamaCppReference
{
    private static readonly object s_gate = new();
    private static bool s_quiet;

    /// <summary>Loads <paramref name="gguf"/> in llama.cpp on the CPU with a float32 KV cache.</summary>
    public static LLamaWeights Load(string gguf, out ModelParams parameters, int context = 256)
    {
        Quiet();
        parameters = new ModelParams(gguf)
        {
            ContextSize = (uint)context,
            GpuLayerCount = 0,
            BatchSize = (uint)context,
            UBatchSize = (uint)context,
            Threads = 2,
            TypeK = GGMLType.GGML_TYPE_F32,
            TypeV = GGMLType.GGML_TYPE_F32,
            FlashAttention = false,
        };
        return LLamaWeights.LoadFromFile(parameters);
    }

    /// <summary>llama.cpp's tokenization of <paramref name="text"/> (special tokens parsed, BOS as asked).</summary>
    public static int[] Tokenize(string gguf, string text, bool addBos)
    {
        using var weights = Load(gguf, out var p);
        using var context = weights.CreateContext(p);
        return context.Tokenize(text, addBos, special: true).Select(t => (int)t).ToArray();
    }

    /// <summary>Logits [position][vocab] for <paramref name="ids"/> decoded as one batch with logits at every position.</summary>
    public static float[][] Logits(string gguf, IReadOnlyList<int> ids)
    {
        using var weights = Load(gguf, out var p);
        using var context = weights.CreateContext(p);
        var batch = new LLamaBatch();
        for (int i = 0; i < ids.Count; i++) batch.Add((LLamaToken)ids[i], i, LLamaSeqId.Zero, true);
        var result = context.Decode(batch);
        Assert.Equal(DecodeResult.Ok, result);
        var rows = new float[ids.Count][];
        for (int i = 0; i < ids.Count; i++) rows[i] = context.NativeHandle.GetLogitsIth(i).ToArray();
        return rows;
    }

    // llama.cpp logs every tensor at load; keep test output readable but show errors.
    private static void Quiet()
    {
        lock (s_gate)
        {
            if (s_quiet) return;
            NativeLogConfig.llama_log_set((level, message) =>
            {
                if (level == LLamaLogLevel.Error) Console.Error.Write(message);
            });
            s_quiet = true;
        }
    }
}
