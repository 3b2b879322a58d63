// Batch-1 decode of both engines interleaved in short chunks: the bandwidth of these shared hosts drifts by tens of
// percent within minutes, so a ratio of two rates measured minutes apart carries that drift; chunks a few hundred
// milliseconds apart see the same machine. Each chunk of R1Sharp steps is paired with the llama.cpp chunk at the same
// positions, who goes first alternates, and the ratio reported is the median over the pairs.
using System.Diagnostics;
using LLama;
using LLama.Native;
using R1Sharp.Models;
using static TorchSharp.torch;

namespace R1Sharp.Bench;

public static partial class LlamaCppSideBySide
{
    /// <summary>Chunks of <paramref name="chunk"/> decode steps after a <paramref name="promptLength"/>-token prompt,
    /// alternating engines, over <paramref name="passes"/> passes of the tokens after the prompt; returns the median of
    /// the per-pair speed ratios (R1Sharp / llama.cpp) and each engine's overall tok/s.</summary>
    internal static (double Median, double Ours, double Theirs, int Pairs) MeasureInterleavedDecode(DecoderModel model, string gguf, int[] ids,
        int promptLength, int threads, int chunk = 16, int passes = 3)
    {
        var step = DenseDecodeStep.TryCreate(model) ?? throw new InvalidOperationException("no managed decode step for this model");
        var logits = new float[model.Config.VocabSize];
        using var noGrad = no_grad();
        var p = LlamaCppTools.Params(gguf, ids.Length, promptLength, threads);
        using var weights = LLamaWeights.LoadFromFile(p);
        var ratios = new List<double>();
        double oursSeconds = 0, theirsSeconds = 0;
        int steps = 0;
        for (int pass = 0; pass < passes + 1; pass++) // pass 0 warms both up and is not counted
        {
            using var cache = model.CreateCache(1, ids.Length);
            Prefill(model, step, ids.Take(promptLength).Select(i => (long)i).ToArray(), cache, logits);
            using var context = weights.CreateContext(p);
            var batch = new LLamaBatch();
            for (int i = 0; i < promptLength; i++) batch.Add((LLamaToken)ids[i], i, LLamaSeqId.Zero, i == promptLength - 1);
            Check(context.Decode(batch));
            for (int start = promptLength, n = 0; start < ids.Length; start += chunk, n++)
            {
                int end = Math.Min(ids.Length, start + chunk);
                double Ours()
                {
                    var clock = Stopwatch.StartNew();
                    for (int i = start; i < end; i++)
                        if (!step.TryStep([ids[i]], [i], cache, logits)) throw new InvalidOperationException("the managed step refused a batch-1 step");
                    return clock.Elapsed.TotalSeconds;
                }
                double Theirs()
                {
                    var clock = Stopwatch.StartNew();
                    for (int i = start; i < end; i++)
                    {
                        batch.Clear();
                        batch.Add((LLamaToken)ids[i], i, LLamaSeqId.Zero, true);
                        Check(context.Decode(batch));
                        _ = context.NativeHandle.GetLogitsIth(0);
                    }
                    return clock.Elapsed.TotalSeconds;
                }
                double ours, theirs;
                if ((n + pass) % 2 == 0) { ours = Ours(); theirs = Theirs(); }
                else { theirs = Theirs(); ours = Ours(); }
                if (pass == 0) continue;
                ratios.Add(theirs / ours);
                oursSeconds += ours;
                theirsSeconds += theirs;
                steps += end - start;
            }
        }
        ratios.Sort();
        double median = ratios.Count % 2 == 1 ? ratios[ratios.Count / 2] : (ratios[ratios.Count / 2 - 1] + ratios[ratios.Count / 2]) / 2;
        return (median, steps / oursSeconds, steps / theirsSeconds, ratios.Count);
    }
}
