// Loading deepseek_v3 checkpoints: strict HF names (q_proj when q_lora_rank is null), MTP layers skipped, FP8 E4M3
// weights with 2-D weight_scale_inv dequantized per block (partial edge blocks) against a reference computed here.
using R1Sharp.Formats.Config;
using R1Sharp.Formats.Safetensors;
using R1Sharp.Models;
using R1Sharp.Models.DeepSeekV3;
using R1Sharp.Tests.Models.Export;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Models.DeepSeekV3;

public class DeepSeekV3LoadingTests
{
    private static List<SafetensorsEntry> Entries(DecoderModel model, IEnumerable<string>? skip = null)
    {
        var skipped = new HashSet<string>(skip ?? []);
        return model.named_parameters().Where(p => !skipped.Contains(p.name))
            .Select(p => SafetensorsEntry.FromFloat32(p.name, p.parameter.contiguous().data<float>().ToArray(), p.parameter.shape)).ToList();
    }

    private static void WriteDir(string dir, DeepSeekV3Config config, List<SafetensorsEntry> entries)
    {
        Directory.CreateDirectory(dir);
        SafetensorsWriter.Write(Path.Combine(dir, "model.safetensors"), entries);
        File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJson());
    }

    [Theory]
    [InlineData(24)]
    [InlineData(null)]
    public void Save_and_load_round_trip_with_HF_names(int? qLoraRank)
    {
        var config = TinyDeepSeek.Config(qLoraRank);
        using var model = TinyDeepSeek.Create(config);
        var names = model.named_parameters().Select(p => p.name).ToHashSet();
        Assert.Equal(qLoraRank is null, names.Contains("model.layers.0.self_attn.q_proj.weight"));
        Assert.Equal(qLoraRank is not null, names.Contains("model.layers.0.self_attn.q_a_layernorm.weight"));
        Assert.Contains("model.layers.1.mlp.gate.e_score_correction_bias", names);
        Assert.Contains("model.layers.1.mlp.experts.7.down_proj.weight", names);
        Assert.Contains("model.layers.1.mlp.shared_experts.up_proj.weight", names);
        Assert.Contains("model.layers.0.mlp.gate_proj.weight", names);
        using var tmp = new TempDir();
        model.Save(tmp.Path);
        using var loaded = DecoderModel.Load(tmp.Path);
        var ids = tensor(TinyModels.RandomTokens(new Random(1), 10, config.VocabSize)).unsqueeze(0);
        using var noGrad = no_grad();
        TinyModels.AssertClose(loaded.Forward(ids), model.Forward(ids));
    }

    [Fact]
    public void Mtp_layers_are_skipped_but_other_unknown_tensors_are_refused()
    {
        var config = TinyDeepSeek.Config() with { NumNextnPredictLayers = 1 };
        using var model = TinyDeepSeek.Create(config);
        using var tmp = new TempDir();
        var entries = Entries(model);
        entries.Add(SafetensorsEntry.FromFloat32($"model.layers.{config.NumHiddenLayers}.eh_proj.weight", new float[48 * 96], [48, 96]));
        entries.Add(SafetensorsEntry.FromFloat32($"model.layers.{config.NumHiddenLayers}.enorm.weight", new float[48], [48]));
        WriteDir(Path.Combine(tmp.Path, "ok"), config, entries);
        using (DecoderModel.Load(Path.Combine(tmp.Path, "ok"))) { }

        entries.Add(SafetensorsEntry.FromFloat32("model.layers.0.self_attn.k_proj.weight", new float[4], [2, 2]));
        WriteDir(Path.Combine(tmp.Path, "bad"), config, entries);
        var e = Assert.Throws<R1SharpException>(() => DecoderModel.Load(Path.Combine(tmp.Path, "bad")));
        Assert.Contains("model.layers.0.self_attn.k_proj.weight [2, 2] is not in the model the config describes", e.Message); // on the headers
        Assert.Contains("(1 unexpected tensors;", e.Message);
    }

    [Fact]
    public void Dequantize_scales_each_element_by_its_block_including_partial_blocks()
    {
        // 1 × 3 weight, 2-column blocks: bytes of 1, 2, 3 (E4M3 0x38, 0x40, 0x44) with scales [10, 100].
        var dst = new float[3];
        Fp8Dequantizer.Dequantize([0x38, 0x40, 0x44], 3, [10f, 100f], 0, 0, 128, 2, dst);
        Assert.Equal([10f, 20f, 300f], dst);
    }

    [Fact]
    public void Fp8_weights_with_block_scales_load_dequantized_and_save_without_quantization_config()
    {
        // Block 16×16: q_a_proj [24, 48] has a partial row block, o_proj [48, 40] a partial column block.
        var config = TinyDeepSeek.Config() with { Quantization = new Fp8Quantization("fp8", "e4m3", "dynamic", 16, 16) };
        using var model = TinyDeepSeek.Create(config);
        var rng = new Random(11);
        string[] quantized = ["model.layers.0.self_attn.q_a_proj.weight", "model.layers.2.self_attn.o_proj.weight", "model.layers.1.mlp.experts.3.up_proj.weight"];
        var expected = new Dictionary<string, float[]>();
        var entries = Entries(model, quantized);
        foreach (var name in quantized)
        {
            var shape = model.named_parameters().Single(p => p.name == name).parameter.shape;
            int rows = (int)shape[0], cols = (int)shape[1], sr = (rows + 15) / 16, sc = (cols + 15) / 16;
            // Random finite E4M3 codes (0x7F/0xFF are NaN) and positive scales.
            var bytes = Enumerable.Range(0, rows * cols).Select(_ => { byte b; do b = (byte)rng.Next(256); while ((b & 0x7F) == 0x7F); return b; }).ToArray();
            var scales = Enumerable.Range(0, sr * sc).Select(_ => (float)(rng.NextDouble() * 0.01 + 0.001)).ToArray();
            expected[name] = Enumerable.Range(0, rows * cols)
                .Select(i => SafetensorsConvert.Float8E4M3ToSingle(bytes[i]) * scales[(i / cols / 16) * sc + (i % cols) / 16]).ToArray();
            entries.Add(SafetensorsEntry.FromBytes(name, SafetensorsDType.F8_E4M3, shape, bytes));
            entries.Add(SafetensorsEntry.FromFloat32(Fp8Dequantizer.ScaleName(name), scales, [sr, sc]));
        }
        using var tmp = new TempDir();
        WriteDir(Path.Combine(tmp.Path, "fp8"), config, entries);
        using var loaded = DecoderModel.Load(Path.Combine(tmp.Path, "fp8"));
        var parameters = loaded.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var name in quantized)
            Assert.Equal(expected[name], parameters[name].contiguous().data<float>().ToArray());

        loaded.Save(Path.Combine(tmp.Path, "saved"));
        var saved = (DeepSeekV3Config)ModelConfig.Load(Path.Combine(tmp.Path, "saved"));
        Assert.Null(saved.Quantization);
    }

    [Fact]
    public void Fp8_weight_without_its_scale_is_refused_naming_the_tensor()
    {
        var config = TinyDeepSeek.Config();
        using var model = TinyDeepSeek.Create(config);
        const string name = "model.layers.0.self_attn.o_proj.weight";
        var entries = Entries(model, [name]);
        entries.Add(SafetensorsEntry.FromBytes(name, SafetensorsDType.F8_E4M3, [48, 40], new byte[48 * 40]));
        using var tmp = new TempDir();
        WriteDir(tmp.Path, config, entries);
        var e = Assert.Throws<R1SharpException>(() => DecoderModel.Load(tmp.Path));
        Assert.Contains($"{name} F8_E4M3", e.Message);
    }
}

public class DeepSeekV3PresetTests
{
    [Fact]
    public void Tiny_deepseek_v3_preset_creates_a_model_directory_that_loads_and_runs()
    {
        using var tmp = new TempDir();
        string tokenizerDir = Path.Combine(tmp.Path, "tok");
        DeepSeekV3Export.WriteTokenizer(tokenizerDir);
        var tok = R1Sharp.Text.HfTokenizer.Load(tokenizerDir);
        var config = (DeepSeekV3Config)ModelPresets.ToConfig(ModelPresets.Get("tiny"), "deepseek_v3", tok.VocabSize, tok.BosId, tok.EosId);
        Assert.Equal((16, 8, 16, 32, 32), (config.QkNopeHeadDim, config.QkRopeHeadDim, config.VHeadDim, config.KvLoraRank, config.QLoraRank));
        Assert.False(config.IsMoeLayer(0));
        Assert.True(config.IsMoeLayer(1));
        string dir = Path.Combine(tmp.Path, "m");
        ModelFactory.CreateRandom(config, tokenizerDir, seed: 3, dir);
        using var model = DecoderModel.Load(dir);
        using var noGrad = no_grad();
        using var logits = model.Forward(tensor(new long[] { 0, 5, 9, 11 }).unsqueeze(0));
        Assert.Equal(new long[] { 1, 4, config.VocabSize }, logits.shape);
        Assert.False(logits.isnan().any().item<bool>());
    }
}
