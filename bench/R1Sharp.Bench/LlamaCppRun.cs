// One GGUF through llama.cpp (LLamaSharp 0.30, CPU) in a process of its own, so that `/usr/bin/time -f %M` reads
// llama.cpp's peak memory alone: the real-size comparison of README "Decode speed" runs it beside `r1 run`.
using LLama.Native;

namespace R1Sharp.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench/R1Sharp.Bench -- llama-run --gguf FILE [--prompt 64] [--decode 32]
/// [--threads N]</c>: prefill and decode tok/s of llama.cpp on random token ids (the second of two rounds).
/// </summary>
public static class LlamaCppRun
{
    /// <summary>Runs llama.cpp on the file; returns the exit code.</summary>
    public static int Run(string[] args)
    {
        int at = Array.IndexOf(args, "--gguf");
        if (at < 0 || at + 1 >= args.Length || !File.Exists(args[at + 1]))
        {
            Console.Error.WriteLine("llama-run: --gguf FILE (an existing GGUF) is required");
            return 2;
        }
        int prompt = LlamaCppTools.IntArg(args, "--prompt", 64), decode = LlamaCppTools.IntArg(args, "--decode", 32);
        int threads = LlamaCppTools.IntArg(args, "--threads", Environment.ProcessorCount);
        NativeApi.llama_empty_call();
        NativeLogConfig.llama_log_set((level, message) => { if (level == LLamaLogLevel.Error) Console.Error.Write(message); });
        var rng = new Random(5);
        int[] ids = Enumerable.Range(0, prompt + decode).Select(_ => rng.Next(1000)).ToArray();
        var (prefill, rate) = LlamaCppSideBySide.MeasureLlamaCpp(args[at + 1], ids, prompt, threads);
        Console.WriteLine($"llama.cpp {Path.GetFileName(args[at + 1])}: prefill {prefill:0.0} tok/s, decode {rate:0.00} tok/s ({prompt} + {decode} tokens, {threads} threads)");
        return 0;
    }
}
