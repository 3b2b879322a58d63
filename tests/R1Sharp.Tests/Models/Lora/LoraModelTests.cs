// LoRA on real models: fresh adapters leave the output unchanged (B = 0), trained ones change it, merging gives the
// logits of base + adapter (≤ 1e-4 at fp32), PEFT key names and files round trip, only adapter parameters get
// gradients (also through an int8/int4 base, whose backward dequantizes slice by slice).
using R1Sharp.Models;
using R1Sharp.Models.DeepSeekV3;
using R1Sharp.Models.Lora;
using R1Sharp.Tensors.Kernels;
using R1Sharp.Tests.Models.DeepSeekV3;
using TorchSharp;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Models.Lora;

public sealed class LoraModelTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "r1sharp-lora-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static readonly LoraSettings AllLinear = new(R: 4, Alpha: 8, Dropout: 0, TargetModules: [LoraSettings.AllLinear]);

    // Gives every B random values, as training would, so the adapters matter.
    internal static void Perturb(LoraAdapters adapters, long seed)
    {
        using var noGrad = no_grad();
        using var gen = new Generator((ulong)seed);
        foreach (var (name, p) in adapters.NamedParameters())
            if (name.EndsWith("lora_B.weight", StringComparison.Ordinal)) p.normal_(0, 0.3, gen);
    }

    private static Tensor Logits(DecoderModel model, Tensor ids)
    {
        using var noGrad = no_grad();
        return model.Forward(ids);
    }

    [Fact]
    public void Fresh_adapters_change_nothing_and_are_the_only_trainable_parameters()
    {
        using var model = TinyModels.Create(TinyModels.Qwen2());
        using var ids = TinyModels.Ids([[1, 5, 9, 3, 7, 2]]);
        using var before = Logits(model, ids);
        var adapters = LoraAttach.Attach(model, AllLinear, seed: 3);
        using var after = Logits(model, ids);
        Assert.Equal(0.0, TinyModels.MaxDiff(after, before));
        Assert.All(model.parameters(), p => Assert.False(p.requires_grad));
        // 2 layers × 7 projections, each A (4, in) and B (out, 4).
        Assert.Equal(28, adapters.NamedParameters().Count());
        Assert.Contains("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", adapters.NamedParameters().Select(p => p.Name));
        Assert.Contains("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight", adapters.NamedParameters().Select(p => p.Name));
        // A ~ U(−1/√in, 1/√in) (PEFT's kaiming_uniform_(a=√5)), B = 0.
        var a = adapters.NamedParameters().First(p => p.Name.EndsWith("q_proj.lora_A.weight")).Parameter;
        Assert.InRange(a.abs().max().item<float>(), 0.5 / 8, 1 / 8.0);
    }

    [Theory]
    [InlineData("qwen2")]
    [InlineData("deepseek_v3")]
    public void Merged_model_gives_the_logits_of_base_plus_adapter(string kind)
    {
        using var model = kind == "qwen2" ? TinyModels.Create(TinyModels.Qwen2()) : TinyDeepSeek.Create(TinyDeepSeek.Config(), MlaPath.Absorbed);
        using var ids = TinyModels.Ids([[1, 5, 9, 3, 7, 2, 11, 4]]);
        using var baseLogits = Logits(model, ids);
        var adapters = LoraAttach.Attach(model, AllLinear, seed: 3);
        Perturb(adapters, 5);
        using var adapted = Logits(model, ids);
        Assert.True(TinyModels.MaxDiff(adapted, baseLogits) > 1e-2, "the perturbed adapters should change the logits");
        adapters.MergeAndUnload();
        Assert.Null(model.Adapters);
        using var merged = Logits(model, ids);
        Assert.True(TinyModels.MaxDiff(merged, adapted) <= 1e-4, $"merged vs adapted: {TinyModels.MaxDiff(merged, adapted)}");
    }

    [Fact]
    public void Peft_files_round_trip_and_load_merged()
    {
        string baseDir = Path.Combine(_dir, "base"), adapterDir = Path.Combine(_dir, "adapter");
        using (var source = TinyModels.Create(TinyModels.Qwen2())) source.Save(baseDir);
        using var model = DecoderModel.Load(baseDir);
        var adapters = LoraAttach.Attach(model, new LoraSettings(R: 2, Alpha: 4, TargetModules: ["q_proj", "down_proj"], UseRslora: true), seed: 1);
        Perturb(adapters, 9);
        adapters.Save(adapterDir, baseDir);
        using var ids = TinyModels.Ids([[3, 1, 4, 1, 5, 9, 2, 6]]);
        using var expected = Logits(model, ids);

        string config = File.ReadAllText(Path.Combine(adapterDir, "adapter_config.json"));
        foreach (string field in new[] { "\"peft_type\": \"LORA\"", "\"r\": 2", "\"lora_alpha\": 4", "\"use_rslora\": true", "\"down_proj\"", "\"q_proj\"" })
            Assert.Contains(field, config);
        using (var file = R1Sharp.Formats.Safetensors.SafetensorsFile.Open(Path.Combine(adapterDir, "adapter_model.safetensors")))
            Assert.Equal(adapters.NamedParameters().Select(p => p.Name).Order(), file.Tensors.Keys.Order());

        using var reloaded = DecoderModel.Load(baseDir);
        var loaded = LoraAdapters.Load(reloaded, adapterDir);
        Assert.Equal(adapters.Modules.Order(), loaded.Modules.Order());
        Assert.Equal(adapters.Settings.Scaling, loaded.Settings.Scaling, 12);
        using var live = Logits(reloaded, ids);
        Assert.Equal(0.0, TinyModels.MaxDiff(live, expected));
        using var merged = DecoderModel.Load(baseDir, new ModelLoadOptions { Adapter = adapterDir });
        Assert.Null(merged.Adapters);
        using var mergedLogits = Logits(merged, ids);
        Assert.True(TinyModels.MaxDiff(mergedLogits, expected) <= 1e-4);
    }

    [Fact]
    public void An_adapter_of_another_model_is_refused_by_name()
    {
        string baseDir = Path.Combine(_dir, "base"), adapterDir = Path.Combine(_dir, "adapter");
        using (var source = TinyModels.Create(TinyModels.Qwen2(layers: 3)))
        {
            var adapters = LoraAttach.Attach(source, AllLinear, 1);
            adapters.Save(adapterDir, null);
        }
        using (var small = TinyModels.Create(TinyModels.Qwen2(layers: 2))) small.Save(baseDir);
        var e = Assert.Throws<R1SharpException>(() => DecoderModel.Load(baseDir, new ModelLoadOptions { Adapter = adapterDir }));
        Assert.Contains("model.layers.2.", e.Message);
    }

    [Theory]
    [InlineData(QuantFormat.Int4)]
    [InlineData(QuantFormat.Int8)]
    public void Quantized_base_passes_gradients_to_every_adapter(QuantFormat format)
    {
        string baseDir = Path.Combine(_dir, "base");
        using (var source = TinyModels.Create(TinyModels.Qwen2(vocab: 96))) source.Save(baseDir);
        using var model = DecoderModel.Load(baseDir, new ModelLoadOptions { Quantization = format });
        var adapters = LoraAttach.Attach(model, AllLinear, seed: 2);
        Perturb(adapters, 4);
        model.train();
        using var ids = TinyModels.Ids([[1, 5, 9, 3, 7, 2, 11, 4], [2, 2, 8, 1, 0, 6, 3, 5]]);
        using var logits = model.Forward(ids);
        using var loss = logits.square().mean();
        loss.backward();
        foreach (var (name, p) in adapters.NamedParameters())
        {
            Assert.True(p.grad is not null, $"{name} has no gradient");
            Assert.True(p.grad!.abs().sum().item<float>() > 0, $"{name} has a zero gradient");
        }
    }

    [Fact]
    public unsafe void Quantized_input_gradient_equals_the_dequantized_matmul()
    {
        using var w = randn(96, 64, generator: new Generator(7));
        var q = QuantizedMatrix.Quantize(TensorMemory.Pointer(w), WeightFormat.F32, 96, 64, QuantFormat.Int8);
        try
        {
            using var deq = empty(96, 64);
            q.Dequantize(0, 96, TensorMemory.Pointer(deq));
            using var g = randn(3, 5, 96, generator: new Generator(8));
            using var expected = g.matmul(deq);
            using var actual = QuantizedFrozenLinear.InputGradient(g, q, ScalarType.Float32);
            Assert.True(TinyModels.MaxDiff(actual, expected) < 1e-4);
        }
        finally { q.Dispose(); }
    }
}
