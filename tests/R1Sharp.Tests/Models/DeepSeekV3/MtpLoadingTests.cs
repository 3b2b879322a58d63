// Multi-Token Prediction layers at load (ARCHITECTURES.md §1): kept under their HF names with LoadMtp and every tensor
// required, skipped without it, refused for configs without MTP layers; the MTP forward predicts (B, T, V) logits.
using R1Sharp.Models;
using R1Sharp.Models.DeepSeekV3;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Models.DeepSeekV3;

public sealed class MtpLoadingTests
{
    static string TempDir() => Directory.CreateTempSubdirectory("r1-mtp-").FullName;

    // A tiny deepseek_v3 with one MTP layer (index 3 of 3 main layers), saved with or without its MTP tensors.
    static (string Dir, DecoderModel Model) Saved(bool withMtp)
    {
        var config = TinyDeepSeek.Config(layers: 3) with { NumNextnPredictLayers = 1 };
        var model = new DecoderModel(new DeepSeekV3Architecture(config));
        if (withMtp) model.AttachMtp();
        model.InitializeWeights(5, std: 0.1);
        string dir = TempDir();
        model.Save(dir);
        return (dir, model);
    }

    [Fact]
    public void LoadMtp_keeps_the_mtp_layer_under_its_hf_names_with_the_saved_values()
    {
        var (dir, saved) = Saved(withMtp: true);
        using var _ = saved;
        using var loaded = DecoderModel.Load(dir, new ModelLoadOptions { LoadMtp = true });

        var names = loaded.Mtp!.HfParameters().Select(p => p.Name).ToHashSet();
        foreach (string suffix in new[] { "eh_proj.weight", "enorm.weight", "hnorm.weight", "embed_tokens.weight", "shared_head.norm.weight",
                     "shared_head.head.weight", "input_layernorm.weight", "self_attn.kv_a_proj_with_mqa.weight", "mlp.gate.e_score_correction_bias",
                     "mlp.experts.7.down_proj.weight", "mlp.shared_experts.up_proj.weight", "post_attention_layernorm.weight" })
            Assert.Contains("model.layers.3." + suffix, names);
        var expected = saved.Mtp!.HfParameters().ToDictionary(p => p.Name, p => p.Parameter);
        Assert.All(loaded.Mtp.HfParameters(), p => Assert.True(p.Parameter.allclose(expected[p.Name], 0, 0), p.Name));
        Assert.DoesNotContain(loaded.named_parameters(), p => p.name.StartsWith("model.layers.3.", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_LoadMtp_the_mtp_tensors_are_skipped()
    {
        var (dir, saved) = Saved(withMtp: true);
        using var _ = saved;
        using var loaded = DecoderModel.Load(dir);

        Assert.Null(loaded.Mtp);
        using var ids = tensor(new long[] { 1, 2, 3, 4 }).unsqueeze(0);
        using var logits = loaded.Forward(ids);
        Assert.Equal([1, 4, 71], logits.shape);
    }

    [Fact]
    public void LoadMtp_on_a_checkpoint_without_mtp_tensors_names_num_nextn_predict_layers()
    {
        var (dir, saved) = Saved(withMtp: false);
        using var _ = saved;
        var error = Assert.Throws<R1SharpException>(() => DecoderModel.Load(dir, new ModelLoadOptions { LoadMtp = true }));
        Assert.Contains("num_nextn_predict_layers is 1, but model.safetensors holds 0 layer(s) after the num_hidden_layers = 3 main ones", error.Message);
    }

    [Fact]
    public void LoadMtp_is_refused_when_the_config_has_no_mtp_layers()
    {
        using var model = TinyDeepSeek.Create(TinyDeepSeek.Config());
        string dir = TempDir();
        model.Save(dir);
        var error = Assert.Throws<R1SharpException>(() => DecoderModel.Load(dir, new ModelLoadOptions { LoadMtp = true }));
        Assert.Contains("num_nextn_predict_layers", error.Message);
        using var dense = DecoderModel.Load(Path.Combine(RepoPaths.Root, "models", "tiny-qwen2"));
        Assert.Throws<R1SharpException>(() => dense.AttachMtp());
    }

    [Fact]
    public void Mtp_forward_predicts_logits_for_every_position()
    {
        var (_, model) = Saved(withMtp: true);
        using var _m = model;
        using var hidden = randn(2, 5, 48);
        using var next = randint(0, 71, [2, 5], dtype: ScalarType.Int64);
        using var positions = arange(5L).unsqueeze(0).expand(2, 5);
        using var inv = tensor(model.Architecture.InverseFrequencies());
        var (cos, sin) = Rope.CosSin(positions, inv, ScalarType.Float32);
        using var _c = cos;
        using var _s = sin;
        using var ctx = new DecoderContext { Cos = cos, Sin = sin, Start = 0, QueryLength = 5, IsPlainCausal = true };
        using var logits = model.Mtp!.Layers[0].Forward(hidden, next, ctx);
        Assert.Equal([2, 5, 71], logits.shape);
        Assert.True(logits.isfinite().all().item<bool>());
    }
}
