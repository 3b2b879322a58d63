// Per-step sampling cost over a Qwen2-sized logits row (151,936 entries) with the R1 setting (T 0.6, top-p 0.95).
// Run: dotnet run -c Release --project bench/R1Sharp.Bench -- --filter '*Sampler*' --job short
using BenchmarkDotNet.Attributes;
using R1Sharp.Generation;
using R1Sharp.Numerics;

namespace R1Sharp.Bench;

/// <summary>
/// Rows: "Normal(0,1)" is i.i.d. standard normal logits — a flat worst case where top-p 0.95 at T 0.6 keeps
/// about half the vocabulary; "Peaked" adds a few dominant logits on top of Normal(0, 2), closer to a real
/// LM step (top-p keeps tens to hundreds of tokens).
/// </summary>
[MemoryDiagnoser]
public class SamplerBenchmarks
{
    private const int Vocab = 151_936;
    private float[] _row = [];
    private SamplerChain _chain = null!, _greedy = null!, _topK = null!;

    [Params("Normal(0,1)", "Peaked")]
    public string Row { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Xoshiro256(123);
        _row = new float[Vocab];
        double scale = Row == "Peaked" ? 2.0 : 1.0;
        for (int i = 0; i < Vocab; i++)
        {
            double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
            _row[i] = (float)(scale * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        if (Row == "Peaked")
            for (int j = 0; j < 8; j++) _row[(int)(rng.NextUInt64() % Vocab)] = 14f - j;
        _chain = SamplerChain.FromOptions(SamplerOptions.R1Recommended with { Seed = 1 }, Vocab);
        _greedy = SamplerChain.FromOptions(new SamplerOptions { Temperature = 0 }, Vocab);
        _topK = SamplerChain.FromOptions(SamplerOptions.R1Recommended with { TopK = 40, Seed = 1 }, Vocab);
    }

    /// <summary>Temperature 0.6 → top-p 0.95 → sample.</summary>
    [Benchmark(Baseline = true)]
    public int TempTopP() => _chain.Sample(_row);

    /// <summary>Same, also reporting the sampling log-prob (one more exp pass).</summary>
    [Benchmark]
    public int TempTopPWithLogProb() => _chain.Sample(_row, out _);

    /// <summary>Temperature 0.6 → top-k 40 → top-p 0.95 → sample.</summary>
    [Benchmark]
    public int TempTopKTopP() => _topK.Sample(_row);

    /// <summary>Argmax.</summary>
    [Benchmark]
    public int Greedy() => _greedy.Sample(_row);
}
