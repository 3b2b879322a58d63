// HF → GGUF tensor names and the llama q/k row permutation, checked on hand-computed tables.
using R1Sharp.Formats.Gguf;

namespace R1Sharp.Tests.Formats.Gguf;

public class GgufNamesTests
{
    [Theory]
    [InlineData("model.embed_tokens.weight", "token_embd.weight")]
    [InlineData("model.norm.weight", "output_norm.weight")]
    [InlineData("lm_head.weight", "output.weight")]
    [InlineData("model.layers.0.input_layernorm.weight", "blk.0.attn_norm.weight")]
    [InlineData("model.layers.12.self_attn.q_proj.weight", "blk.12.attn_q.weight")]
    [InlineData("model.layers.12.self_attn.q_proj.bias", "blk.12.attn_q.bias")]
    [InlineData("model.layers.3.self_attn.k_proj.bias", "blk.3.attn_k.bias")]
    [InlineData("model.layers.3.self_attn.v_proj.weight", "blk.3.attn_v.weight")]
    [InlineData("model.layers.27.self_attn.o_proj.weight", "blk.27.attn_output.weight")]
    [InlineData("model.layers.1.post_attention_layernorm.weight", "blk.1.ffn_norm.weight")]
    [InlineData("model.layers.1.mlp.gate_proj.weight", "blk.1.ffn_gate.weight")]
    [InlineData("model.layers.1.mlp.up_proj.weight", "blk.1.ffn_up.weight")]
    [InlineData("model.layers.1.mlp.down_proj.weight", "blk.1.ffn_down.weight")]
    public void HfToGguf_maps_qwen2_and_llama_names(string hf, string gguf)
    {
        Assert.Equal(gguf, GgufNames.HfToGguf(hf));
    }

    [Fact]
    public void Unknown_names_have_no_gguf_name()
    {
        Assert.Null(GgufNames.TryHfToGguf("model.layers.0.self_attn.rotary_emb.inv_freq"));
        Assert.Null(GgufNames.TryHfToGguf("model.layers.x.mlp.up_proj.weight"));
        var ex = Assert.Throws<R1SharpException>(() => GgufNames.HfToGguf("foo.weight"));
        Assert.Contains("'foo.weight'", ex.Message);
    }

    [Fact]
    public void PermuteLlamaQK_interleaves_the_two_halves_of_each_head()
    {
        // rows r0..r7 with 2 columns; value = 10·row + col.
        float[] w = Enumerable.Range(0, 16).Select(i => (float)(10 * (i / 2) + i % 2)).ToArray();
        // one head of 8 rows (half = 4): [r0, r4, r1, r5, r2, r6, r3, r7]
        Assert.Equal(Rows(0, 4, 1, 5, 2, 6, 3, 7), GgufNames.PermuteLlamaQK(w, 8, 2, 1));
        // two heads of 4 rows (half = 2): [r0, r2, r1, r3 | r4, r6, r5, r7]
        Assert.Equal(Rows(0, 2, 1, 3, 4, 6, 5, 7), GgufNames.PermuteLlamaQK(w, 8, 2, 2));

        static float[] Rows(params int[] rows) => rows.SelectMany(r => new[] { 10f * r, 10f * r + 1 }).ToArray();
    }

    [Fact]
    public void PermuteLlamaQK_works_on_a_bias()
    {
        float[] bias = [0, 1, 2, 3, 4, 5, 6, 7];
        Assert.Equal([0f, 2, 1, 3, 4, 6, 5, 7], GgufNames.PermuteLlamaQK(bias, 8, 1, 2));
    }

    [Fact]
    public void PermuteLlamaQK_refuses_rows_not_divisible_by_twice_the_heads()
    {
        Assert.Throws<R1SharpException>(() => GgufNames.PermuteLlamaQK(new float[6], 6, 1, 2));
        Assert.Throws<ArgumentException>(() => GgufNames.PermuteLlamaQK(new float[5], 6, 1, 3));
    }

    [Fact]
    public void Arch_keys_are_formatted_with_the_architecture()
    {
        Assert.Equal("qwen2.attention.head_count_kv", GgufKeys.AttentionHeadCountKv("qwen2"));
        Assert.Equal("llama.rope.freq_base", GgufKeys.RopeFreqBase("llama"));
        Assert.Equal("qwen2.attention.layer_norm_rms_epsilon", GgufKeys.AttentionLayerNormRmsEpsilon("qwen2"));
    }
}
