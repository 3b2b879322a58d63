// int8/int4 models (ModelLoadOptions.Quantization, `--dtype int8|int4`): the quantized model computes what an fp32
// model holding the dequantized weights computes (both the managed matvec of a few rows and the sliced GEMM of a
// prefill), the managed decode step agrees with its TorchSharp forward, the released matrices hold no storage, matrices
// whose input size is no multiple of 32 stay unquantized (llama.cpp's fallback), quantizing each layer as the loader reads
// it gives the model quantized after loading, and saving or a MoE model is refused.
using R1Sharp.Models;
using R1Sharp.Tensors.Kernels;
using R1Sharp.Tests.Models.DeepSeekV3;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Models;

public sealed class QuantizedModelTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "r1sharp-quant-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    public static TheoryData<QuantFormat, string> Cases => new()
    {
        { QuantFormat.Int8, "qwen2" }, { QuantFormat.Int4, "qwen2" }, { QuantFormat.Int8, "llama3" }, { QuantFormat.Int4, "llama3" },
    };

    private string Saved(string shape)
    {
        using var source = TinyModels.Create(shape == "qwen2" ? TinyModels.Qwen2(vocab: 96) : TinyModels.Llama(kvHeads: 2, vocab: 96));
        source.Save(_dir);
        return _dir;
    }

    // An fp32 model whose every quantized matrix holds its dequantized values: what the quantized model must compute.
    private static DecoderModel Dequantized(string dir, DecoderModel quantized)
    {
        var reference = DecoderModel.Load(dir);
        using var noGrad = no_grad();
        var kept = quantized.KeptUnquantized.ToHashSet();
        foreach (var (name, p) in reference.named_parameters())
        {
            if (p.dim() != 2 || name == "model.embed_tokens.weight" || p.shape[1] % QuantizedMatrix.BlockSize != 0) continue;
            using var q = QuantizedWeights.FromTensor(p, quantized.Quantization!.Value);
            using var values = empty(p.shape, dtype: ScalarType.Float32);
            unsafe { q.Dequantize(0, q.Rows, (float*)TensorMemory.Pointer(values)); }
            p.copy_(values);
        }
        return reference;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_quantized_model_computes_what_its_dequantized_fp32_twin_computes(QuantFormat format, string shape)
    {
        string dir = Saved(shape);
        using var model = DecoderModel.Load(dir, new ModelLoadOptions { Quantization = format });
        using var twin = Dequantized(dir, model);
        Assert.Equal(format, model.Quantization);
        Assert.Equal(shape == "qwen2" ? 0 : 3, model.KeptUnquantized.Count); // llama's intermediate 80: down_proj stays fp32
        using var noGrad = no_grad();
        var rng = new Random(5);
        foreach (int t in new[] { 3, QuantizedLinear.MaxMatvecRows + 9 }) // the managed matvec, then the sliced GEMM
        {
            using var ids = TinyModels.Ids([TinyModels.RandomTokens(rng, t, 96)]);
            using var actual = model.Forward(ids);
            using var expected = twin.Forward(ids);
            double scale = expected.abs().max().item<float>();
            // Only the activations' 15-bit rounding separates them.
            Assert.True(TinyModels.MaxDiff(actual, expected) <= 2e-3 * Math.Max(1, scale), $"{format} {shape} T={t}: {TinyModels.MaxDiff(actual, expected)}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_managed_decode_step_agrees_with_the_quantized_torchsharp_forward(QuantFormat format, string shape)
    {
        using var model = DecoderModel.Load(Saved(shape), new ModelLoadOptions { Quantization = format });
        var step = DenseDecodeStep.TryCreate(model);
        Assert.NotNull(step);
        long[] ids = [3, 17, 1, 44, 9, 9, 20, 5];
        using var noGrad = no_grad();
        using var torchCache = model.CreateCache(1, 16);
        using var kernelCache = model.CreateCache(1, 16);
        var logits = new float[model.Config.VocabSize];
        for (int i = 0; i < ids.Length; i++)
        {
            using var id = tensor(new[] { ids[i] }, new long[] { 1, 1 });
            using var expected = model.Forward(id, cache: torchCache);
            Assert.True(step!.TryStep([ids[i]], [i], kernelCache, logits));
            using var actual = tensor(logits, new long[] { 1, 1, model.Config.VocabSize });
            // Both round each projection's input to 15 bits; fp32-level differences in that input flip a rounding now and then.
            double scale = Math.Max(1, expected.abs().max().item<float>());
            Assert.True(TinyModels.MaxDiff(actual, expected) <= 2e-4 * scale, $"{format} {shape} position {i}: {TinyModels.MaxDiff(actual, expected)}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Quantizing_each_layer_as_it_is_read_gives_the_model_quantized_after_loading(QuantFormat format, string shape)
    {
        string dir = Saved(shape);
        using var streamed = DecoderModel.Load(dir, new ModelLoadOptions { Quantization = format });
        using var after = DecoderModel.Load(dir);
        after.Quantize(format);
        Assert.Equal(after.KeptUnquantized, streamed.KeptUnquantized);
        using var noGrad = no_grad();
        using var ids = TinyModels.Ids([[3, 17, 1, 44, 9, 9, 20, 5]]);
        using var expected = after.Forward(ids);
        using var actual = streamed.Forward(ids);
        Assert.Equal(0.0, TinyModels.MaxDiff(actual, expected));
    }

    [Fact]
    public void Weights_load_one_layer_after_another()
    {
        using var source = TinyModels.Create(TinyModels.Qwen2(vocab: 96));
        source.Save(_dir);
        using var weights = R1Sharp.Formats.Safetensors.SafetensorsModel.Open(_dir);
        using var model = TinyModels.Create(TinyModels.Qwen2(vocab: 96));
        var order = new List<int>();
        model.LoadWeights(weights, order.Add);
        Assert.Equal(Enumerable.Range(0, model.Config.NumHiddenLayers), order);
    }

    [Fact]
    public void Quantized_matrices_give_their_storage_back_and_keep_their_shapes()
    {
        using var model = DecoderModel.Load(Saved("qwen2"), new ModelLoadOptions { Quantization = QuantFormat.Int8 });
        var layer = (DenseDecoderLayer)model.model.layers[0];
        foreach (var p in new[] { layer.self_attn.q_proj.weight, layer.mlp.gate_proj.weight, layer.mlp.down_proj.weight, model.lm_head!.weight })
        {
            Assert.All(p.stride(), s => Assert.Equal(0, s));
            Assert.Equal(2, p.shape.Length);
        }
        Assert.Equal([64L, 96L], layer.mlp.down_proj.weight.shape);
        Assert.Equal(ScalarType.Float32, model.DType); // an fp32 checkpoint: the rest stays fp32
        var ex = Assert.Throws<R1SharpException>(() => model.Save(Path.Combine(_dir, "out")));
        Assert.Contains("int8 weights (inference only)", ex.Message);
        Assert.False(Directory.Exists(Path.Combine(_dir, "out")));
    }

    [Fact]
    public void A_bf16_checkpoint_quantizes_from_bf16_and_keeps_bf16_for_the_rest()
    {
        using (var loaded = DecoderModel.Load(Saved("qwen2"), new ModelLoadOptions { DType = ScalarType.BFloat16 }))
            loaded.Save(Path.Combine(_dir, "bf16"));
        using var model = DecoderModel.Load(Path.Combine(_dir, "bf16"), new ModelLoadOptions { Quantization = QuantFormat.Int4 });
        Assert.Equal(ScalarType.BFloat16, model.DType);
        Assert.NotNull(DenseDecodeStep.TryCreate(model));
        using var noGrad = no_grad();
        using var ids = TinyModels.Ids([[1, 2, 3]]);
        using var logits = model.Forward(ids);
        Assert.Equal(ScalarType.Float32, logits.dtype);
    }

    [Fact]
    public void Moe_models_are_refused_with_the_reason()
    {
        using (var v3 = TinyDeepSeek.Create(TinyDeepSeek.Config())) v3.Save(_dir);
        var ex = Assert.Throws<R1SharpException>(() => DecoderModel.Load(_dir, new ModelLoadOptions { Quantization = QuantFormat.Int8 }));
        Assert.Contains("int8 weights are implemented for qwen2 and llama models, not deepseek_v3", ex.Message);
    }
}
