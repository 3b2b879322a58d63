// Raw speed of the managed fp32 products outside a model: one (rows × columns) matrix, `batch` input rows, repeated,
// in GB/s of weights read and GFLOP/s. Batch 1 is the decode matvec (memory-bound), 64 the GEMM of rollout batches.
using System.Diagnostics;
using System.Runtime.InteropServices;
using R1Sharp.Tensors.Kernels;

namespace R1Sharp.Bench;

/// <summary><c>dotnet run -c Release --project bench/R1Sharp.Bench -- matvec [--rows 151936] [--columns 896]
/// [--batches 1,64] [--repeats 20]</c>: GB/s and GFLOP/s of <see cref="MatMul.Run(WeightMatrix, float*, int, float*, int, int, KernelPool?)"/>.</summary>
public static unsafe class MatvecBenchmark
{
    /// <summary>Runs it; returns the exit code.</summary>
    public static int Run(string[] args)
    {
        int rows = LlamaCppTools.IntArg(args, "--rows", 151936), columns = LlamaCppTools.IntArg(args, "--columns", 896);
        int repeats = LlamaCppTools.IntArg(args, "--repeats", 20);
        int[] batches = LlamaCppTools.Arg(args, "--batches", "1,64").Split(',').Select(int.Parse).ToArray();
        long weights = (long)rows * columns;
        float* w = (float*)NativeMemory.AlignedAlloc((nuint)(weights * 4), 64);
        int most = batches.Max();
        float* x = (float*)NativeMemory.AlignedAlloc((nuint)((long)most * columns * 4), 64);
        float* y = (float*)NativeMemory.AlignedAlloc((nuint)((long)most * rows * 4), 64);
        try
        {
            var rng = new Random(1);
            for (long i = 0; i < weights; i++) w[i] = (float)(rng.NextDouble() - 0.5);
            for (long i = 0; i < (long)most * columns; i++) x[i] = (float)(rng.NextDouble() - 0.5);
            var matrix = new WeightMatrix(w, WeightFormat.F32, rows, columns);
            Console.WriteLine($"matrix {rows} x {columns} fp32 ({weights * 4 / 1e6:0} MB), {Environment.ProcessorCount} threads");
            foreach (int batch in batches)
            {
                MatMul.Run(matrix, x, columns, y, rows, batch); // warm-up
                double best = double.MaxValue;
                for (int r = 0; r < repeats; r++)
                {
                    var clock = Stopwatch.StartNew();
                    MatMul.Run(matrix, x, columns, y, rows, batch);
                    best = Math.Min(best, clock.Elapsed.TotalSeconds);
                }
                Console.WriteLine($"batch {batch,3}: {best * 1e3,8:0.00} ms  {weights * 4 / best / 1e9,6:0.0} GB/s  {2.0 * weights * batch / best / 1e9,6:0.0} GFLOP/s");
            }
            return 0;
        }
        finally
        {
            NativeMemory.AlignedFree(w);
            NativeMemory.AlignedFree(x);
            NativeMemory.AlignedFree(y);
        }
    }
}
