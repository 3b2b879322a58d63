// KvCache.SharePrompts: samples of one prompt read its slots from one shared block. The managed decode step over a
// sharing cache must give bitwise the logits of the same step over a cache whose prompt rows were copied per sample
// (SelectRows), through row drops and capacity growth; Unshare lays the rows out as the copy would, so the TorchSharp
// forward continues from it.
using R1Sharp.Models;
using static TorchSharp.torch;

namespace R1Sharp.Tests.Models;

public sealed class KvCacheSharingTests
{
    private static readonly long[][] Prompts = [[5, 6, 7, 8, 9, 10], [11, 12], [13, 14, 15, 16]];
    private static readonly long[] Rows = [0, 0, 0, 1, 1, 2];

    // Both caches hold the same left-padded prefill of the three prompts (6 slots, rows 1 and 2 padded in front).
    private static (KvCache Copied, KvCache Shared) Prefill(DecoderModel model)
    {
        using var noGrad = no_grad();
        int t = Prompts.Max(p => p.Length);
        using var ids = TinyModels.Ids(Prompts.Select(p => new long[t - p.Length].Concat(p).ToArray()).ToArray());
        using var mask = TinyModels.Ids(Prompts.Select(p => Enumerable.Repeat(0L, t - p.Length).Concat(Enumerable.Repeat(1L, p.Length)).ToArray()).ToArray());
        using var positions = TinyModels.Ids(Prompts.Select(p => Enumerable.Repeat(0L, t - p.Length).Concat(Enumerable.Range(0, p.Length).Select(i => (long)i)).ToArray()).ToArray());
        var copied = model.CreateCache(3, t);
        var shared = model.CreateCache(3, t);
        using (model.Forward(ids, positions, mask, copied, lastOnly: true)) { }
        using (model.Forward(ids, positions, mask, shared, lastOnly: true)) { }
        copied.SelectRows(Rows);
        shared.SharePrompts(Rows);
        return (copied, shared);
    }

    [Theory]
    [InlineData("qwen2")]
    [InlineData("llama-mqa")]
    public void Decode_steps_over_shared_prompts_equal_steps_over_copied_rows_bitwise(string shape)
    {
        using var model = TinyModels.Create(shape == "qwen2" ? TinyModels.Qwen2() : TinyModels.Llama(kvHeads: 1, llama3: false));
        var step = DenseDecodeStep.TryCreate(model)!;
        var (copied, shared) = Prefill(model);
        using var c = copied;
        using var s = shared;
        Assert.True(s.SharesPrompts);
        Assert.Throws<InvalidOperationException>(() => s.SharePrompts([0]));
        Assert.Equal(6, s.BatchSize);
        Assert.Equal(0, s.Length);
        int vocab = model.Config.VocabSize;
        long[] next = [1, 2, 3, 4, 5, 6];
        long[] pos = Rows.Select(r => (long)Prompts[r].Length).ToArray();
        for (int i = 0; i < 24; i++) // own slots start at 16 and grow on the way
        {
            var expected = new float[next.Length * vocab];
            var actual = new float[next.Length * vocab];
            Assert.True(step.TryStep(next, pos, c, expected));
            Assert.True(step.TryStep(next, pos, s, actual));
            Assert.Equal(expected, actual);
            if (i == 9)
            {
                long[] keep = [5, 0, 3]; // drop rows, reorder the rest: each keeps its prompt
                c.SelectRows(keep);
                s.SelectRows(keep);
                next = keep.Select(k => next[k]).ToArray();
                pos = keep.Select(k => pos[k]).ToArray();
            }
            next = next.Select(n => (n * 7 + 3) % vocab).ToArray();
            pos = pos.Select(p => p + 1).ToArray();
        }
        Assert.True(s.SharesPrompts);
        Assert.Equal(24, s.Length);
    }

    [Fact]
    public void Unshare_lays_rows_out_like_copies_and_the_torchsharp_forward_continues()
    {
        using var model = TinyModels.Create(TinyModels.Qwen2());
        var step = DenseDecodeStep.TryCreate(model)!;
        var (copied, shared) = Prefill(model);
        using var c = copied;
        using var s = shared;
        var logits = new float[Rows.Length * model.Config.VocabSize];
        long[] next = [1, 2, 3, 4, 5, 6];
        long[] pos = Rows.Select(r => (long)Prompts[r].Length).ToArray();
        for (int i = 0; i < 3; i++)
        {
            Assert.True(step.TryStep(next, pos, c, logits));
            Assert.True(step.TryStep(next, pos, s, logits));
            pos = pos.Select(p => p + 1).ToArray();
        }
        s.Unshare();
        Assert.False(s.SharesPrompts);
        Assert.Equal(c.Length, s.Length);
        Assert.True(s.HasPadding);
        for (int layer = 0; layer < c.Layers; layer++)
        {
            using var ck = c.KeysOf(layer).narrow(2, 0, c.Length);
            using var sk = s.KeysOf(layer).narrow(2, 0, s.Length);
            using var cv = c.ValuesOf(layer).narrow(2, 0, c.Length);
            using var sv = s.ValuesOf(layer).narrow(2, 0, s.Length);
            Assert.True(ck.allclose(sk, 0, 0), $"keys of layer {layer}");
            Assert.True(cv.allclose(sv, 0, 0), $"values of layer {layer}");
        }
        using (var cValid = c.Valid.narrow(1, 0, c.Length)) using (var sValid = s.Valid.narrow(1, 0, s.Length)) Assert.True(cValid.to_type(ScalarType.Float32).allclose(sValid.to_type(ScalarType.Float32), 0, 0));

        using var noGrad = no_grad();
        using var ids = tensor(next, new long[] { 6, 1 });
        using var positions = tensor(pos, new long[] { 6, 1 });
        using var expected = model.Forward(ids, positions, cache: c);
        using var actual = model.Forward(ids, positions, cache: s);
        TinyModels.AssertClose(actual, expected, "TorchSharp forward after Unshare");
    }

    [Fact]
    public void The_torchsharp_forward_unshares_a_sharing_cache_itself()
    {
        using var model = TinyModels.Create(TinyModels.Qwen2());
        var (copied, shared) = Prefill(model);
        using var c = copied;
        using var s = shared;
        using var noGrad = no_grad();
        long[] pos = Rows.Select(r => (long)Prompts[r].Length).ToArray();
        using var ids = tensor(new long[] { 1, 2, 3, 4, 5, 6 }, new long[] { 6, 1 });
        using var positions = tensor(pos, new long[] { 6, 1 });
        using var expected = model.Forward(ids, positions, cache: c);
        using var actual = model.Forward(ids, positions, cache: s);
        Assert.False(s.SharesPrompts);
        TinyModels.AssertClose(actual, expected, "first step through TorchSharp");
    }
}
