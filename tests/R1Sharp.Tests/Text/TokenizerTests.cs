// Unit tests of HfTokenizer: worked examples, added tokens, BOS, NFC, special-token decode, streaming, bad files.
// Expected ids come from transformers.js (@lenml/tokenizers 3.7.2) runs on the committed fixture tokenizers.
using System.Text;
using R1Sharp.Text;

namespace R1Sharp.Tests.Text;

public class TokenizerTests
{
    private static HfTokenizer DeepSeek => TokenizerFixtures.Get("deepseek_v3");
    private static HfTokenizer R1 => TokenizerFixtures.Get("deepseek_r1");
    private static HfTokenizer Qwen3 => TokenizerFixtures.Get("qwen3");

    [Fact]
    public void Worked_examples_match_transformers_js()
    {
        Assert.Equal([9707, 1879], Qwen3.Encode("Hello world"));
        Assert.Equal([19923, 2058, 128803, 6366, 53769, 225, 223, 6895, 18009], DeepSeek.Encode("Hello world<｜User｜>hi 😀 123456", addSpecialTokens: false));
        Assert.Equal([220, 16, 17, 18], Qwen3.Encode(" 123"));
    }

    [Fact]
    public void Added_tokens_inside_text_are_single_ids()
    {
        int[] ids = R1.Encode("a<think>b</think>c", addSpecialTokens: false);
        Assert.Contains(128798, ids);
        Assert.Contains(128799, ids);
        Assert.Equal("a<think>b</think>c", R1.Decode(ids));
        Assert.Equal([151644], Qwen3.Encode("<|im_start|>"));
        Assert.DoesNotContain(151644, Qwen3.Encode("<|im_start")); // an unfinished marker is plain text
    }

    [Fact]
    public void DeepSeek_adds_bos_from_add_bos_token_and_Qwen3_adds_nothing()
    {
        Assert.True(DeepSeek.AddsBosToken);
        Assert.Equal(0, DeepSeek.BosId);
        Assert.Equal(1, DeepSeek.EosId);
        Assert.Equal(0, DeepSeek.Encode("hi")[0]);
        Assert.NotEqual(0, DeepSeek.Encode("hi", addSpecialTokens: false)[0]);
        Assert.False(Qwen3.AddsBosToken);
        Assert.Null(Qwen3.BosId);
        Assert.Equal(151645, Qwen3.EosId);
        Assert.Equal(151643, Qwen3.PadId);
        Assert.Equal(Qwen3.Encode("hi", false), Qwen3.Encode("hi", true));
    }

    [Fact]
    public void Qwen3_normalizes_to_NFC_and_DeepSeek_does_not()
    {
        Assert.Equal([963], Qwen3.Encode("e\u0301"));
        Assert.Equal(Qwen3.Encode("\u00e9"), Qwen3.Encode("e\u0301"));
        Assert.NotEqual(DeepSeek.Encode("\u00e9", false), DeepSeek.Encode("e\u0301", false));
    }

    [Fact]
    public void Decode_drops_special_tokens_only_when_asked()
    {
        int[] ids = [0, .. DeepSeek.Encode("hi", false), 128803, 1];
        Assert.Equal("<｜begin▁of▁sentence｜>hi<｜User｜><｜end▁of▁sentence｜>", DeepSeek.Decode(ids));
        Assert.Equal("hi<｜User｜>", DeepSeek.Decode(ids, skipSpecialTokens: true)); // <｜User｜> is not special
    }

    [Fact]
    public void Decode_skips_ids_without_a_token()
    {
        Assert.Equal("hi", DeepSeek.Decode([.. DeepSeek.Encode("hi", false), 129000]));
    }

    [Fact]
    public void Decode_never_splits_a_multibyte_char_in_the_stream_decoder()
    {
        int[] ids = DeepSeek.Encode(" 😀中文", false);
        Assert.Equal([53769, 225], ids[..2]); // " 😀" starts with two partial-byte tokens
        var stream = DeepSeek.CreateStreamDecoder();
        var deltas = ids.Select(stream.Push).Append(stream.Flush()).ToList();
        Assert.Contains("", deltas); // the emoji spans several tokens: the first ones emit nothing
        foreach (string d in deltas)
        {
            Assert.DoesNotContain('\uFFFD', d);
            Assert.True(d.Length == 0 || !char.IsHighSurrogate(d[^1]), "delta ends inside a surrogate pair");
        }
        Assert.Equal(" 😀中文", string.Concat(deltas));
    }

    [Fact]
    public void Stream_decoder_flushes_an_incomplete_tail_as_replacement_char()
    {
        int lead = DeepSeek.TokenToId("â")!.Value; // byte 0xE2, the lead byte of a 3-byte sequence
        var stream = DeepSeek.CreateStreamDecoder();
        Assert.Equal("", stream.Push(lead));
        Assert.Equal("\uFFFD", stream.Flush());
        Assert.Equal("\uFFFD", DeepSeek.Decode([lead]));
        // An added token ends the byte run, as in transformers.js.
        var s2 = DeepSeek.CreateStreamDecoder();
        Assert.Equal("\uFFFD<｜User｜>", s2.Push([lead, 128803]));
    }

    [Fact]
    public void Vocabulary_tables_for_export()
    {
        Assert.Equal(128815, DeepSeek.VocabSize);
        Assert.Equal("Ġ t", DeepSeek.Merges[0]);
        Assert.Equal(127741, DeepSeek.Merges.Count);
        Assert.Equal(HfTokenType.Control, DeepSeek.GetTokenType(0));
        Assert.Equal(HfTokenType.UserDefined, DeepSeek.GetTokenType(128803));
        Assert.Equal(HfTokenType.Normal, DeepSeek.GetTokenType(5000));
        Assert.Equal(HfTokenType.Unused, DeepSeek.GetTokenType(128900));
        Assert.Equal("<｜User｜>", DeepSeek.IdToToken(128803));
        Assert.Equal(128803, DeepSeek.TokenToId("<｜User｜>"));
        Assert.Equal(818, DeepSeek.AddedTokens.Count);
        Assert.Equal(3, DeepSeek.PreTokenizerPatterns.Count);
    }

    [Fact]
    public void Load_reads_a_model_directory()
    {
        string dir = Path.Combine(Path.GetTempPath(), "r1sharp-tok-" + Guid.NewGuid().ToString("N"));
        try
        {
            TokenizerFixtures.WriteModelDirectory("qwen3", dir);
            Assert.Equal([9707, 1879], HfTokenizer.Load(dir).Encode("Hello world"));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Lstrip_and_rstrip_remove_whitespace_around_an_added_token()
    {
        var tok = HfTokenizer.FromJson(TinyJson(lstrip: true, rstrip: true), null);
        int a = tok.TokenToId("a")!.Value, b = tok.TokenToId("b")!.Value;
        Assert.Equal([a, 257, b], tok.Encode("a  <x>  b"));
        var plain = HfTokenizer.FromJson(TinyJson(lstrip: false, rstrip: false), null);
        Assert.Equal(7, plain.Encode("a  <x>  b").Length); // "a", "  " (2 bytes), <x>, " ", " b" (2 bytes)
    }

    [Fact]
    public void Tiny_tokenizer_merges_by_rank()
    {
        var tok = HfTokenizer.FromJson(TinyJson(false, false), null);
        Assert.Equal([256, 256], tok.Encode("abab"));
        Assert.Equal("abab", tok.Decode([256, 256]));
    }

    [Fact]
    public void Missing_directory_names_tokenizer_json()
    {
        var e = Assert.Throws<R1SharpException>(() => HfTokenizer.Load("/nonexistent/model"));
        Assert.Contains("tokenizer.json", e.Message);
    }

    [Fact]
    public void Bad_json_and_missing_fields_name_the_file_and_field()
    {
        Assert.Contains("invalid JSON", Assert.Throws<R1SharpException>(() => HfTokenizer.FromJson("{ nope", null)).Message);
        var e = Assert.Throws<R1SharpException>(() => HfTokenizer.FromJson("""{"model":{"type":"BPE","merges":[]},"decoder":{"type":"ByteLevel"}}""", null));
        Assert.Contains("tokenizer.json", e.Message);
        Assert.Contains("model.vocab", e.Message);
        Assert.Contains("invalid JSON", Assert.Throws<R1SharpException>(() => HfTokenizer.FromJson(TinyJson(false, false), "{")).Message);
    }

    [Fact]
    public void Unsupported_components_are_named()
    {
        string json = TinyJson(false, false);
        var e = Assert.Throws<R1SharpException>(() => HfTokenizer.FromJson(json.Replace("\"normalizer\":null", "\"normalizer\":{\"type\":\"NFKC\"}"), null));
        Assert.Contains("normalizer", e.Message);
        Assert.Contains("NFKC", e.Message);
        e = Assert.Throws<R1SharpException>(() => HfTokenizer.FromJson(json.Replace("\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"use_regex\":true", "\"type\":\"Metaspace\""), null));
        Assert.Contains("Metaspace", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    // 256 byte tokens + "ab" (256) + added "<x>" (257), GPT-2 regex pre-tokenizer.
    private static string TinyJson(bool lstrip, bool rstrip)
    {
        var vocab = new StringBuilder();
        for (int b = 0; b < 256; b++)
        {
            string ch = ByteLevelChar(b);
            vocab.Append(System.Text.Json.JsonSerializer.Serialize(ch)).Append(':').Append(b).Append(',');
        }
        vocab.Append("\"ab\":256");
        return "{\"added_tokens\":[{\"id\":257,\"content\":\"<x>\",\"special\":true,\"lstrip\":" + (lstrip ? "true" : "false") +
               ",\"rstrip\":" + (rstrip ? "true" : "false") + ",\"single_word\":false,\"normalized\":false}]," +
               "\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"use_regex\":true}," +
               "\"post_processor\":null,\"decoder\":{\"type\":\"ByteLevel\"}," +
               "\"model\":{\"type\":\"BPE\",\"vocab\":{" + vocab + "},\"merges\":[\"a b\"]}}";
    }

    private static string ByteLevelChar(int b)
    {
        int next = 256;
        for (int i = 0; i < 256; i++)
        {
            bool printable = (i >= '!' && i <= '~') || (i >= 0xA1 && i <= 0xAC) || (i >= 0xAE && i <= 0xFF);
            int c = printable ? i : next++;
            if (i == b) return ((char)c).ToString();
        }
        throw new ArgumentOutOfRangeException(nameof(b));
    }
}
