// Prompt prefill in the managed kernels (DenseDecodeStep.TryPrefill) against DecoderModel.Forward with the same
// left-padded prompts and mask: the last logits, then decode steps that read what each prefill left in its cache, and
// the float64 reference for an unpadded prompt; bf16 and int8/int4 models, whose projections of 32 rows or more take
// libtorch's bf16 GEMM, against their own TorchSharp forward. The model is wide enough (hidden 256) for the GEMM, which
// prefill needs; the 64-wide test models keep the TorchSharp prefill.
using R1Sharp.Formats.Config;
using R1Sharp.Models;
using R1Sharp.Tensors.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Models;

public sealed class KernelPrefillTests
{
    private static DecoderModel Wide() => TinyModels.Create(new Qwen2Config
    {
        VocabSize = 67, HiddenSize = 256, IntermediateSize = 320, NumHiddenLayers = 2, NumAttentionHeads = 4,
        NumKeyValueHeads = 2, RmsNormEps = 1e-6, RopeTheta = 10000, MaxPositionEmbeddings = 512,
    }, std: 0.06);

    [Fact]
    public void Only_models_wide_enough_for_the_gemm_prefill_in_kernels()
    {
        using var wide = Wide();
        Assert.True(DenseDecodeStep.TryCreate(wide)!.Prefills);
        using var narrow = TinyModels.Create(TinyModels.Qwen2());
        Assert.False(DenseDecodeStep.TryCreate(narrow)!.Prefills);
    }

    [Fact]
    public void A_left_padded_chunked_prefill_matches_the_torchsharp_forward_and_its_cache_decodes_alike()
    {
        using var model = Wide();
        var step = DenseDecodeStep.TryCreate(model)!;
        using var noGrad = no_grad();
        int vocab = model.Config.VocabSize;
        var rng = new Random(3);
        long[][] prompts = [TinyModels.RandomTokens(rng, 45, vocab), TinyModels.RandomTokens(rng, 7, vocab), TinyModels.RandomTokens(rng, 26, vocab)];
        int p = prompts.Length, t = prompts.Max(x => x.Length);
        long[] Row(long[] prompt, Func<int, long> value, long pad) =>
            Enumerable.Repeat(pad, t - prompt.Length).Concat(Enumerable.Range(0, prompt.Length).Select(value)).ToArray();
        var ids = prompts.Select(x => Row(x, i => x[i], 0)).ToArray();
        var positions = prompts.Select(x => Row(x, i => i, 0)).ToArray();
        var mask = prompts.Select(x => Row(x, _ => 1, 0)).ToArray();
        using var torchCache = model.CreateCache(p, 8);
        using var kernelCache = model.CreateCache(p, 8); // grows on the way
        using var idTensor = TinyModels.Ids(ids);
        using var positionTensor = TinyModels.Ids(positions);
        using var maskTensor = TinyModels.Ids(mask);
        using var expected = model.Forward(idTensor, positionTensor, maskTensor, torchCache, lastOnly: true);
        var logits = new float[p * vocab];
        for (int start = 0; start < t; start += 16) // chunks of 16 columns, the first ones all padding for two prompts
        {
            int width = Math.Min(16, t - start);
            var (chunkIds, chunkPositions, real) = (new long[p * width], new long[p * width], new bool[p * width]);
            for (int r = 0; r < p; r++)
                for (int c = 0; c < width; c++)
                    (chunkIds[r * width + c], chunkPositions[r * width + c], real[r * width + c]) =
                        (ids[r][start + c], positions[r][start + c], mask[r][start + c] != 0);
            Assert.True(step.TryPrefill(chunkIds, chunkPositions, real, p, kernelCache, start + width == t, logits));
        }
        Assert.Equal(torchCache.Length, kernelCache.Length);
        using (var actual = tensor(logits, new long[] { p, 1, vocab })) TinyModels.AssertClose(actual, expected, "prefill");
        long[] next = [1, 2, 3];
        long[] pos = prompts.Select(x => (long)x.Length).ToArray();
        for (int s = 0; s < 3; s++)
        {
            using var nextTensor = tensor(next, new long[] { p, 1 });
            using var posTensor = tensor(pos, new long[] { p, 1 });
            using var torchLogits = model.Forward(nextTensor, posTensor, cache: torchCache);
            Assert.True(step.TryStep(next, pos, kernelCache, logits));
            using var actual = tensor(logits, new long[] { p, 1, vocab });
            TinyModels.AssertClose(actual, torchLogits, $"step {s}");
            next = next.Select(n => (n * 7 + 3) % vocab).ToArray();
            pos = pos.Select(x => x + 1).ToArray();
        }
    }

    [Fact]
    public void An_unpadded_prompt_matches_the_float64_reference_at_its_last_position()
    {
        using var model = Wide();
        var step = DenseDecodeStep.TryCreate(model)!;
        long[] ids = TinyModels.RandomTokens(new Random(9), 70, model.Config.VocabSize);
        using var reference = TinyModels.Reference(model, ids);
        using var cache = model.CreateCache(1, 70);
        var logits = new float[model.Config.VocabSize];
        Assert.True(step.TryPrefill(ids, ids.Select((_, i) => (long)i).ToArray(), ids.Select(_ => true).ToArray(), 1, cache, true, logits));
        using var actual = tensor(logits);
        using var expected = reference[^1];
        TinyModels.AssertClose(actual, expected, "last position");
        Assert.False(step.TryPrefill(new long[DenseDecodeStep.MaxPrefillRows + 1], new long[DenseDecodeStep.MaxPrefillRows + 1],
            new bool[DenseDecodeStep.MaxPrefillRows + 1].Select(_ => true).ToArray(), 1, cache, false, logits));
        Assert.Equal(70, cache.Length);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(QuantFormat.Int8)]
    [InlineData(QuantFormat.Int4)]
    public void A_bf16_or_quantized_prefill_takes_libtorch_gemms_and_stays_close_to_its_torchsharp_forward(QuantFormat? quantization)
    {
        string dir = Path.Combine(Path.GetTempPath(), "r1sharp-prefill-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var source = Wide()) source.Save(dir);
            using var model = DecoderModel.Load(dir, new ModelLoadOptions { DType = ScalarType.BFloat16, Quantization = quantization });
            var step = DenseDecodeStep.TryCreate(model)!;
            Assert.True(step.Prefills);
            using var noGrad = no_grad();
            int vocab = model.Config.VocabSize;
            long[] ids = TinyModels.RandomTokens(new Random(5), 70, vocab); // a chunk of 64 rows (libtorch's GEMM) and one of 6 (matvec)
            var logits = new float[vocab];
            using var kernelCache = model.CreateCache(1, 80);
            for (int start = 0; start < ids.Length; start += 64)
            {
                int width = Math.Min(64, ids.Length - start);
                Assert.True(step.TryPrefill(ids.AsSpan(start, width), Enumerable.Range(start, width).Select(i => (long)i).ToArray(),
                    Enumerable.Repeat(true, width).ToArray(), 1, kernelCache, start + width == ids.Length, logits));
            }
            using var torchCache = model.CreateCache(1, 80);
            using var idTensor = tensor(ids, new long[] { 1, ids.Length });
            using var expected = model.Forward(idTensor, cache: torchCache, lastOnly: true);
            // bf16 activations around every product, fp32 elsewhere in the kernels where the forward keeps bf16: close, not equal.
            double scale = expected.abs().max().to_type(ScalarType.Float64).item<double>();
            using (var actual = tensor(logits, new long[] { 1, 1, vocab }))
                Assert.True(TinyModels.MaxDiff(actual, expected.to_type(ScalarType.Float32)) <= 0.03 * scale, $"prefill: scale {scale}");
            // Decode steps read what each prefill left in its cache.
            Assert.True(step.TryStep([3], [ids.Length], kernelCache, logits));
            using var next = tensor(new long[] { 3 }, new long[] { 1, 1 });
            using var nextPosition = tensor(new long[] { ids.Length }, new long[] { 1, 1 });
            using var torchLogits = model.Forward(next, nextPosition, cache: torchCache);
            using (var actual = tensor(logits, new long[] { 1, 1, vocab }))
                Assert.True(TinyModels.MaxDiff(actual, torchLogits.to_type(ScalarType.Float32)) <= 0.03 * scale, "step after the prefill");
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
