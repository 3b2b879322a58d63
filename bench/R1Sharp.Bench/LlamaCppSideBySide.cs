// Side-by-side speed of R1Sharp's DecoderModel and llama.cpp (LLamaSharp 0.30, CPU) on the same random weights:
// the model is saved as safetensors, exported to F32 GGUF by GgufExporter, and both run prefill and batch-1 decode.
using System.Diagnostics;
using LLama;
using LLama.Native;
using R1Sharp.Formats.Config;
using R1Sharp.Formats.Gguf;
using R1Sharp.Models;
using R1Sharp.Models.Export;
using R1Sharp.Text;
using R1Sharp.Tensors.Kernels;
using R1Sharp.Text.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench/R1Sharp.Bench -- sidebyside [--preset qwen2.5-0.5b|tiny] [--prompt 512]
/// [--decode 128] [--threads N] [--rounds 3] [--interleaved-passes 3] [--engines f32,bf16,int8,int4] [--batched-only] [--rollout-engines f32]
/// [--no-rollout]</c>: prefill tok/s and decode tok/s of both engines at each precision (R1Sharp f32 through TorchSharp
/// ops and through the managed kernels, bf16, int8, int4; llama.cpp F32, F16, Q8_0, Q4_0 quantized by llama.cpp itself,
/// pure), and ratios; each pair's decode again interleaved (MeasureInterleavedDecode; 0 passes skips it); then f32
/// batched decode and the rollout-shaped batch (`rollout`, one round, llama.cpp's split KV) of the --rollout-engines
/// (f32, bf16 or int8; f32 by default, GRPO's precision).
/// </summary>
public static partial class LlamaCppSideBySide
{
    internal static readonly Dictionary<string, ModelConfig> Presets = new()
    {
        ["qwen2.5-0.5b"] = new Qwen2Config
        {
            VocabSize = 151936, HiddenSize = 896, IntermediateSize = 4864, NumHiddenLayers = 24, NumAttentionHeads = 14,
            NumKeyValueHeads = 2, RmsNormEps = 1e-6, RopeTheta = 1000000, TieWordEmbeddings = true, MaxPositionEmbeddings = 32768,
        },
        ["tiny"] = new Qwen2Config
        {
            VocabSize = 4096, HiddenSize = 256, IntermediateSize = 688, NumHiddenLayers = 4, NumAttentionHeads = 8,
            NumKeyValueHeads = 2, RmsNormEps = 1e-6, RopeTheta = 10000, TieWordEmbeddings = true, MaxPositionEmbeddings = 4096,
        },
    };

    /// <summary>Decode steps per engine turn in the interleaved measurement.</summary>
    private const int InterleavedChunk = 16;

    /// <summary>Runs the comparison and prints one line per engine and the ratios; returns the exit code.</summary>
    public static int Run(string[] args)
    {
        string preset = LlamaCppTools.Arg(args, "--preset", "qwen2.5-0.5b");
        int promptLength = LlamaCppTools.IntArg(args, "--prompt", 512);
        int decodeLength = LlamaCppTools.IntArg(args, "--decode", 128);
        int rounds = LlamaCppTools.IntArg(args, "--rounds", 3);
        int threads = LlamaCppTools.IntArg(args, "--threads", Environment.ProcessorCount);
        if (!Presets.TryGetValue(preset, out var config))
        {
            Console.Error.WriteLine($"unknown --preset '{preset}'; use one of {string.Join(", ", Presets.Keys)}");
            return 2;
        }
        torch.set_num_threads(threads);
        // llama.cpp's errors only.
        NativeApi.llama_empty_call(); // resolves llama.cpp's native library before any direct P/Invoke (quantize)
        NativeLogConfig.llama_log_set((level, message) => { if (level == LLamaLogLevel.Error) Console.Error.Write(message); });
        string dir = Path.Combine(Path.GetTempPath(), "r1-sidebyside-" + Guid.NewGuid().ToString("N"));
        try
        {
            var clock = Stopwatch.StartNew();
            using var model = new DecoderModel(config);
            model.InitializeWeights(seed: 1);
            model.eval();
            model.Save(dir);
            SaveTokenizer(dir);
            string gguf = Path.Combine(dir, "model.f32.gguf");
            var export = GgufExporter.Export(dir, gguf);
            Console.WriteLine($"preset {preset}: {config.NumHiddenLayers} layers, hidden {config.HiddenSize}, vocab {config.VocabSize}; " +
                $"export {export.FileBytes / 1e6:0} MB in {export.Elapsed.TotalSeconds:0.0} s; setup {clock.Elapsed.TotalSeconds:0.0} s; threads {threads}");
            var rng = new Random(5);
            int[] ids = Enumerable.Range(0, promptLength + decodeLength).Select(_ => rng.Next(config.VocabSize)).ToArray();

            // Every engine is measured once per round, rounds alternate engines, and each keeps its best round: the
            // bandwidth of a shared host drifts by tens of percent within minutes, so one pass per engine compares
            // different machines.
            string[] groups = LlamaCppTools.Arg(args, "--engines", "f32,bf16,int8,int4").Split(',');
            if ((groups.Contains("int8") || groups.Contains("int4")) && (config.HiddenSize % 32 != 0 || config.IntermediateSize % 32 != 0))
            {
                // llama.cpp's pure Q8_0/Q4_0 has no fallback type for rows that are not whole 32-value blocks.
                Console.Error.WriteLine($"--engines int8/int4 need hidden and intermediate sizes that are multiples of 32 (preset {preset}: " +
                    $"{config.HiddenSize}, {config.IntermediateSize}); use --engines f32,bf16");
                return 2;
            }
            var engines = new List<(string Name, Func<(double Prefill, double Decode)> Measure)>();
            var pairs = new List<(string Ours, string Theirs, string Label, DecoderModel Model, string Gguf)>();
            var loaded = new List<DecoderModel>();
            if (groups.Contains("f32"))
            {
                engines.Add(("R1Sharp f32, TorchSharp ops", () => MeasureR1Sharp(model, ids, promptLength, kernels: false)));
                engines.Add(("R1Sharp f32, kernels", () => MeasureR1Sharp(model, ids, promptLength, kernels: true)));
                engines.Add(("llama.cpp F32", () => MeasureLlamaCpp(gguf, ids, promptLength, threads)));
                pairs.Add(("R1Sharp f32, kernels", "llama.cpp F32", "f32 / llama.cpp F32", model, gguf));
            }
            if (groups.Contains("bf16"))
            {
                string gguf16 = Path.Combine(dir, "model.f16.gguf");
                GgufExporter.Export(dir, gguf16, GgmlType.F16);
                var bf16 = DecoderModel.Load(dir, new ModelLoadOptions { DType = ScalarType.BFloat16 });
                loaded.Add(bf16);
                engines.Add(("R1Sharp bf16, kernels", () => MeasureR1Sharp(bf16, ids, promptLength, kernels: true)));
                engines.Add(("llama.cpp F16", () => MeasureLlamaCpp(gguf16, ids, promptLength, threads)));
                pairs.Add(("R1Sharp bf16, kernels", "llama.cpp F16", "bf16 / llama.cpp F16", bf16, gguf16));
            }
            // R1Sharp quantizes a BF16 checkpoint (what R1-Distill models ship; prefill GEMMs then run in bf16), llama.cpp its
            // F32 GGUF: the same weights up to bf16 rounding.
            string bf16Dir = Path.Combine(dir, "bf16");
            if (groups.Contains("int8") || groups.Contains("int4"))
                using (var bf16Copy = DecoderModel.Load(dir, new ModelLoadOptions { DType = ScalarType.BFloat16 }))
                {
                    bf16Copy.Save(bf16Dir);
                    SaveTokenizer(bf16Dir);
                }
            foreach (var (group, format, ftype, type) in new[] { ("int8", QuantFormat.Int8, LLamaFtype.MOSTLY_Q8_0, "Q8_0"), ("int4", QuantFormat.Int4, LLamaFtype.MOSTLY_Q4_0, "Q4_0") })
            {
                if (!groups.Contains(group)) continue;
                string quantized = Path.Combine(dir, $"model.{type}.gguf");
                LlamaCppTools.Quantize(gguf, quantized, ftype, threads);
                var ours = DecoderModel.Load(bf16Dir, new ModelLoadOptions { Quantization = format });
                loaded.Add(ours);
                engines.Add(($"R1Sharp {group}, kernels", () => MeasureR1Sharp(ours, ids, promptLength, kernels: true)));
                engines.Add(($"llama.cpp {type}", () => MeasureLlamaCpp(quantized, ids, promptLength, threads)));
                pairs.Add(($"R1Sharp {group}, kernels", $"llama.cpp {type}", $"{group} / llama.cpp {type}", ours, quantized));
            }
            var best = engines.ToDictionary(e => e.Name, _ => (Prefill: 0.0, Decode: 0.0));
            for (int round = 0; round < (args.Contains("--batched-only") ? 0 : rounds); round++)
                foreach (var (name, measure) in engines)
                {
                    var (prefill, decode) = measure();
                    best[name] = (Math.Max(best[name].Prefill, prefill), Math.Max(best[name].Decode, decode));
                }
            Console.WriteLine($"best of {rounds} alternating rounds, prompt {promptLength}, decode {decodeLength}:");
            foreach (var (name, _) in engines) Report(name, best[name].Prefill, best[name].Decode);
            foreach (var (ours, theirs, label, _, _) in pairs)
                Console.WriteLine($"ratio {label}: prefill {best[ours].Prefill / best[theirs].Prefill:0.00}x, decode {best[ours].Decode / best[theirs].Decode:0.00}x");
            if (groups.Contains("f32"))
                Console.WriteLine($"(f32 through TorchSharp ops: decode {best[engines[0].Name].Decode / best["llama.cpp F32"].Decode:0.00}x llama.cpp F32)");
            int passes = LlamaCppTools.IntArg(args, "--interleaved-passes", 3);
            if (passes > 0 && !args.Contains("--batched-only"))
            {
                Console.WriteLine($"decode interleaved: chunks of {InterleavedChunk} steps alternating engines, {passes} passes of the {decodeLength} tokens, " +
                    "median of the paired ratios:");
                foreach (var (_, _, label, ours, file) in pairs)
                {
                    var (median, oursRate, theirsRate, count) = MeasureInterleavedDecode(ours, file, ids, promptLength, threads, InterleavedChunk, passes);
                    Console.WriteLine($"ratio {label}: decode {median:0.00}x interleaved ({count} pairs; {oursRate:0.0} against {theirsRate:0.0} tok/s over them)");
                }
            }
            foreach (var m in loaded) m.Dispose();
            foreach (int batch in groups.Contains("f32") ? new[] { 8, 32, 64 } : [])
                Console.WriteLine($"R1Sharp f32 batched decode, {batch,2} sequences: {MeasureBatchedDecode(model, config.VocabSize, batch, decodeLength, kernels: true),7:0.0} tok/s in total with kernels, " +
                    $"{MeasureBatchedDecode(model, config.VocabSize, batch, decodeLength, kernels: false),7:0.0} with TorchSharp ops");
            if (args.Contains("--no-rollout")) return 0;
            // The rollout-shaped batch in the same run (same preset, same seed, so the same weights), against llama.cpp's
            // split KV layout, its better one for these shapes (README).
            var rolloutEngines = LlamaCppTools.Arg(args, "--rollout-engines", "f32").Split(',').Intersect(groups).ToArray();
            if (rolloutEngines.Length == 0) return 0;
            Console.WriteLine("rollout-shaped batch:");
            return RolloutBenchmark.Run(["--preset", preset, "--engines", string.Join(',', rolloutEngines), "--llama-kv", "split",
                "--rounds", "1", "--threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static void Report(string engine, double prefill, double decode) =>
        Console.WriteLine($"{engine,-28} prefill {prefill,8:0.0} tok/s   decode {decode,6:0.0} tok/s");

    private static void Check(DecodeResult result)
    {
        if (result != DecodeResult.Ok) throw new InvalidOperationException($"llama.cpp decode failed: {result}");
    }

    // The export needs a tokenizer; the benchmark feeds ids directly, so a small trained one padded to the vocab will do.
    internal static void SaveTokenizer(string dir)
    {
        string[] text = ["The quick brown fox jumps over the lazy dog. ", "A reasoning model thinks step by step before it answers. "];
        var result = BpeTrainer.Train(Enumerable.Repeat(text, 20).SelectMany(t => t), new BpeTrainerOptions
        {
            VocabSize = 300, SpecialTokens = ["<|endoftext|>"], MinFrequency = 1, PreTokenizerPatterns = [SplitPreTokenizer.Qwen2Pattern],
        });
        TrainedTokenizerWriter.Save(result, dir, new TokenizerFileOptions { EosToken = "<|endoftext|>" });
    }
}
