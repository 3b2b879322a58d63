// GGUF export read back with GgufFile: metadata keys and values, reversed shapes, stored types, the llama q/k
// permutation undone gives the HF weight, vocabulary padding, rope_freqs, tied output, and user errors.
using R1Sharp.Formats.Gguf;
using R1Sharp.Formats.Safetensors;
using R1Sharp.Models.Export;
using R1Sharp.Text;
using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Tests.Models.Export;

public class GgufExportRoundTripTests
{
    [Fact]
    public void Llama_export_has_keys_reversed_shapes_and_q_k_permutation_that_undoes_to_the_HF_weights()
    {
        var c = ExportModels.Case("llama_h64_gqa2_llama3rope");
        using var tmp = new TempDir();
        var (dir, _) = ExportModels.Write(c, tmp.Path);
        string path = Path.Combine(tmp.Path, "m.gguf");
        var result = GgufExporter.Export(dir, path, GgmlType.F32);
        using var gguf = GgufFile.Open(path);
        using var st = SafetensorsModel.Open(dir);

        Assert.Equal("llama", gguf.GetString(GgufKeys.GeneralArchitecture));
        Assert.Equal(c.Name, gguf.GetString(GgufKeys.GeneralName));
        Assert.Equal((long)GgufFileType.AllF32, gguf.GetInteger(GgufKeys.GeneralFileType));
        Assert.Equal(2, gguf.GetInteger(GgufKeys.GeneralQuantizationVersion));
        Assert.Equal(64, gguf.GetInteger("llama.embedding_length"));
        Assert.Equal(2, gguf.GetInteger("llama.block_count"));
        Assert.Equal(80, gguf.GetInteger("llama.feed_forward_length"));
        Assert.Equal(4, gguf.GetInteger("llama.attention.head_count"));
        Assert.Equal(2, gguf.GetInteger("llama.attention.head_count_kv"));
        Assert.Equal(16, gguf.GetInteger("llama.rope.dimension_count"));
        Assert.Equal(512, gguf.GetInteger("llama.context_length"));
        Assert.Equal(500000, gguf.GetFloat("llama.rope.freq_base"));
        Assert.Equal(1e-5, gguf.GetFloat("llama.attention.layer_norm_rms_epsilon"), 1e-10);
        Assert.Equal("llama-bpe", gguf.GetString(GgufKeys.TokenizerPre));
        Assert.Equal(DeepSeekR1Jinja.Source, gguf.GetString(GgufKeys.TokenizerChatTemplate));
        Assert.True(gguf.GetBool(GgufKeys.TokenizerAddBosToken));
        Assert.False(gguf.GetBool(GgufKeys.TokenizerAddEosToken));
        Assert.Null(gguf.Find("llama.attention.key_length"));

        Assert.Equal(st.Tensors.Count + 1, gguf.Tensors.Count); // + rope_freqs
        Assert.Equal(result.TensorCount, gguf.Tensors.Count);
        Assert.Equal(new FileInfo(path).Length, result.FileBytes);
        foreach (var (hf, info) in st.Tensors)
        {
            var t = gguf.GetTensor(GgufNames.HfToGguf(hf));
            Assert.Equal(info.Shape.Reverse().ToArray(), t.Dims);
            Assert.Equal(GgmlType.F32, t.Type);
            float[] stored = gguf.ReadTensorFloats(t), original = st.ReadAsFloat32(hf);
            int rows = (int)info.Shape[0], cols = original.Length / rows;
            int heads = hf.Contains("q_proj") ? 4 : hf.Contains("k_proj") ? 2 : 0;
            Assert.Equal(heads == 0 ? original : GgufNames.PermuteLlamaQK(original, rows, cols, heads), stored);
            if (heads > 0) Assert.NotEqual(original, stored);
        }
        float[] factors = gguf.ReadTensorFloats(gguf.GetTensor("rope_freqs.weight"));
        Assert.Equal([8], gguf.GetTensor("rope_freqs.weight").Dims);
        Assert.Contains(1f, factors);
        Assert.Contains(8f, factors);
        Assert.Contains(factors, f => f is > 1f and < 8f);
    }

    [Fact]
    public void Qwen2_tied_export_pads_the_vocabulary_keeps_weights_unpermuted_and_has_no_output_tensor()
    {
        var c = ExportModels.Case("qwen2_h64_gqa4_tied_padded");
        using var tmp = new TempDir();
        var (dir, _) = ExportModels.Write(c, tmp.Path);
        string path = Path.Combine(tmp.Path, "m.gguf");
        GgufExporter.Export(dir, path);
        using var gguf = GgufFile.Open(path);
        using var st = SafetensorsModel.Open(dir);
        var tok = HfTokenizer.Load(dir);

        int vocab = ExportModels.TokenizerVocab + c.ExtraVocab;
        Assert.Equal(vocab, gguf.GetInteger("qwen2.vocab_size"));
        string[] tokens = gguf.GetArray<string>(GgufKeys.TokenizerTokens);
        int[] types = gguf.GetArray<int>(GgufKeys.TokenizerTokenType);
        Assert.Equal(vocab, tokens.Length);
        Assert.Equal(vocab, types.Length);
        Assert.Equal($"[PAD{vocab - 1}]", tokens[^1]);
        Assert.Equal((int)GgufTokenType.Unused, types[^1]);
        Assert.Equal(tok.Tokens.Take(tok.VocabSize), tokens.Take(tok.VocabSize));
        int eot = tok.TokenToId("<|endoftext|>")!.Value;
        Assert.Equal((int)GgufTokenType.Control, types[eot]);
        Assert.Equal((int)GgufTokenType.Normal, types[100]);
        Assert.Equal(tok.Merges, gguf.GetArray<string>(GgufKeys.TokenizerMerges));
        Assert.Equal(eot, gguf.GetInteger(GgufKeys.TokenizerEosTokenId));
        Assert.Null(gguf.Find(GgufKeys.TokenizerBosTokenId));
        Assert.False(gguf.GetBool(GgufKeys.TokenizerAddBosToken));
        Assert.Equal("qwen2", gguf.GetString(GgufKeys.TokenizerPre));
        Assert.Null(gguf.Find(GgufKeys.TokenizerChatTemplate));

        Assert.Null(gguf.FindTensor("output.weight"));
        Assert.Null(gguf.FindTensor("rope_freqs.weight"));
        var q = gguf.GetTensor("blk.1.attn_q.weight");
        Assert.Equal(st.ReadAsFloat32("model.layers.1.self_attn.q_proj.weight"), gguf.ReadTensorFloats(q));
        Assert.Equal(st.ReadAsFloat32("model.layers.0.self_attn.k_proj.bias"), gguf.ReadTensorFloats(gguf.GetTensor("blk.0.attn_k.bias")));
        Assert.Equal("token_embd.weight", gguf.Tensors[0].Name);
        Assert.Equal("output_norm.weight", gguf.Tensors[^1].Name);
    }

    [Fact]
    public void Q8_0_export_keeps_1D_tensors_F32_and_falls_back_to_F16_for_rows_not_a_multiple_of_32()
    {
        var c = ExportModels.Case("qwen2_h72_gqa1_untied"); // hidden 72, ffn 120: no row is a whole number of Q8_0 blocks
        using var tmp = new TempDir();
        var (dir, _) = ExportModels.Write(c, tmp.Path);
        string path = Path.Combine(tmp.Path, "m.gguf");
        GgufExporter.Export(dir, path, GgmlType.Q8_0);
        using var gguf = GgufFile.Open(path);
        Assert.Equal((long)GgufFileType.MostlyQ8_0, gguf.GetInteger(GgufKeys.GeneralFileType));
        Assert.Equal("deepseek-r1-qwen", gguf.GetString(GgufKeys.TokenizerPre));
        Assert.Equal(72, gguf.GetInteger("qwen2.embedding_length"));
        foreach (var t in gguf.Tensors)
            Assert.Equal(t.Dims.Length == 1 ? GgmlType.F32 : GgmlType.F16, t.Type);

        var llama = ExportModels.Case("llama_h64_gqa2_llama3rope"); // rows of 64 and 80: Q8_0 for 64, F16 for 80
        var (dir2, _) = ExportModels.Write(llama, tmp.Path);
        string path2 = Path.Combine(tmp.Path, "m2.gguf");
        GgufExporter.Export(dir2, path2, GgmlType.Q8_0);
        using var g2 = GgufFile.Open(path2);
        Assert.Equal(GgmlType.Q8_0, g2.GetTensor("blk.0.attn_q.weight").Type);
        Assert.Equal(GgmlType.F16, g2.GetTensor("blk.0.ffn_down.weight").Type);
        Assert.Equal(GgmlType.F32, g2.GetTensor("blk.0.attn_norm.weight").Type);
        Assert.Equal(GgmlType.F32, g2.GetTensor("rope_freqs.weight").Type);
    }
}
