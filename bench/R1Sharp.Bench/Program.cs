// Benchmarks. Micro-benchmarks: `dotnet run -c Release --project bench/R1Sharp.Bench -- --filter '*'`;
// side-by-side programs by name: `... -- load-memory --model DIR`, `... -- sidebyside [--preset qwen2.5-0.5b]`,
// `... -- kl`, `... -- llama-run --gguf FILE`, `... -- rollout`, `... -- structured`, `... -- matvec`.
using BenchmarkDotNet.Running;
using R1Sharp.Bench;

var programs = new Dictionary<string, Func<string[], int>>
{
    ["load-memory"] = LoadMemory.Run,
    ["sidebyside"] = LlamaCppSideBySide.Run,
    ["serve"] = ServeBenchmark.Run,
    ["mla-cache"] = MlaCacheBenchmark.Run,
    ["kl"] = QuantizationKl.Run,
    ["llama-run"] = LlamaCppRun.Run,
    ["rollout"] = RolloutBenchmark.Run,
    ["structured"] = StructuredOutputBenchmark.Run,
    ["matvec"] = MatvecBenchmark.Run,
    ["v3-probe"] = V3Probe.Run,
};
if (OperatingSystem.IsLinux()) OpenMpIsolation.LoadTorchThenRestore(); // before llama.cpp's libgomp loads
if (args.Length > 0 && programs.TryGetValue(args[0], out var program)) return program(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(LoadMemory).Assembly).Run(args);
return 0;
