// Helpers for the sampler tests: run one stage over a small logits row and read back (id, probability)
// pairs, plus naive reference implementations of top-k/top-p used to cross-check the fast paths.
using R1Sharp.Generation;
using R1Sharp.Numerics;

namespace R1Sharp.Tests.Generation;

internal static class SamplerTestKit
{
    public const double Tol = 1e-6;

    public static float[] LogitsOf(params double[] probs) => [.. probs.Select(p => p == 0 ? float.NegativeInfinity : (float)Math.Log(p))];

    /// <summary>Runs the stages over the row; returns the surviving (id, prob) pairs ordered by id, and whether sorted.</summary>
    public static (int[] Ids, double[] Probs) Run(float[] logits, params ISampler[] stages)
    {
        var ws = new SamplerWorkspace(logits.Length);
        var c = ws.Load(logits);
        foreach (var s in stages) s.Apply(ref c);
        var probs = new float[c.Count];
        c.Probabilities(probs);
        var pairs = c.Ids.ToArray().Zip(probs).OrderBy(p => p.First).ToArray();
        return ([.. pairs.Select(p => p.First)], [.. pairs.Select(p => (double)p.Second)]);
    }

    public static float[] Transformed(float[] logits, ISampler stage)
    {
        var ws = new SamplerWorkspace(logits.Length);
        var c = ws.Load(logits);
        stage.Apply(ref c);
        return c.Logits.ToArray();
    }

    public static void AssertClose(double[] expected, double[] actual, double tol = Tol)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol, $"entry {i}: expected {expected[i]}, got {actual[i]}");
    }

    public static float[] RandomRow(int n, double scale, ulong seed)
    {
        var rng = new Xoshiro256(seed);
        var row = new float[n];
        for (int i = 0; i < n; i++)
        {
            // Box–Muller normal, rounded to a coarse grid sometimes to create ties.
            double u1 = 1 - rng.NextDouble(), u2 = rng.NextDouble();
            row[i] = (float)(scale * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
        return row;
    }

    /// <summary>Ids in "logit descending, id ascending" order.</summary>
    public static int[] Ranked(float[] logits) =>
        [.. Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).ThenBy(i => i)];

    /// <summary>Reference top-p: sort everything, keep the prefix whose mass reaches p (same tolerance as the stage).</summary>
    public static int[] NaiveTopP(float[] logits, double p)
    {
        var ranked = Ranked(logits);
        double max = logits.Max();
        double z = logits.Sum(l => Math.Exp(l - max));
        double cum = 0;
        for (int i = 0; i < ranked.Length; i++)
        {
            cum += Math.Exp(logits[ranked[i]] - max);
            if (cum >= p * z * (1 - 1e-6)) return [.. ranked.Take(i + 1).Order()];
        }
        return [.. ranked.Order()];
    }
}
