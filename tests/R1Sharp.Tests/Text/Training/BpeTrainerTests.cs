// BpeTrainer: the minbpe/Wikipedia worked example, tie-break, agreement with a naive recounting oracle,
// determinism, special tokens, MinFrequency and option validation.
using R1Sharp.Text.Training;

namespace R1Sharp.Tests.Text.Training;

public class BpeTrainerTests
{
    internal static string CorpusPath { get; } = RepoPaths.Fixture("bpe", "corpus.txt");

    internal static string[] CorpusLines() => File.ReadAllLines(CorpusPath).Select(l => l + "\n").ToArray();

    [Fact]
    public void Wikipedia_example_merges_aa_then_ab_then_ZY()
    {
        var r = BpeTrainer.Train(["aaabdaaabac"], new BpeTrainerOptions { VocabSize = 259 });
        Assert.Equal([(97, 97), (97, 98), (256, 257)], r.Merges);
        Assert.Equal(["aa", "ab", "aaab"], r.Vocab.Skip(256));
        Assert.Equal("aa ab", r.MergeString(2));
    }

    [Fact]
    public void Ties_go_to_the_smallest_left_id_then_right_id()
    {
        // "ba", "ab" and "cd" each occur twice; (97,98) < (98,97) < (99,100).
        var r = BpeTrainer.Train(["cd", "ba", "ab", "cd", "ba", "ab"], new BpeTrainerOptions { VocabSize = 256 + 3 });
        Assert.Equal([(97, 98), (98, 97), (99, 100)], r.Merges.Take(3));
    }

    [Fact]
    public void Training_stops_when_no_pair_reaches_min_frequency()
    {
        var r = BpeTrainer.Train(["abcabc xyz"], new BpeTrainerOptions { VocabSize = 300, MinFrequency = 2 });
        Assert.Equal([(97, 98), (256, 99)], r.Merges);
        Assert.Equal(258, r.VocabSize);
    }

    [Fact]
    public void Incremental_counts_agree_with_full_recount_on_multilingual_corpus()
    {
        var options = new BpeTrainerOptions { VocabSize = 700, MinFrequency = 1, SpecialTokens = ["<|endoftext|>"] };
        string[] lines = CorpusLines();
        Assert.Equal(NaiveBpe.Merges(lines, options), BpeTrainer.Train(lines, options).Merges);
    }

    [Fact]
    public void Overlapping_runs_are_counted_like_the_oracle()
    {
        string[] docs = ["aaaa aaaaa aaa", "aaaaaaa bbbbbb aaaabbbb", "ababab abab"];
        var options = new BpeTrainerOptions { VocabSize = 270, MinFrequency = 1 };
        Assert.Equal(NaiveBpe.Merges(docs, options), BpeTrainer.Train(docs, options).Merges);
    }

    [Fact]
    public void Same_bytes_from_two_merges_share_one_id()
    {
        // "ab"+"c" and "a"+"bc" both spell "abc"; HF vocabularies cannot hold a string twice.
        string[] docs = ["ab ab ab abc abc bc bc bc bc abc", "xabc abc"];
        var r = BpeTrainer.Train(docs, new BpeTrainerOptions { VocabSize = 300, MinFrequency = 1 });
        Assert.Equal(r.Vocab.Count, r.Vocab.Distinct().Count());
        Assert.Equal(NaiveBpe.Merges(docs, new BpeTrainerOptions { VocabSize = 300, MinFrequency = 1 }), r.Merges);
    }

    [Fact]
    public void Training_is_deterministic()
    {
        var options = new BpeTrainerOptions { VocabSize = 600 };
        var a = BpeTrainer.Train(CorpusLines(), options);
        var b = BpeTrainer.Train(CorpusLines().ToList(), options);
        Assert.Equal(a.Merges, b.Merges);
        Assert.Equal(a.Vocab, b.Vocab);
    }

    [Fact]
    public void Special_tokens_get_the_last_ids_and_are_never_learned()
    {
        string[] docs = ["hi<|endoftext|>hi<|endoftext|>hi<|im_end|>", "<|endoftext|><|endoftext|>"];
        var r = BpeTrainer.Train(docs, new BpeTrainerOptions { VocabSize = 300, MinFrequency = 1, SpecialTokens = ["<|endoftext|>", "<|im_end|>"] });
        Assert.Equal(r.VocabSize - 2, r.FirstSpecialId);
        Assert.Equal("<|endoftext|>", r.Vocab[r.FirstSpecialId]);
        Assert.Equal("<|im_end|>", r.Vocab[^1]);
        Assert.Equal([(104, 105)], r.Merges);
    }

    [Fact]
    public void Vocab_size_counts_bytes_merges_and_specials()
    {
        var r = BpeTrainer.Train(CorpusLines(), new BpeTrainerOptions { VocabSize = 500, SpecialTokens = ["<|endoftext|>", "<think>"] });
        Assert.Equal(500, r.VocabSize);
        Assert.Equal(242, r.Merges.Count);
        Assert.Equal("Ġ", r.Vocab[' ']);
    }

    [Fact]
    public void Text_reader_lines_keep_their_newline()
    {
        var r = BpeTrainer.Train(new StringReader("ab\nab\n"), new BpeTrainerOptions { VocabSize = 258 });
        Assert.Equal([(97, 98)], r.Merges);
        Assert.Equal(4, r.TotalChunks);
        Assert.Equal(2, r.UniqueChunks);
    }

    [Fact]
    public void Without_nfc_the_corpus_bytes_are_kept_as_given()
    {
        var r = BpeTrainer.Train(["e\u0301 e\u0301 e\u0301"], new BpeTrainerOptions { VocabSize = 257, NormalizeNfc = false });
        Assert.Equal([(0xCC, 0x81)], r.Merges);
    }

    [Fact]
    public void Corpus_is_nfc_normalized_before_counting()
    {
        // "e" + combining acute (U+0301) becomes "é" (U+00E9): bytes C3 A9 merge, not 65 CC 81.
        // The build uses InvariantGlobalization (string.Normalize is a no-op there): this checks the ICU path.
        var r = BpeTrainer.Train(["e\u0301 e\u0301 e\u0301"], new BpeTrainerOptions { VocabSize = 257 });
        Assert.Equal([(0xC3, 0xA9)], r.Merges);
    }

    [Fact]
    public void Progress_reports_reach_the_target()
    {
        var seen = new List<BpeTrainingProgress>();
        BpeTrainer.Train(CorpusLines(), new BpeTrainerOptions { VocabSize = 400, Progress = seen.Add });
        Assert.Equal("count", seen[0].Stage);
        Assert.Equal(new BpeTrainingProgress("merge", 144, 144), seen[^1]);
    }

    [Theory]
    [InlineData(257, 0, "BPE training: VocabSize (257) must be at least 256 + the 2 special tokens = 258; raise VocabSize")]
    [InlineData(300, 0, null)]
    [InlineData(300, -1, "BPE training: MinFrequency must be >= 1, got -1")]
    public void Options_are_validated(int vocab, int minFreqDelta, string? expected)
    {
        var o = new BpeTrainerOptions { VocabSize = vocab, SpecialTokens = ["<a>", "<b>"], MinFrequency = 1 + minFreqDelta - (minFreqDelta < 0 ? 1 : 0) };
        if (expected is null) o.Validate();
        else Assert.Equal(expected, Assert.Throws<R1SharpException>(() => BpeTrainer.Train(["x"], o)).Message);
    }

    [Fact]
    public void Duplicate_special_tokens_are_rejected() =>
        Assert.Equal("BPE training: special token '<a>' is listed twice; remove the duplicate",
            Assert.Throws<R1SharpException>(() => new BpeTrainerOptions { SpecialTokens = ["<a>", "<a>"] }.Validate()).Message);

    [Fact]
    public void Byte_level_alphabet_matches_gpt2()
    {
        Assert.Equal('Ġ', ByteLevelAlphabet.ToChar(0x20));
        Assert.Equal('Ċ', ByteLevelAlphabet.ToChar(0x0A));
        Assert.Equal('Ā', ByteLevelAlphabet.ToChar(0x00));
        Assert.Equal('Ń', ByteLevelAlphabet.ToChar(0xAD));
        Assert.Equal('a', ByteLevelAlphabet.ToChar((byte)'a'));
        Assert.Equal("ĠÃ©", ByteLevelAlphabet.Encode([0x20, 0xC3, 0xA9]));
        Assert.Equal(256, Enumerable.Range(0, 256).Select(b => ByteLevelAlphabet.ToChar((byte)b)).Distinct().Count());
    }
}
