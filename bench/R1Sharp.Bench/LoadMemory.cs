// Peak resident memory of DecoderModel.Load against the bytes of the weights it loads: the check that
// loading never holds two copies (target ≤ 1.3×). Run in its own process so the peak is the load's.
//   dotnet run -c Release --project bench/R1Sharp.Bench -- load-memory --model DIR
using System.Diagnostics;
using R1Sharp.Models;

namespace R1Sharp.Bench;

public static class LoadMemory
{
    public static int Run(string[] args)
    {
        int i = Array.IndexOf(args, "--model");
        if (i < 0 || i + 1 >= args.Length) { Console.Error.WriteLine("usage: load-memory --model DIR"); return 2; }
        string dir = args[i + 1];
        long weightBytes = ModelInspector.Inspect(dir).WeightBytes;
        using (var warm = TorchSharp.torch.zeros(1)) { } // load libtorch before the baseline
        long baseline = Status("VmRSS");
        var clock = Stopwatch.StartNew();
        using var model = DecoderModel.Load(dir);
        double seconds = clock.Elapsed.TotalSeconds;
        long peak = Status("VmHWM"), rss = Status("VmRSS");
        Console.WriteLine($"weights         {weightBytes / 1e6:N1} MB ({dir})");
        Console.WriteLine($"baseline RSS    {baseline / 1e6:N1} MB (runtime + libtorch, before loading)");
        Console.WriteLine($"peak RSS        {peak / 1e6:N1} MB = {(double)peak / weightBytes:0.00}x weights");
        Console.WriteLine($"RSS after load  {rss / 1e6:N1} MB; load took {seconds:0.0} s");
        return 0;
    }

    // /proc/self/status fields in bytes (VmRSS: now, VmHWM: peak).
    static long Status(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line.AsSpan(field.Length + 1).Trim().TrimEnd("kB").Trim()) * 1024;
        throw new InvalidOperationException($"{field} not in /proc/self/status");
    }
}
