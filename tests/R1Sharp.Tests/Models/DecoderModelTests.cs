// DecoderModel against a naive HF-formula reference, and self-consistency of the cache, padding and batching.
using R1Sharp.Formats.Config;
using R1Sharp.Models;
using TorchSharp;
using static TorchSharp.torch;
using static R1Sharp.Tests.Models.TinyModels;

namespace R1Sharp.Tests.Models;

public class DecoderModelTests
{
    public static TheoryData<string> Configs => new() { "qwen2-kv2", "qwen2-kv4-tied", "llama-kv1-llama3", "llama-kv2-tied" };

    private static ModelConfig ConfigFor(string name) => name switch
    {
        "qwen2-kv2" => Qwen2(kvHeads: 2),
        "qwen2-kv4-tied" => Qwen2(kvHeads: 4, tie: true),
        "llama-kv1-llama3" => Llama(kvHeads: 1),
        "llama-kv2-tied" => Llama(kvHeads: 2, tie: true, llama3: false),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Configs))]
    public void Forward_matches_a_naive_HF_reference(string name)
    {
        using var model = Create(ConfigFor(name));
        var tokens = RandomTokens(new Random(3), 11, model.Config.VocabSize);
        using var noGrad = no_grad();
        using var ids = Ids(new[] { tokens });
        using var logits = model.Forward(ids);
        using var reference = Reference(model, tokens);
        Assert.Equal(new long[] { 1, 11, model.Config.VocabSize }, logits.shape);
        Assert.True(reference.abs().max().item<double>() > 0.5, "logits too small to be a meaningful test");
        AssertClose(logits[0], reference, name);
    }

    [Fact]
    public void State_dict_keys_are_the_HF_names()
    {
        using var qwen = new DecoderModel(Qwen2(layers: 1));
        var keys = qwen.state_dict().Keys.ToHashSet();
        string[] expected =
        {
            "model.embed_tokens.weight", "model.norm.weight", "lm_head.weight",
            "model.layers.0.input_layernorm.weight", "model.layers.0.post_attention_layernorm.weight",
            "model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.q_proj.bias",
            "model.layers.0.self_attn.k_proj.weight", "model.layers.0.self_attn.k_proj.bias",
            "model.layers.0.self_attn.v_proj.weight", "model.layers.0.self_attn.v_proj.bias",
            "model.layers.0.self_attn.o_proj.weight",
            "model.layers.0.mlp.gate_proj.weight", "model.layers.0.mlp.up_proj.weight", "model.layers.0.mlp.down_proj.weight",
        };
        Assert.Equal(expected.OrderBy(k => k), keys.OrderBy(k => k));
        using var tied = new DecoderModel(Llama(tie: true));
        Assert.DoesNotContain("lm_head.weight", tied.state_dict().Keys);
        Assert.DoesNotContain("model.layers.0.self_attn.q_proj.bias", tied.state_dict().Keys);
    }

    [Fact]
    public void Gradient_path_equals_the_fused_inference_path()
    {
        using var model = Create(Qwen2());
        var tokens = RandomTokens(new Random(4), 6, model.Config.VocabSize);
        using var ids = Ids(new[] { tokens });
        using var withGrad = model.Forward(ids);
        Assert.True(withGrad.requires_grad);
        using var noGrad = no_grad();
        using var fused = model.Forward(ids);
        Assert.True(MaxDiff(withGrad.detach(), fused) < 1e-6);
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void Incremental_decoding_through_the_cache_equals_a_full_forward(string name)
    {
        using var model = Create(ConfigFor(name));
        var rng = new Random(5);
        var rows = new[] { RandomTokens(rng, 9, model.Config.VocabSize), RandomTokens(rng, 9, model.Config.VocabSize) };
        using var noGrad = no_grad();
        using var ids = Ids(rows);
        using var full = model.Forward(ids);
        using var cache = model.CreateCache(2, capacity: 6); // forces one growth
        using var prefill = model.Forward(ids.narrow(1, 0, 5), cache: cache);
        AssertClose(prefill, full.narrow(1, 0, 5));
        for (int t = 5; t < 9; t++)
        {
            using var step = model.Forward(ids.narrow(1, t, 1), cache: cache, lastOnly: true);
            AssertClose(step, full.narrow(1, t, 1), $"step {t}");
        }
        Assert.Equal(9, cache.Length);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Padded_batch_gives_each_sequence_its_own_logits(bool leftPadding)
    {
        using var model = Create(Llama(kvHeads: 2));
        var rng = new Random(6);
        int[] lengths = { 7, 4, 2 };
        var seqs = lengths.Select(n => RandomTokens(rng, n, model.Config.VocabSize)).ToArray();
        using var noGrad = no_grad();
        var (ids, positions, mask) = Pad(seqs, leftPadding);
        using var batch = model.Forward(ids, positions, mask);
        for (int b = 0; b < seqs.Length; b++)
        {
            using var aloneIds = Ids(new[] { seqs[b] });
            using var alone = model.Forward(aloneIds);
            long offset = leftPadding ? 7 - lengths[b] : 0;
            using var row = batch[b].narrow(0, offset, lengths[b]);
            AssertClose(row, alone[0], $"row {b}");
        }
        Assert.False(batch.isnan().any().item<bool>());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Padded_batch_decodes_through_the_cache_like_single_sequences(bool leftPadding)
    {
        using var model = Create(Qwen2(kvHeads: 2));
        var rng = new Random(7);
        int[] lengths = { 6, 3 };
        var seqs = lengths.Select(n => RandomTokens(rng, n + 3, model.Config.VocabSize)).ToArray();
        using var noGrad = no_grad();
        var (ids, positions, mask) = Pad(seqs.Select((s, i) => s[..lengths[i]]).ToArray(), leftPadding);
        using var cache = model.CreateCache(2, 16);
        using var prefill = model.Forward(ids, positions, mask, cache, lastOnly: leftPadding);
        for (int step = 0; step < 3; step++)
        {
            using var stepIds = tensor(seqs.Select((s, i) => s[lengths[i] + step]).ToArray(), new long[] { 2, 1 });
            using var stepPos = tensor(lengths.Select(n => (long)(n + step)).ToArray(), new long[] { 2, 1 });
            using var logits = model.Forward(stepIds, stepPos, cache: cache);
            for (int b = 0; b < 2; b++)
            {
                using var aloneIds = Ids(new[] { seqs[b][..(lengths[b] + step + 1)] });
                using var alone = model.Forward(aloneIds, lastOnly: true);
                AssertClose(logits[b], alone[0], $"row {b} step {step}");
            }
        }
    }

    [Fact]
    public void Dropping_and_reordering_cache_rows_keeps_the_remaining_sequences_exact()
    {
        using var model = Create(Llama(kvHeads: 1));
        var rng = new Random(8);
        var seqs = Enumerable.Range(0, 3).Select(_ => RandomTokens(rng, 6, model.Config.VocabSize)).ToArray();
        using var noGrad = no_grad();
        using var cache = model.CreateCache(3, 8);
        using var prompt = Ids(seqs.Select(s => s[..4]).ToArray());
        using var _ = model.Forward(prompt, cache: cache);
        cache.SelectRows(new long[] { 2, 0 });
        Assert.Equal(2, cache.BatchSize);
        long[] order = { 2, 0 };
        for (int t = 4; t < 6; t++)
        {
            using var stepIds = tensor(order.Select(r => seqs[r][t]).ToArray(), new long[] { 2, 1 });
            using var stepPos = full(new long[] { 2, 1 }, (long)t);
            using var logits = model.Forward(stepIds, stepPos, cache: cache);
            for (int b = 0; b < 2; b++)
            {
                using var aloneIds = Ids(new[] { seqs[order[b]][..(t + 1)] });
                using var alone = model.Forward(aloneIds, lastOnly: true);
                AssertClose(logits[b], alone[0]);
            }
        }
    }

    /// <summary>Pads sequences to one length with per-sequence positions starting at 0 on the first real token.</summary>
    internal static (Tensor Ids, Tensor Positions, Tensor Mask) Pad(long[][] seqs, bool left)
    {
        int t = seqs.Max(s => s.Length), b = seqs.Length;
        var ids = new long[b * t]; var pos = new long[b * t]; var mask = new long[b * t];
        for (int r = 0; r < b; r++)
        {
            int off = left ? t - seqs[r].Length : 0;
            for (int i = 0; i < seqs[r].Length; i++)
            {
                ids[r * t + off + i] = seqs[r][i]; pos[r * t + off + i] = i; mask[r * t + off + i] = 1;
            }
        }
        var shape = new long[] { b, t };
        return (tensor(ids, shape), tensor(pos, shape), tensor(mask, shape));
    }
}
