// Save/Load of HF model directories: round trips, sharding, BF16/F16 sources, strict error reporting, and the
// chunked byte copies underneath.
using R1Sharp.Formats.Safetensors;
using R1Sharp.Models;
using TorchSharp;
using static TorchSharp.torch;
using static R1Sharp.Tests.Models.TinyModels;

namespace R1Sharp.Tests.Models;

public sealed class DecoderModelIOTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "r1sharp-models-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private string Sub(string name) => Path.Combine(_dir, name);

    private static bool Same(Tensor a, Tensor b)
    {
        using var eq = a.eq(b);
        using var all = eq.all();
        return a.shape.SequenceEqual(b.shape) && all.item<bool>();
    }

    private static Tensor Logits(DecoderModel model)
    {
        using var noGrad = no_grad();
        using var ids = Ids(new[] { new long[] { 1, 5, 9, 2, 7, 3 } });
        return model.Forward(ids).to_type(ScalarType.Float32);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Save_then_load_gives_identical_logits(bool tiedLlama)
    {
        using var model = Create(tiedLlama ? Llama(kvHeads: 2, tie: true) : Qwen2());
        model.Save(Sub("m"));
        Assert.True(File.Exists(Path.Combine(Sub("m"), "config.json")));
        Assert.True(File.Exists(Path.Combine(Sub("m"), "model.safetensors")));
        using var loaded = DecoderModel.Load(Sub("m"));
        Assert.Equal((model.Config with { TorchDtype = "float32" }).ToJson(), loaded.Config.ToJson());
        using var a = Logits(model);
        using var b = Logits(loaded);
        Assert.True(Same(a, b));
    }

    [Fact]
    public void Sharded_save_loads_through_the_index()
    {
        using var model = Create(Qwen2());
        model.Save(Sub("s"), maxShardBytes: 100_000);
        Assert.True(File.Exists(Path.Combine(Sub("s"), "model.safetensors.index.json")));
        Assert.True(Directory.GetFiles(Sub("s"), "model-*.safetensors").Length > 1);
        using var loaded = DecoderModel.Load(Sub("s"));
        using var a = Logits(model);
        using var b = Logits(loaded);
        Assert.True(Same(a, b));
    }

    [Theory]
    [InlineData(ScalarType.BFloat16, SafetensorsDType.BF16)]
    [InlineData(ScalarType.Float16, SafetensorsDType.F16)]
    public void Half_precision_files_load_into_float32_exactly(ScalarType half, SafetensorsDType fileType)
    {
        using var model = Create(Llama(kvHeads: 1));
        using (no_grad())
            foreach (var (_, p) in model.named_parameters())
            {
                using var rounded = p.to_type(half).to_type(ScalarType.Float32);
                p.copy_(rounded);                                    // representable in the half type
            }
        model.Save(Sub("f32"));
        // F32 file → half parameters (narrowing path), saved as a half file, → F32 parameters (widening path).
        using (var halfModel = DecoderModel.Load(Sub("f32"), new ModelLoadOptions { DType = half }))
        {
            Assert.Equal(half, halfModel.model.embed_tokens.weight.dtype);
            halfModel.Save(Sub("half"));
        }
        using (var file = SafetensorsModel.Open(Sub("half")))
            Assert.All(file.Tensors.Values, t => Assert.Equal(fileType, t.DType));
        using var loaded = DecoderModel.Load(Sub("half"));
        foreach (var (name, p) in model.named_parameters())
            Assert.True(Same(p, loaded.get_parameter(name)!), name);
        using var a = Logits(model);
        using var b = Logits(loaded);
        Assert.True(Same(a, b));
    }

    [Fact]
    public void Strict_loading_lists_missing_unexpected_and_misshaped_tensors_together()
    {
        using var model = Create(Qwen2(layers: 1));
        model.Save(Sub("ok"));
        var bad = Sub("bad");
        Directory.CreateDirectory(bad);
        File.Copy(Path.Combine(Sub("ok"), "config.json"), Path.Combine(bad, "config.json"));
        var entries = new List<SafetensorsEntry>();
        using (var src = SafetensorsModel.Open(Sub("ok")))
        {
            foreach (var (name, info) in src.Tensors)
            {
                if (name is "model.layers.0.self_attn.k_proj.bias" or "model.layers.0.mlp.up_proj.weight") continue; // missing
                if (name == "model.norm.weight")
                {
                    entries.Add(SafetensorsEntry.FromFloat32(name, new float[32], new long[] { 32 }));             // mis-shaped
                    continue;
                }
                entries.Add(SafetensorsEntry.FromBytes(name, info.DType, info.Shape, src.GetBytes(name).ToArray()));
            }
        }
        entries.Add(SafetensorsEntry.FromFloat32("model.layers.7.extra.weight", new float[4], new long[] { 4 }));   // unexpected
        SafetensorsWriter.Write(Path.Combine(bad, "model.safetensors"), entries);

        // DecoderModel.Load refuses it on the headers already (WeightPreflightTests); LoadWeights (resuming into a model) lists all.
        using var weights = SafetensorsModel.Open(bad);
        var ex = Assert.Throws<R1SharpException>(() => model.LoadWeights(weights));
        Assert.Contains("2 missing [model.layers.0.mlp.up_proj.weight, model.layers.0.self_attn.k_proj.bias]", ex.Message);
        Assert.Contains("1 unexpected [model.layers.7.extra.weight]", ex.Message);
        Assert.Contains("1 mis-shaped [model.norm.weight [32] (model expects [64])]", ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Long_lists_show_the_first_names_and_a_count()
    {
        using var model = Create(Qwen2(layers: 2));
        model.Save(Sub("ok"));
        using var other = new DecoderModel(Qwen2(layers: 1, vocab: 67));
        other.Save(Sub("small"));
        using var weights = SafetensorsModel.Open(Sub("small"));
        var ex = Assert.Throws<R1SharpException>(() => model.LoadWeights(weights));
        Assert.Contains("12 missing [model.layers.1.input_layernorm.weight, model.layers.1.mlp.down_proj.weight, ", ex.Message);
        Assert.Contains(", … (+7 more)]", ex.Message);
        Assert.DoesNotContain("unexpected", ex.Message);
    }

    [Fact]
    public void Chunked_fill_converts_bfloat16_and_float16_like_torch()
    {
        float[] values = { 1f, -2.5f, 3.1415927f, 1e-3f, 65504f, -0f, 7.75f };
        using var source = tensor(values);
        foreach (var (type, st) in new[] { (ScalarType.BFloat16, SafetensorsDType.BF16), (ScalarType.Float16, SafetensorsDType.F16) })
        {
            using var half = source.to_type(type);
            var bytes = half.bytes.ToArray();
            using var dst = empty(values.Length);
            WeightCopy.Fill(dst, st, (o, d) => bytes.AsSpan((int)o, d.Length).CopyTo(d), chunkBytes: 8); // 2 elements per chunk
            using var expected = half.to_type(ScalarType.Float32);
            Assert.True(Same(dst, expected), type.ToString());
            using var back = empty(values.Length, dtype: type);
            var f32 = source.bytes.ToArray();
            WeightCopy.Fill(back, SafetensorsDType.F32, (o, d) => f32.AsSpan((int)o, d.Length).CopyTo(d), chunkBytes: 12);
            Assert.True(Same(back, half), "narrowing " + type);
        }
    }

    [Theory]
    [InlineData(1.0f, 0x3F80)]
    [InlineData(1.00390625f, 0x3F80)]   // halfway, ties to even (down)
    [InlineData(1.01171875f, 0x3F82)]   // halfway, ties to even (up)
    [InlineData(-2.0f, 0xC000)]
    public void BFloat16_rounding_is_nearest_even(float value, int bits) => Assert.Equal((ushort)bits, WeightCopy.ToBFloat16(value));
}
