// TrainedTokenizerWriter: the written tokenizer.json/tokenizer_config.json have the HF layout, and HfTokenizer
// loads them and round-trips text (encode → decode) with special tokens on their trained ids.
using System.Text.Json;
using R1Sharp.Text;
using R1Sharp.Text.Training;

namespace R1Sharp.Tests.Text.Training;

public class TrainedTokenizerWriterTests
{
    private static readonly string[] Specials = ["<|endoftext|>", "<think>", "</think>"];

    internal static (BpeTrainingResult Result, string Dir) TrainAndSave(int vocabSize = 500)
    {
        var result = BpeTrainer.Train(BpeTrainerTests.CorpusLines(), new BpeTrainerOptions { VocabSize = vocabSize, SpecialTokens = Specials });
        string dir = Directory.CreateTempSubdirectory("r1bpe").FullName;
        TrainedTokenizerWriter.Save(result, dir, new TokenizerFileOptions { EosToken = "<|endoftext|>", PadToken = "<|endoftext|>", ModelMaxLength = 4096 });
        return (result, dir);
    }

    [Fact]
    public void Tokenizer_json_has_the_hf_byte_level_bpe_layout()
    {
        var (r, dir) = TrainAndSave();
        Assert.Equal(["tokenizer.json", "tokenizer_config.json"], Directory.GetFiles(dir).Select(Path.GetFileName).Order());
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "tokenizer.json")));
        var root = doc.RootElement;
        Assert.Equal("1.0", root.GetProperty("version").GetString());
        Assert.Equal("NFC", root.GetProperty("normalizer").GetProperty("type").GetString());
        var pre = root.GetProperty("pre_tokenizer").GetProperty("pretokenizers");
        Assert.Equal(SplitPreTokenizer.Qwen2Pattern, pre[0].GetProperty("pattern").GetProperty("Regex").GetString());
        Assert.Equal("Isolated", pre[0].GetProperty("behavior").GetString());
        Assert.Equal("ByteLevel", pre[1].GetProperty("type").GetString());
        Assert.False(pre[1].GetProperty("use_regex").GetBoolean());
        Assert.Equal("ByteLevel", root.GetProperty("decoder").GetProperty("type").GetString());
        var model = root.GetProperty("model");
        Assert.Equal("BPE", model.GetProperty("type").GetString());
        Assert.Equal(r.FirstSpecialId, model.GetProperty("vocab").EnumerateObject().Count());
        Assert.Equal(0, model.GetProperty("vocab").GetProperty("Ā").GetInt32());
        Assert.Equal(r.MergeString(0), model.GetProperty("merges")[0].GetString());
        Assert.Equal(r.Merges.Count, model.GetProperty("merges").GetArrayLength());
        var added = root.GetProperty("added_tokens").EnumerateArray().ToList();
        Assert.Equal([497, 498, 499], added.Select(a => a.GetProperty("id").GetInt32()));
        Assert.Equal(Specials, added.Select(a => a.GetProperty("content").GetString()));
        Assert.All(added, a => Assert.True(a.GetProperty("special").GetBoolean()));
    }

    [Fact]
    public void Tokenizer_config_names_the_special_tokens()
    {
        var (_, dir) = TrainAndSave();
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "tokenizer_config.json")));
        var c = doc.RootElement;
        Assert.Equal("PreTrainedTokenizerFast", c.GetProperty("tokenizer_class").GetString());
        Assert.Equal("<|endoftext|>", c.GetProperty("eos_token").GetString());
        Assert.Equal(JsonValueKind.Null, c.GetProperty("bos_token").ValueKind);
        Assert.False(c.GetProperty("add_bos_token").GetBoolean());
        Assert.Equal(4096, c.GetProperty("model_max_length").GetInt32());
        Assert.Equal("</think>", c.GetProperty("added_tokens_decoder").GetProperty("499").GetProperty("content").GetString());
    }

    [Fact]
    public void Hf_tokenizer_loads_it_and_round_trips_text()
    {
        var (r, dir) = TrainAndSave();
        var tok = HfTokenizer.Load(dir);
        Assert.Equal(500, tok.VocabSize);
        Assert.Equal(r.FirstSpecialId, tok.EosId);
        foreach (string line in BpeTrainerTests.CorpusLines())
        {
            int[] ids = tok.Encode(line, addSpecialTokens: false);
            Assert.Equal(line, tok.Decode(ids));
        }
        int[] withSpecials = tok.Encode("<think>\nx = 4\n</think>\nThe answer is 4.<|endoftext|>", addSpecialTokens: false);
        Assert.Equal(r.FirstSpecialId + 1, withSpecials[0]);
        Assert.Equal(r.FirstSpecialId, withSpecials[^1]);
        Assert.Contains(r.FirstSpecialId + 2, withSpecials);
    }

    [Fact]
    public void Unknown_eos_token_is_rejected_before_writing()
    {
        var r = BpeTrainer.Train(["abab"], new BpeTrainerOptions { VocabSize = 258, SpecialTokens = ["<s>"] });
        string dir = Path.Combine(Path.GetTempPath(), "r1bpe-never-" + Guid.NewGuid());
        var e = Assert.Throws<R1SharpException>(() => TrainedTokenizerWriter.Save(r, dir, new TokenizerFileOptions { EosToken = "</s>" }));
        Assert.Equal("tokenizer_config.json: eos_token '</s>' is not one of the special tokens (<s>); add it to SpecialTokens before training", e.Message);
        Assert.False(Directory.Exists(dir));
    }
}
