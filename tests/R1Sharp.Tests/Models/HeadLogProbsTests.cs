// Chunked log-probs (DecoderModel.TokenLogProbs): the same values and gradients as log_softmax over the full logits
// (GrpoLoss.SelectiveLogSoftmax of Forward), within 1e-5, for untied and tied heads, a temperature, chunks that do not
// divide the rows, and the per-row entropy; and through an int8 head into LoRA adapters.
using R1Sharp.Models;
using R1Sharp.Models.Lora;
using R1Sharp.Tensors.Kernels;
using R1Sharp.Training.Grpo;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Models;

public sealed class HeadLogProbsTests
{
    private static readonly long[][] Rows = [[1, 5, 9, 3, 7, 2, 11, 4, 8], [2, 2, 8, 1, 0, 6, 3, 5, 9]];

    [Theory]
    [InlineData(false, 1.0, 4)]
    [InlineData(true, 0.7, 5)]
    [InlineData(false, 1.3, 256)]
    public void Equal_the_full_log_softmax_in_value_and_gradient(bool tie, double temperature, int chunk)
    {
        using var model = TinyModels.Create(TinyModels.Qwen2(tie: tie));
        using var ids = TinyModels.Ids(Rows);
        using var targets = ids.roll(-1, 1);

        // Reference: full (B, T, V) logits.
        using var logits = model.Forward(ids);
        using var scaled = logits / temperature;
        using var expected = GrpoLoss.SelectiveLogSoftmax(scaled, targets);
        using var weights = torch.arange(expected.numel(), dtype: ScalarType.Float32).reshape(expected.shape).cos();
        using (var loss = (expected * weights).sum()) loss.backward();
        var expectedGrads = model.parameters().Select(p => p.grad!.clone()).ToArray();
        using var expectedEntropy = GrpoLoss.PerTokenEntropy(scaled.detach());
        model.zero_grad();

        using var entropy = new RowEntropy();
        using var hidden = model.NormedHidden(ids);
        using var actual = model.TokenLogProbs(hidden, targets, temperature, chunk, entropy);
        TinyModels.AssertClose(actual, expected, "log-probs");
        TinyModels.AssertClose(entropy.Values!.reshape(expectedEntropy.shape), expectedEntropy, "entropy");
        using (var loss = (actual * weights).sum()) loss.backward();
        var grads = model.parameters().Select(p => p.grad!).ToArray();
        for (int i = 0; i < grads.Length; i++) TinyModels.AssertClose(grads[i], expectedGrads[i], $"gradient {i}");
        foreach (var g in expectedGrads) g.Dispose();
    }

    [Fact]
    public void Without_autograd_they_equal_the_full_log_softmax()
    {
        using var model = TinyModels.Create(TinyModels.Qwen2());
        using var noGrad = no_grad();
        using var ids = TinyModels.Ids(Rows);
        using var targets = ids.roll(-1, 1);
        using var logits = model.Forward(ids);
        using var expected = GrpoLoss.SelectiveLogSoftmax(logits, targets);
        using var hidden = model.NormedHidden(ids);
        using var actual = model.TokenLogProbs(hidden, targets, chunkRows: 7);
        TinyModels.AssertClose(actual, expected);
    }

    [Fact]
    public void Through_an_int8_head_the_adapters_get_the_full_log_softmax_gradient()
    {
        string dir = Path.Combine(Path.GetTempPath(), "r1sharp-headlp-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var source = TinyModels.Create(TinyModels.Qwen2(vocab: 96))) source.Save(dir);
            using var model = DecoderModel.Load(dir, new ModelLoadOptions { Quantization = QuantFormat.Int8 });
            var adapters = LoraAttach.Attach(model, new LoraSettings(R: 2, Alpha: 4, Dropout: 0, TargetModules: ["all-linear"]), 1);
            Lora.LoraModelTests.Perturb(adapters, 3);
            using var ids = TinyModels.Ids(Rows);
            using var targets = ids.roll(-1, 1);
            using var logits = model.Forward(ids);
            using var expected = GrpoLoss.SelectiveLogSoftmax(logits, targets);
            using (var loss = expected.sum()) loss.backward();
            var expectedGrads = adapters.NamedParameters().Select(p => p.Parameter.grad!.clone()).ToArray();
            foreach (var (_, p) in adapters.NamedParameters()) p.grad!.zero_();
            using var hidden = model.NormedHidden(ids);
            // One chunk of all 18 rows: the int8 head then runs the same sliced GEMM as Forward (≤ 16 rows would take the
            // managed matvec, whose rounding differs by ~1e-4; chunking itself is checked on fp32 above).
            using var actual = model.TokenLogProbs(hidden, targets, chunkRows: 18);
            TinyModels.AssertClose(actual, expected);
            using (var loss = actual.sum()) loss.backward();
            var grads = adapters.NamedParameters().Select(p => p.Parameter.grad!).ToArray();
            for (int i = 0; i < grads.Length; i++) TinyModels.AssertClose(grads[i], expectedGrads[i], $"adapter gradient {i}");
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }
}
