// The managed decode step (DenseDecodeStep) against the float64 HF reference, token by token from an empty cache, and
// against DecoderModel.Forward on a left-padded batch whose rows sit at different positions; bf16 weights against
// the fp32 model holding the same (bf16-representable) numbers.
using R1Sharp.Models;
using R1Sharp.Tests.Models.DeepSeekV3;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Models;

public sealed class DenseDecodeStepTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "r1sharp-kernels-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    public static TheoryData<string> Shapes => new() { "qwen2", "qwen2-mha-tied", "llama3", "llama-mqa" };

    private static DecoderModel Create(string shape) => shape switch
    {
        "qwen2" => TinyModels.Create(TinyModels.Qwen2()),
        "qwen2-mha-tied" => TinyModels.Create(TinyModels.Qwen2(kvHeads: 4, tie: true)),
        "llama3" => TinyModels.Create(TinyModels.Llama(kvHeads: 2)),
        _ => TinyModels.Create(TinyModels.Llama(kvHeads: 1, llama3: false)),
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Steps_from_an_empty_cache_match_the_float64_reference(string shape)
    {
        using var model = Create(shape);
        var step = DenseDecodeStep.TryCreate(model);
        Assert.NotNull(step);
        long[] ids = [3, 17, 1, 44, 9, 9, 20, 5, 31, 2, 8, 13];
        using var reference = TinyModels.Reference(model, ids);
        using var cache = model.CreateCache(1, 4); // grows twice on the way
        var logits = new float[model.Config.VocabSize];
        for (int i = 0; i < ids.Length; i++)
        {
            Assert.True(step!.TryStep([ids[i]], [i], cache, logits));
            using var actual = tensor(logits);
            using var expected = reference[i];
            TinyModels.AssertClose(actual, expected, $"{shape} position {i}");
        }
        Assert.Equal(ids.Length, cache.Length);
    }

    [Fact]
    public void A_left_padded_batch_steps_like_the_torchsharp_forward()
    {
        using var model = Create("qwen2");
        var step = DenseDecodeStep.TryCreate(model)!;
        using var noGrad = no_grad();
        long[][] prompts = [[5, 6, 7, 8, 9, 10], [11, 12], [13, 14, 15, 16]];
        using var ids = TinyModels.Ids(prompts.Select(p => new long[6 - p.Length].Concat(p).ToArray()).ToArray());
        using var mask = TinyModels.Ids(prompts.Select(p => Enumerable.Repeat(0L, 6 - p.Length).Concat(Enumerable.Repeat(1L, p.Length)).ToArray()).ToArray());
        using var positions = TinyModels.Ids(prompts.Select(p => Enumerable.Repeat(0L, 6 - p.Length).Concat(Enumerable.Range(0, p.Length).Select(i => (long)i)).ToArray()).ToArray());
        using var torchCache = model.CreateCache(3, 16);
        using var kernelCache = model.CreateCache(3, 16);
        using (model.Forward(ids, positions, mask, torchCache, lastOnly: true)) { }
        using (model.Forward(ids, positions, mask, kernelCache, lastOnly: true)) { }
        long[] next = [1, 2, 3];
        long[] pos = prompts.Select(p => (long)p.Length).ToArray();
        var logits = new float[3 * model.Config.VocabSize];
        for (int s = 0; s < 5; s++)
        {
            using var idTensor = tensor(next, new long[] { 3, 1 });
            using var posTensor = tensor(pos, new long[] { 3, 1 });
            using var expected = model.Forward(idTensor, posTensor, cache: torchCache);
            Assert.True(step.TryStep(next, pos, kernelCache, logits));
            using var actual = tensor(logits, new long[] { 3, 1, model.Config.VocabSize });
            TinyModels.AssertClose(actual, expected, $"step {s}");
            next = next.Select(n => (n * 7 + 3) % model.Config.VocabSize).ToArray();
            pos = pos.Select(p => p + 1).ToArray();
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Bf16_weights_step_close_to_the_fp32_model_of_the_same_numbers(string shape)
    {
        using (var source = Create(shape))
        {
            using var noGrad = no_grad();
            foreach (var (_, p) in source.named_parameters())
            {
                using var rounded = p.to_type(ScalarType.BFloat16).to_type(ScalarType.Float32);
                p.copy_(rounded);
            }
            source.Save(_dir);
        }
        using var fp32 = DecoderModel.Load(_dir);
        using var bf16 = DecoderModel.Load(_dir, new ModelLoadOptions { DType = ScalarType.BFloat16 });
        var step = DenseDecodeStep.TryCreate(bf16);
        Assert.NotNull(step);
        long[] ids = [3, 17, 1, 44, 9, 9, 20, 5];
        using var reference = TinyModels.Reference(fp32, ids);
        using var cache = bf16.CreateCache(1, 16);
        Assert.Equal(ScalarType.BFloat16, cache.DType);
        var logits = new float[fp32.Config.VocabSize];
        double worst = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            Assert.True(step!.TryStep([ids[i]], [i], cache, logits));
            using var actual = tensor(logits).to_type(ScalarType.Float64);
            using var expected = reference[i];
            using var error = (actual - expected).norm() / expected.norm();
            worst = Math.Max(worst, error.item<double>());
        }
        // The TorchSharp bf16 forward (bf16 activations) on the same prompt: the kernels (fp32 activations, bf16 cache)
        // must be at least as close to the reference.
        double torchError;
        using (no_grad())
        using (var idTensor = TinyModels.Ids([ids]))
        using (var torchLogits = bf16.Forward(idTensor))
        using (var squeezed = torchLogits.squeeze(0).to_type(ScalarType.Float64))
        using (var diff = (squeezed - reference).norm() / reference.norm())
            torchError = diff.item<double>();
        Assert.True(worst < 2e-2 && worst <= torchError, $"relative logit error {worst}, TorchSharp bf16 forward {torchError}");
    }

    [Fact]
    public void Other_layouts_and_batches_fall_back_to_torchsharp()
    {
        using var v3 = TinyDeepSeek.Create(TinyDeepSeek.Config());
        Assert.Null(DenseDecodeStep.TryCreate(v3));
        using var model = Create("qwen2");
        var step = DenseDecodeStep.TryCreate(model)!;
        using var cache = model.CreateCache(DenseDecodeStep.MaxRows + 1, 8);
        var ids = new long[DenseDecodeStep.MaxRows + 1];
        Assert.False(step.TryStep(ids, ids, cache, new float[ids.Length * model.Config.VocabSize]));
        Assert.Equal(0, cache.Length);
        using var small = model.CreateCache(1, 8);
        Assert.Throws<ArgumentOutOfRangeException>(() => step.TryStep([model.Config.VocabSize], [0], small, new float[model.Config.VocabSize]));
    }
}
