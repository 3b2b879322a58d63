// Code that runs outside a dispose scope must not leave Tensor objects to the finalizer: a temporary that is only the
// `this` of a native call (tensor(...).to(device), x.detach().abs()) can be finalized, and its native tensor freed,
// while the call runs — the Tensor twin of the temporary-Scalar crash. Counted in-process with the GcStress hook's
// listener, alone (no other test may finalize tensors meanwhile).
using R1Sharp.Generation;
using R1Sharp.Models;
using R1Sharp.Models.DeepSeekV3;
using R1Sharp.Training.Infrastructure;
using static R1Sharp.Tests.Training.Grpo.GrpoTrainerTestKit;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Reliability;

/// <summary>Tests that count finalized objects of the whole process: run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FinalizerCountCollection
{
    public const string Name = "finalizer counts";
}

[Collection(FinalizerCountCollection.Name)]
public sealed class TensorTemporaryTests
{
    static readonly ScalarFinalizations Counter = new();

    // Collects until the count has not moved for three rounds in a row: runtime events reach the listener
    // asynchronously, and on a loaded machine a fixed wait let the previous objects' events arrive after `before`.
    static void Settle()
    {
        long last = -1;
        int still = 0;
        for (int round = 0; round < 100 && still < 3; round++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Thread.Sleep(150);
            long now = Counter.Tensors;
            still = now == last ? still + 1 : 0;
            last = now;
        }
    }

    // Tensors finalized because of `action` (objects made before it, e.g. while loading a model, settle first).
    static long FinalizedTensors(Action action)
    {
        Settle();
        long before = Counter.Tensors;
        action();
        Settle();
        return Counter.Tensors - before;
    }

    [Fact]
    public void Generation_leaves_no_tensor_to_the_finalizer()
    {
        using var generator = R1Sharp.Generation.TextGenerator.Load(ModelDir);
        var request = new GenerationRequest(Tokenizer.Encode("Last digit of a1 + b2"));
        Assert.Equal(0, FinalizedTensors(() =>
        {
            for (ulong i = 0; i < 3; i++) generator.Generate([request, request], new GenerationOptions { MaxNewTokens = 8, Seed = i });
        }));
    }

    [Fact]
    public void Zeroing_gradients_leaves_no_tensor_to_the_finalizer_and_zeroes_them()
    {
        using var model = Policy();
        using var optimizer = TrainingOptimizer.Create(model, new AdamWOptions(1e-3));
        using (var ids = tensor(new long[] { 1, 2, 3, 4 }).view(1, 4))
        using (var logits = model.Forward(ids))
        using (var loss = logits.sum())
            loss.backward();

        Assert.Equal(0, FinalizedTensors(optimizer.ZeroGrad));
        foreach (var (_, p) in optimizer.Parameters)
        {
            using var grad = p.grad;
            using var any = grad!.any();
            Assert.False(any.item<bool>());
        }
    }

    [Fact]
    public void Moe_balancing_after_a_step_leaves_no_tensor_to_the_finalizer()
    {
        using var model = DecoderModel.Load(R1Sharp.Tests.Models.DeepSeekV3.MoeTrainingTests.CreateTinyDeepSeek(TempDir()));
        var balancer = MoeBalancer.For(model, 0.001)!;
        using (var noGrad = no_grad())
        using (var ids = tensor(new long[] { 1, 2, 3, 4 }).view(1, 4))
            model.Forward(ids).Dispose();
        Assert.Equal(0, FinalizedTensors(() => balancer.AfterOptimizerStep()));
    }

    [Fact]
    public void Loading_and_disposing_models_leaves_no_tensor_to_the_finalizer()
    {
        // Parameters take over their source tensor (whose emptied wrapper must not be left behind), and dense attention
        // and every SwiGLU (experts included) own fused q/k/v and gate/up matrices besides their parameters.
        string moe = R1Sharp.Tests.Models.DeepSeekV3.MoeTrainingTests.CreateTinyDeepSeek(TempDir());
        Assert.Equal(0, FinalizedTensors(() => LoadAndDispose(moe)));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    static void LoadAndDispose(string moeDirectory)
    {
        Policy().Dispose();
        DecoderModel.Load(moeDirectory).Dispose();
    }

    [Fact]
    public void Trimming_a_padded_cache_leaves_no_tensor_to_the_finalizer()
    {
        using var cache = new KvCache(1, 2, 8, 1, 4, 4, ScalarType.Float32);
        using (var mask = tensor(new long[] { 0, 1, 1, 1, 1, 1 }).view(2, 3))
            cache.Reserve(3, mask);
        cache.Commit(3);
        Assert.Equal(0, FinalizedTensors(() => Assert.Equal(0, cache.UnusedLeadingSlots())));
    }
}
