// Per-layer gradient checkpointing (DecoderModel.GradientCheckpointing): the same loss and the same gradients as the
// plain forward (≤ 1e-5) for every parameter of a full model, and for LoRA adapters on a frozen base with dropout
// (the rerun in backward restores the RNG state, so it draws the same masks).
using R1Sharp.Models;
using R1Sharp.Models.Lora;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Models;

public sealed class GradientCheckpointingTests
{
    private static (double Loss, Tensor[] Grads) Step(DecoderModel model, IEnumerable<Tensor> parameters, bool checkpoint, long seed)
    {
        model.GradientCheckpointing = checkpoint;
        foreach (var p in parameters) p.grad?.zero_();
        random.manual_seed(seed);
        using var ids = TinyModels.Ids([[1, 5, 9, 3, 7, 2, 11, 4], [2, 2, 8, 1, 0, 6, 3, 5]]);
        using var mask = tensor(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1 }, [2, 8]);
        using var hidden = model.NormedHidden(ids, attentionMask: mask);
        using var logp = model.TokenLogProbs(hidden, ids.roll(-1, 1));
        using var loss = logp.mean().neg();
        loss.backward();
        return (loss.item<float>(), parameters.Select(p => p.grad!.clone()).ToArray());
    }

    [Fact]
    public void Full_model_gradients_equal_the_plain_forward()
    {
        using var model = TinyModels.Create(TinyModels.Qwen2());
        var parameters = model.parameters().ToArray();
        var plain = Step(model, parameters, false, 1);
        var checkpointed = Step(model, parameters, true, 1);
        Assert.Equal(plain.Loss, checkpointed.Loss, 6);
        for (int i = 0; i < parameters.Length; i++) TinyModels.AssertClose(checkpointed.Grads[i], plain.Grads[i], $"parameter {i}");
    }

    [Fact]
    public void Lora_gradients_with_dropout_equal_the_plain_forward()
    {
        using var model = TinyModels.Create(TinyModels.Llama(kvHeads: 2));
        var adapters = LoraAttach.Attach(model, new LoraSettings(R: 4, Alpha: 8, Dropout: 0.2, TargetModules: [LoraSettings.AllLinear]), 1);
        Lora.LoraModelTests.Perturb(adapters, 2);
        model.train();
        var parameters = adapters.NamedParameters().Select(p => (Tensor)p.Parameter).ToArray();
        var plain = Step(model, parameters, false, 7);
        var checkpointed = Step(model, parameters, true, 7);
        Assert.Equal(plain.Loss, checkpointed.Loss, 6);
        for (int i = 0; i < parameters.Length; i++) TinyModels.AssertClose(checkpointed.Grads[i], plain.Grads[i], $"adapter parameter {i}");
        Assert.True(parameters[0].grad!.abs().sum().item<float>() > 0);
    }
}
