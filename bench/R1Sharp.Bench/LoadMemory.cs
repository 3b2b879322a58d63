// Peak resident memory of DecoderModel.Load against the bytes of the weights it loads: the check that
// loading never holds two copies (target ≤ 1.3×; a BF16 file loaded with --dtype bf16: ≤ 1.15×, issue #11).
// Run in its own process so the peak is the load's.
//   dotnet run -c Release --project bench/R1Sharp.Bench -- load-memory --model DIR [--dtype f32|bf16]
using System.Diagnostics;
using R1Sharp.Diagnostics;
using R1Sharp.Models;

namespace R1Sharp.Bench;

public static class LoadMemory
{
    public static int Run(string[] args)
    {
        int i = Array.IndexOf(args, "--model");
        if (i < 0 || i + 1 >= args.Length) { Console.Error.WriteLine("usage: load-memory --model DIR [--dtype f32|bf16]"); return 2; }
        string dir = args[i + 1];
        int d = Array.IndexOf(args, "--dtype");
        ModelLoadOptions load;
        try { load = WeightDTypes.LoadOptions(d >= 0 && d + 1 < args.Length ? args[d + 1] : null); }
        catch (R1SharpException e) { Console.Error.WriteLine(e.Message); return 2; }
        long weightBytes = ModelInspector.Inspect(dir).WeightBytes;
        using (var warm = TorchSharp.torch.zeros(1)) { } // load libtorch before the baseline
        long baseline = ProcessMemory.Resident;
        var clock = Stopwatch.StartNew();
        using var model = DecoderModel.Load(dir, load);
        double seconds = clock.Elapsed.TotalSeconds;
        long peak = ProcessMemory.Peak, rss = ProcessMemory.Resident;
        Console.WriteLine($"weights         {weightBytes / 1e6:N1} MB ({dir}), loaded as {model.DType}");
        Console.WriteLine($"baseline RSS    {baseline / 1e6:N1} MB (runtime + libtorch, before loading)");
        Console.WriteLine($"peak RSS        {peak / 1e6:N1} MB = {(double)peak / weightBytes:0.00}x weights " +
            $"(the load itself: {(double)(peak - baseline) / weightBytes:0.00}x)");
        Console.WriteLine($"RSS after load  {rss / 1e6:N1} MB; load took {seconds:0.0} s");
        return 0;
    }
}
