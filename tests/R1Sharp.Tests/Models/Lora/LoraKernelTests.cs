// LoRA adapters in the managed step (DenseDecodeStep adds s·B·(A·x) after each base product): steps and the kernel
// prefill of an adapted model give the TorchSharp forward's logits (fp32, int8 base), a disabled adapter drops out, and
// adapters attached after the step was made send it back to TorchSharp.
using R1Sharp.Formats.Config;
using R1Sharp.Models;
using R1Sharp.Models.Lora;
using R1Sharp.Tensors.Kernels;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Models.Lora;

public sealed class LoraKernelTests
{
    private static readonly LoraSettings AllLinear = new(R: 4, Alpha: 8, Dropout: 0, TargetModules: [LoraSettings.AllLinear]);

    private static DecoderModel Wide() => TinyModels.Create(new Qwen2Config
    {
        VocabSize = 67, HiddenSize = 256, IntermediateSize = 320, NumHiddenLayers = 2, NumAttentionHeads = 4,
        NumKeyValueHeads = 2, RmsNormEps = 1e-6, RopeTheta = 10000, MaxPositionEmbeddings = 512,
    }, std: 0.06);

    // Last-position logits of `ids` through the step (prefill where it prefills the model, else token by token).
    private static float[] Kernel(DecoderModel model, DenseDecodeStep step, long[] ids)
    {
        int vocab = model.Config.VocabSize;
        var logits = new float[vocab];
        using var cache = model.CreateCache(1, ids.Length);
        if (step.Prefills)
            Assert.True(step.TryPrefill(ids, ids.Select((_, i) => (long)i).ToArray(), ids.Select(_ => true).ToArray(), 1, cache, true, logits));
        else
            for (int i = 0; i < ids.Length; i++) Assert.True(step.TryStep([ids[i]], [i], cache, logits));
        return logits;
    }

    private static Tensor Torch(DecoderModel model, long[] ids)
    {
        using var noGrad = no_grad();
        using var input = TinyModels.Ids([ids]);
        using var all = model.Forward(input);
        return all[0, ^1].clone();
    }

    [Theory]
    [InlineData("narrow", null)]   // token by token, dot kernels
    [InlineData("wide", null)]     // kernel prefill and the GEMM
    [InlineData("narrow", QuantFormat.Int8)]
    public void An_adapted_model_steps_like_its_torchsharp_forward(string shape, QuantFormat? quantize)
    {
        using var model = shape == "wide" ? Wide() : TinyModels.Create(TinyModels.Qwen2(), std: 0.1);
        if (quantize is { } format) model.Quantize(format);
        var adapters = LoraAttach.Attach(model, AllLinear, seed: 3);
        LoraModelTests.Perturb(adapters, 5);
        var step = DenseDecodeStep.TryCreate(model);
        Assert.NotNull(step);
        long[] ids = TinyModels.RandomTokens(new Random(4), 40, model.Config.VocabSize);
        // An int8 base: the kernels round activations to 15-bit blocks, TorchSharp does not (QuantizedModelTests' bound).
        double tolerance = quantize is null ? 1e-5 : 2e-3;
        using (var expected = Torch(model, ids))
        using (var actual = tensor(Kernel(model, step!, ids)))
            Close(actual, expected, tolerance, "adapted");
        using (adapters.Disable())
        using (var expected = Torch(model, ids))
        using (var actual = tensor(Kernel(model, step!, ids)))
            Close(actual, expected, tolerance, "adapters disabled");
    }

    private static void Close(Tensor actual, Tensor expected, double tolerance, string what)
    {
        double scale = Math.Max(1.0, expected.abs().max().item<float>());
        Assert.True(TinyModels.MaxDiff(actual, expected) <= tolerance * scale, $"{what}: max diff {TinyModels.MaxDiff(actual, expected)} at scale {scale}");
    }

    [Fact]
    public void Adapters_attached_after_the_step_was_made_send_it_back_to_torchsharp()
    {
        using var model = TinyModels.Create(TinyModels.Qwen2());
        var step = DenseDecodeStep.TryCreate(model)!;
        LoraAttach.Attach(model, AllLinear, seed: 3);
        using var cache = model.CreateCache(1, 4);
        Assert.False(step.TryStep([1], [0], cache, new float[model.Config.VocabSize]));
        Assert.Equal(0, cache.Length);
    }
}
