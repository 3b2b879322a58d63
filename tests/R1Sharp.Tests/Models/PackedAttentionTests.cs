// Packed rows (several SFT examples per row, positions restarting at 0): the block-diagonal causal mask makes every
// example's logits equal those of the example alone, for dense GQA and for MLA + MoE.
using R1Sharp.Models;
using R1Sharp.Models.DeepSeekV3;
using R1Sharp.Tests.Models.DeepSeekV3;
using static TorchSharp.torch;
using static R1Sharp.Tests.Models.TinyModels;

namespace R1Sharp.Tests.Models;

public class PackedAttentionTests
{
    [Fact]
    public void Packed_mask_is_block_diagonal_causal_and_skips_padding()
    {
        using var positions = tensor(new long[] { 0, 1, 0, 1, 2, 5 }, [1, 6]);
        using var valid = tensor(new[] { true, true, true, true, true, false }, [1, 6]);
        using var mask = DecoderContext.BuildPackedMask(positions, valid);
        // The pad query (ignored by the loss) sees its row's last example and itself; no other query sees the pad key.
        string[] expected = ["100000", "110000", "001000", "001100", "001110", "001111"];
        for (int t = 0; t < 6; t++)
            Assert.Equal(expected[t], string.Concat(Enumerable.Range(0, 6).Select(s => mask[0, 0, t, s].item<bool>() ? '1' : '0')));
    }

    public static TheoryData<string> Models => new() { "qwen2-kv2", "llama-kv1", "deepseek_v3" };

    [Theory]
    [MemberData(nameof(Models))]
    public void Each_packed_example_gets_the_logits_it_has_alone(string name)
    {
        using var model = name switch
        {
            "qwen2-kv2" => Create(Qwen2(kvHeads: 2)),
            "llama-kv1" => Create(Llama(kvHeads: 1)),
            _ => TinyDeepSeek.Create(TinyDeepSeek.Config(), MlaPath.Plain),
        };
        var rng = new Random(4);
        long[][] examples = [RandomTokens(rng, 5, model.Config.VocabSize), RandomTokens(rng, 4, model.Config.VocabSize), RandomTokens(rng, 3, model.Config.VocabSize)];
        // Row 0: examples 0 and 1 packed, then 2 pads; row 1: example 2, then 8 pads.
        long[] row0 = [.. examples[0], .. examples[1], 0, 0], row1 = [.. examples[2], .. new long[8]];
        long[] pos0 = [0, 1, 2, 3, 4, 0, 1, 2, 3, 9, 10], pos1 = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        using var noGrad = no_grad();
        using var ids = Ids([row0, row1]);
        using var positions = tensor(pos0.Concat(pos1).ToArray(), [2, 11]);
        using var mask = tensor(Enumerable.Range(0, 22).Select(i => i % 11 < (i < 11 ? 9 : 3) ? 1L : 0L).ToArray(), [2, 11]);
        using var packed = model.Forward(ids, positions, mask, packed: true);
        (int Row, int Offset)[] places = [(0, 0), (0, 5), (1, 0)];
        for (int e = 0; e < examples.Length; e++)
        {
            using var aloneIds = Ids([examples[e]]);
            using var alone = model.Forward(aloneIds);
            using var part = packed[places[e].Row].narrow(0, places[e].Offset, examples[e].Length);
            Assert.True(part.allclose(alone[0], rtol: 1e-4, atol: 1e-5), $"{name} example {e}: max |Δ| {(part - alone[0]).abs().max().item<float>()}");
        }
        // Without the flag the second example attends to the first, so its logits differ.
        using var unpacked = model.Forward(ids, positions, mask);
        using var second = unpacked[0].narrow(0, 5, 4);
        using var secondAlone = model.Forward(Ids([examples[1]]));
        Assert.False(second.allclose(secondAlone[0], rtol: 1e-4, atol: 1e-5));
    }
}
