// GRPO-rollout-shaped generation, R1Sharp beside llama.cpp (LLamaSharp 0.30, CPU) on the same random weights:
// P prompts × G samples, each prompt prefilled once and its KV used by its G samples, a fixed number of new tokens per
// sample (EOS ignored), temperature 1 over the whole vocabulary. R1Sharp runs TextGenerator.Generate (what GRPO, eval and
// distill call); llama.cpp runs one batch of P·G sequences after `llama_memory_seq_cp` of each prompt, in both of its
// KV layouts (unified: cells shared by the G sequences, every query masked over every cell; split: one stream per
// sequence, the prompt copied), and the better one counts.
using System.Diagnostics;
using LLama;
using LLama.Native;
using R1Sharp.Formats.Gguf;
using R1Sharp.Generation;
using R1Sharp.Models;
using R1Sharp.Models.Export;
using R1Sharp.Tensors.Kernels;
using R1Sharp.Text;
using TorchSharp;
using TextGenerator = R1Sharp.Generation.TextGenerator;
using ScalarType = TorchSharp.torch.ScalarType;

namespace R1Sharp.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench/R1Sharp.Bench -- rollout [--preset qwen2.5-0.5b|tiny] [--prompts 8]
/// [--samples 8] [--prompt 512] [--decode 256] [--engines f32,bf16,int8] [--llama-kv unified,split] [--rounds 2] [--threads N]</c>:
/// wall time and generated tokens/s of one rollout batch per engine, best of alternating rounds, and the ratios.
/// </summary>
public static class RolloutBenchmark
{
    private sealed record Shape(int Prompts, int Samples, int PromptLength, int NewTokens, int Threads)
    {
        public int Rows => Prompts * Samples;
        public int Generated => Rows * NewTokens;
    }

    /// <summary>Runs the comparison; returns the exit code.</summary>
    public static int Run(string[] args)
    {
        string preset = LlamaCppTools.Arg(args, "--preset", "qwen2.5-0.5b");
        var shape = new Shape(LlamaCppTools.IntArg(args, "--prompts", 8), LlamaCppTools.IntArg(args, "--samples", 8),
            LlamaCppTools.IntArg(args, "--prompt", 512), LlamaCppTools.IntArg(args, "--decode", 256),
            LlamaCppTools.IntArg(args, "--threads", Environment.ProcessorCount));
        int rounds = LlamaCppTools.IntArg(args, "--rounds", 2);
        string[] groups = LlamaCppTools.Arg(args, "--engines", "f32,bf16,int8").Split(',');
        string[] layouts = LlamaCppTools.Arg(args, "--llama-kv", "unified,split").Split(',');
        if (layouts.Length == 0 || layouts.Any(l => l is not ("unified" or "split")))
        {
            Console.Error.WriteLine($"--llama-kv takes unified, split or both, got '{string.Join(',', layouts)}'");
            return 2;
        }
        if (!LlamaCppSideBySide.Presets.TryGetValue(preset, out var config))
        {
            Console.Error.WriteLine($"unknown --preset '{preset}'; use one of {string.Join(", ", LlamaCppSideBySide.Presets.Keys)}");
            return 2;
        }
        torch.set_num_threads(shape.Threads);
        NativeApi.llama_empty_call();
        NativeLogConfig.llama_log_set((level, message) => { if (level == LLamaLogLevel.Error) Console.Error.Write(message); });
        string dir = Path.Combine(Path.GetTempPath(), "r1-rollout-" + Guid.NewGuid().ToString("N"));
        var loaded = new List<DecoderModel>();
        try
        {
            using (var model = new DecoderModel(config))
            {
                model.InitializeWeights(seed: 1);
                model.Save(dir);
            }
            LlamaCppSideBySide.SaveTokenizer(dir);
            var tokenizer = HfTokenizer.Load(dir);
            string f32 = Path.Combine(dir, "model.f32.gguf");
            GgufExporter.Export(dir, f32);
            var rng = new Random(5);
            var prompts = Enumerable.Range(0, shape.Prompts)
                .Select(_ => Enumerable.Range(0, shape.PromptLength).Select(_ => rng.Next(config.VocabSize)).ToArray()).ToArray();
            Console.WriteLine($"preset {preset}: {shape.Prompts} prompts x {shape.Samples} samples, prompt {shape.PromptLength}, " +
                $"{shape.NewTokens} new tokens each ({shape.Generated} in all), temperature 1, threads {shape.Threads}");

            var engines = new List<(string Name, Func<double> Measure)>();
            var pairs = new List<(string Ours, string Theirs)>();
            void Add(string ours, DecoderModel model, string theirs, string gguf)
            {
                loaded.Add(model);
                var generator = new TextGenerator(model, tokenizer);
                engines.Add(($"R1Sharp {ours}", () => MeasureR1Sharp(generator, prompts, shape)));
                foreach (var layout in layouts)
                    engines.Add(($"llama.cpp {theirs}, {layout} KV", () => MeasureLlamaCpp(gguf, prompts, shape, unified: layout == "unified")));
                pairs.Add(($"R1Sharp {ours}", $"llama.cpp {theirs}"));
            }
            if (groups.Contains("f32")) Add("f32", DecoderModel.Load(dir), "F32", f32);
            if (groups.Contains("bf16"))
            {
                string f16 = Path.Combine(dir, "model.f16.gguf");
                GgufExporter.Export(dir, f16, GgmlType.F16);
                Add("bf16", DecoderModel.Load(dir, new ModelLoadOptions { DType = ScalarType.BFloat16 }), "F16", f16);
            }
            if (groups.Contains("int8"))
            {
                string q8 = Path.Combine(dir, "model.Q8_0.gguf");
                LlamaCppTools.Quantize(f32, q8, LLamaFtype.MOSTLY_Q8_0, shape.Threads);
                Add("int8", DecoderModel.Load(dir, new ModelLoadOptions { Quantization = QuantFormat.Int8 }), "Q8_0", q8);
            }
            var best = engines.ToDictionary(e => e.Name, _ => double.MaxValue);
            for (int round = 0; round < rounds; round++)
                foreach (var (name, measure) in engines)
                {
                    double seconds = measure();
                    Console.WriteLine($"  round {round + 1}: {name,-30} {seconds,7:0.00} s");
                    best[name] = Math.Min(best[name], seconds);
                }
            Console.WriteLine($"best of {rounds} alternating rounds:");
            foreach (var (name, _) in engines)
                Console.WriteLine($"{name,-32} {best[name],7:0.00} s  {shape.Generated / best[name],7:0.0} generated tok/s");
            foreach (var (ours, theirs) in pairs)
            {
                double llama = layouts.Min(l => best[$"{theirs}, {l} KV"]);
                Console.WriteLine($"ratio {ours} / {theirs} ({(layouts.Length > 1 ? "its better KV layout" : layouts[0] + " KV")}): {llama / best[ours]:0.00}x");
            }
            return 0;
        }
        finally
        {
            foreach (var m in loaded) m.Dispose();
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    // Seconds for one Generate call over the whole rollout batch.
    private static double MeasureR1Sharp(TextGenerator generator, int[][] prompts, Shape shape)
    {
        var options = new GenerationOptions
        {
            SamplesPerPrompt = shape.Samples, MaxNewTokens = shape.NewTokens, IgnoreEos = true, Seed = 7,
            Sampler = new SamplerOptions { Temperature = 1f, TopP = 1f },
        };
        var clock = Stopwatch.StartNew();
        var results = generator.Generate(prompts.Select(p => new GenerationRequest(p)).ToArray(), options);
        double seconds = clock.Elapsed.TotalSeconds;
        if (results.Count != shape.Rows || results.Any(r => r.Tokens.Length != shape.NewTokens))
            throw new InvalidOperationException("R1Sharp generated a different number of tokens than asked");
        return seconds;
    }

    // Seconds for llama.cpp: the prompts decoded once (sequence p·G), copied to the G − 1 other sequences, then one
    // batch of P·G tokens per step, each sampled by llama.cpp's temperature + distribution sampler.
    private static double MeasureLlamaCpp(string gguf, int[][] prompts, Shape shape, bool unified)
    {
        int context = unified ? shape.Prompts * shape.PromptLength + shape.Generated + 256 : shape.Rows * (shape.PromptLength + shape.NewTokens + 16);
        var p = LlamaCppTools.Params(gguf, context, 512, shape.Threads);
        p.BatchSize = (uint)(shape.Prompts * shape.PromptLength);
        p.SeqMax = (uint)shape.Rows;
        p.KVUnified = unified;
        using var weights = LLamaWeights.LoadFromFile(p);
        using var ctx = weights.CreateContext(p);
        using var sampler = SafeLLamaSamplerChainHandle.Create(LLamaSamplerChainParams.Default());
        sampler.AddTemperature(1f);
        sampler.AddDistributionSampler(7);
        var batch = new LLamaBatch();
        var next = new LLamaToken[shape.Rows];
        var clock = Stopwatch.StartNew();
        for (int q = 0; q < shape.Prompts; q++)
            for (int i = 0; i < shape.PromptLength; i++)
                batch.Add((LLamaToken)prompts[q][i], i, (LLamaSeqId)(q * shape.Samples), i == shape.PromptLength - 1);
        Check(ctx.Decode(batch));
        for (int q = 0; q < shape.Prompts; q++)
        {
            for (int s = 1; s < shape.Samples; s++)
                ctx.NativeHandle.MemorySequenceCopy((LLamaSeqId)(q * shape.Samples), (LLamaSeqId)(q * shape.Samples + s), -1, -1);
            for (int s = 0; s < shape.Samples; s++) next[q * shape.Samples + s] = sampler.Sample(ctx.NativeHandle, q * shape.PromptLength + shape.PromptLength - 1);
        }
        for (int step = 1; step < shape.NewTokens; step++)
        {
            batch.Clear();
            for (int r = 0; r < shape.Rows; r++) batch.Add(next[r], shape.PromptLength + step - 1, (LLamaSeqId)r, true);
            Check(ctx.Decode(batch));
            for (int r = 0; r < shape.Rows; r++) next[r] = sampler.Sample(ctx.NativeHandle, r);
        }
        return clock.Elapsed.TotalSeconds;
    }

    private static void Check(DecodeResult result)
    {
        if (result != DecodeResult.Ok) throw new InvalidOperationException($"llama.cpp decode failed: {result}");
    }
}
