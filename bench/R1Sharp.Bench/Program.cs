// Benchmarks: `dotnet run -c Release --project bench/R1Sharp.Bench -- --filter '*'`.
using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
