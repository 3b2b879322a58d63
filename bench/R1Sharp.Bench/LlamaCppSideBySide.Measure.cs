// The measurements of `bench sidebyside`: R1Sharp prefill and decode (TorchSharp ops or the managed step), batched
// decode, and llama.cpp prefill and decode through LLamaSharp.
using System.Diagnostics;
using LLama;
using LLama.Common;
using LLama.Native;
using R1Sharp.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Bench;

public static partial class LlamaCppSideBySide
{
    // Prefill and decode through DecoderModel.Forward, or through the managed step (DenseDecodeStep, what TextGenerator
    // uses, prefill included where it prefills the model) when `kernels`.
    private static (double Prefill, double Decode) MeasureR1Sharp(DecoderModel model, int[] ids, int promptLength, bool kernels)
    {
        var step = kernels ? DenseDecodeStep.TryCreate(model) ?? throw new InvalidOperationException("no managed decode step for this model") : null;
        var logits = new float[model.Config.VocabSize];
        using var noGrad = no_grad();
        double prefill = 0, decode = 0;
        for (int round = 0; round < 2; round++) // the first round warms up allocators and kernels
        {
            using var cache = model.CreateCache(1, ids.Length);
            var clock = Stopwatch.StartNew();
            Prefill(model, step, ids.Take(promptLength).Select(i => (long)i).ToArray(), cache, logits);
            prefill = promptLength / clock.Elapsed.TotalSeconds;
            clock.Restart();
            for (int i = promptLength; i < ids.Length; i++)
            {
                if (step is not null)
                {
                    if (!step.TryStep([ids[i]], [i], cache, logits)) throw new InvalidOperationException("the managed step refused a batch-1 step");
                    continue;
                }
                using var token = tensor(new long[] { ids[i] }, new long[] { 1, 1 });
                using var output = model.Forward(token, cache: cache, lastOnly: true);
            }
            decode = (ids.Length - promptLength) / clock.Elapsed.TotalSeconds;
        }
        return (prefill, decode);
    }

    // The prompt into the cache as TextGenerator prefills it: through the managed kernels in chunks of
    // DenseDecodeStep.MaxPrefillRows where they prefill this model, else one DecoderModel.Forward.
    private static void Prefill(DecoderModel model, DenseDecodeStep? step, long[] prompt, KvCache cache, float[] logits)
    {
        if (step is { Prefills: true })
        {
            for (int start = 0; start < prompt.Length; start += DenseDecodeStep.MaxPrefillRows)
            {
                int width = Math.Min(DenseDecodeStep.MaxPrefillRows, prompt.Length - start);
                var positions = Enumerable.Range(start, width).Select(i => (long)i).ToArray();
                if (!step.TryPrefill(prompt.AsSpan(start, width), positions, Enumerable.Repeat(true, width).ToArray(), 1, cache,
                        start + width == prompt.Length, logits))
                    throw new InvalidOperationException("the managed step refused a prefill chunk");
            }
            return;
        }
        using var ids = tensor(prompt, new long[] { 1, prompt.Length });
        using (model.Forward(ids, cache: cache, lastOnly: true)) { }
    }

    // B sequences with a 64-token prompt each, then `steps` decode steps of B tokens (one per sequence), through the
    // managed step where it takes the batch (as Generator does), else DecoderModel.Forward.
    private static double MeasureBatchedDecode(DecoderModel model, int vocab, int batch, int steps, bool kernels)
    {
        var step = kernels ? DenseDecodeStep.TryCreate(model) : null;
        var logits = new float[batch * vocab];
        using var noGrad = no_grad();
        const int prompt = 64;
        var rng = new Random(9);
        double rate = 0;
        for (int round = 0; round < 2; round++) // the first round warms up
        {
            using var cache = model.CreateCache(batch, prompt + steps);
            using (var ids = randint(vocab, new long[] { batch, prompt }, dtype: ScalarType.Int64))
            using (model.Forward(ids, cache: cache, lastOnly: true)) { }
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < steps; i++)
            {
                long[] next = Enumerable.Range(0, batch).Select(_ => (long)rng.Next(vocab)).ToArray();
                if (step is not null)
                {
                    if (!step.TryStep(next, Enumerable.Repeat((long)(prompt + i), batch).ToArray(), cache, logits))
                        throw new InvalidOperationException("the managed step refused the batch");
                    continue;
                }
                using var token = tensor(next, new long[] { batch, 1 });
                using var output = model.Forward(token, cache: cache, lastOnly: true);
            }
            rate = batch * steps / clock.Elapsed.TotalSeconds;
        }
        return rate;
    }

    internal static (double Prefill, double Decode) MeasureLlamaCpp(string gguf, int[] ids, int promptLength, int threads)
    {
        var p = LlamaCppTools.Params(gguf, ids.Length, promptLength, threads);
        using var weights = LLamaWeights.LoadFromFile(p);
        double prefill = 0, decode = 0;
        for (int round = 0; round < 2; round++)
        {
            using var context = weights.CreateContext(p);
            var batch = new LLamaBatch();
            for (int i = 0; i < promptLength; i++) batch.Add((LLamaToken)ids[i], i, LLamaSeqId.Zero, i == promptLength - 1);
            var clock = Stopwatch.StartNew();
            Check(context.Decode(batch));
            prefill = promptLength / clock.Elapsed.TotalSeconds;
            clock.Restart();
            for (int i = promptLength; i < ids.Length; i++)
            {
                batch.Clear();
                batch.Add((LLamaToken)ids[i], i, LLamaSeqId.Zero, true);
                Check(context.Decode(batch));
                _ = context.NativeHandle.GetLogitsIth(0);
            }
            decode = (ids.Length - promptLength) / clock.Elapsed.TotalSeconds;
        }
        return (prefill, decode);
    }
}
