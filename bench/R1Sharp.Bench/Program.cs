// Benchmarks: `dotnet run -c Release --project bench/R1Sharp.Bench -- --filter '*'`;
// side by side with llama.cpp: `... -- sidebyside [--preset qwen2.5-0.5b]` (LlamaCppSideBySide).
using BenchmarkDotNet.Running;

if (args.Length > 0 && args[0] == "sidebyside") return R1Sharp.Bench.LlamaCppSideBySide.Run(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
