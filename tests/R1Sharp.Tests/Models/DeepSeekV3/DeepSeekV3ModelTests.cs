// DeepSeek-V3 decoder on tiny random configs: the naive float64 reference equals the model (both MLA paths, with and
// without q_lora_rank, several group settings), plain and absorbed MLA give the same logits, cached decoding equals a
// full forward, and the absorbed cache holds only latent + rope key.
using R1Sharp.Formats.Config;
using R1Sharp.Models;
using R1Sharp.Models.DeepSeekV3;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Models.DeepSeekV3;

public class DeepSeekV3ModelTests
{
    private static long[] Tokens(int n, int vocab, int seed = 3) => TinyModels.RandomTokens(new Random(seed), n, vocab);

    [Theory]
    [InlineData(24, 4, 2, MlaPath.Plain)]
    [InlineData(24, 4, 2, MlaPath.Absorbed)]
    [InlineData(null, 2, 1, MlaPath.Absorbed)]
    [InlineData(null, 1, 1, MlaPath.Plain)]
    public void Model_equals_the_naive_reference_forward(int? qLoraRank, int groups, int topkGroup, MlaPath path)
    {
        var config = TinyDeepSeek.Config(qLoraRank, groups, topkGroup);
        using var model = TinyDeepSeek.Create(config, path);
        var ids = Tokens(13, config.VocabSize);
        using var noGrad = no_grad();
        using var logits = model.Forward(tensor(ids).unsqueeze(0)).squeeze(0);
        using var expected = TinyDeepSeek.Reference(model, ids);
        TinyModels.AssertClose(logits, expected, $"q_lora {qLoraRank} groups {groups}/{topkGroup} {path}");
    }

    [Theory]
    [InlineData(24)]
    [InlineData(null)]
    public void Plain_and_absorbed_MLA_give_the_same_logits_full_and_through_the_cache(int? qLoraRank)
    {
        var config = TinyDeepSeek.Config(qLoraRank);
        using var plain = TinyDeepSeek.Create(config, MlaPath.Plain);
        using var absorbed = new DecoderModel(new DeepSeekV3Architecture(config, MlaPath.Absorbed));
        TinyDeepSeek.CopyWeights(plain, absorbed);
        var ids = tensor(Tokens(20, config.VocabSize)).unsqueeze(0);
        using var noGrad = no_grad();
        using var a = plain.Forward(ids);
        using var b = absorbed.Forward(ids);
        Assert.True(TinyModels.MaxDiff(a, b) <= 1e-4, $"full forward max |Δ| {TinyModels.MaxDiff(a, b)}");
        using var cache = absorbed.CreateCache(1, 32);
        using var c = Incremental(absorbed, ids, cache, prefill: 7);
        Assert.True(TinyModels.MaxDiff(a, c) <= 1e-4, $"absorbed cached max |Δ| {TinyModels.MaxDiff(a, c)}");
    }

    [Theory]
    [InlineData(MlaPath.Plain)]
    [InlineData(MlaPath.Absorbed)]
    public void Incremental_decode_through_the_cache_equals_the_full_forward(MlaPath path)
    {
        var config = TinyDeepSeek.Config();
        using var model = TinyDeepSeek.Create(config, path);
        var ids = tensor(Tokens(16, config.VocabSize, seed: 5)).unsqueeze(0);
        using var noGrad = no_grad();
        using var full = model.Forward(ids);
        using var cache = model.CreateCache(1, 4); // grows while decoding
        using var step = Incremental(model, ids, cache, prefill: 5);
        TinyModels.AssertClose(step, full, path.ToString());
    }

    [Fact]
    public void Absorbed_cache_holds_only_latent_and_rope_key_per_token()
    {
        var config = TinyDeepSeek.Config();
        var plain = new DeepSeekV3Architecture(config, MlaPath.Plain).Cache;
        var absorbed = new DeepSeekV3Architecture(config, MlaPath.Absorbed).Cache;
        Assert.Equal(new CacheLayout(1, 20 + 8, 0), absorbed);
        Assert.Equal(new CacheLayout(4, 12 + 8, 10), plain);
        long plainPerToken = plain.Heads * (plain.KeyDim + plain.ValueDim), absorbedPerToken = absorbed.Heads * (absorbed.KeyDim + absorbed.ValueDim);
        Assert.Equal(120, plainPerToken);
        Assert.Equal(28, absorbedPerToken);
    }

    [Fact]
    public void Padded_batch_rows_equal_their_single_sequence_logits()
    {
        var config = TinyDeepSeek.Config();
        using var model = TinyDeepSeek.Create(config);
        var a = Tokens(9, config.VocabSize, 1); var b = Tokens(6, config.VocabSize, 2);
        using var noGrad = no_grad();
        // Left-pad b to the length of a.
        var ids = TinyModels.Ids([a, Enumerable.Repeat(0L, 3).Concat(b).ToArray()]);
        var mask = tensor(Enumerable.Repeat(1L, 9).Concat(Enumerable.Repeat(0L, 3)).Concat(Enumerable.Repeat(1L, 6)).ToArray(), new long[] { 2, 9 });
        var positions = tensor(Enumerable.Range(0, 9).Select(i => (long)i).Concat(new long[] { 0, 0, 0 }).Concat(Enumerable.Range(0, 6).Select(i => (long)i)).ToArray(), new long[] { 2, 9 });
        using var batch = model.Forward(ids, positions, mask);
        using var single = model.Forward(tensor(b).unsqueeze(0));
        TinyModels.AssertClose(batch[1].narrow(0, 3, 6), single[0], "left-padded row");
    }

    internal static Tensor Incremental(DecoderModel model, Tensor ids, KvCache cache, int prefill)
    {
        long t = ids.shape[1];
        var parts = new List<Tensor> { model.Forward(ids.narrow(1, 0, prefill), cache: cache) };
        for (long i = prefill; i < t; i++) parts.Add(model.Forward(ids.narrow(1, i, 1), cache: cache));
        return cat(parts, 1);
    }
}
