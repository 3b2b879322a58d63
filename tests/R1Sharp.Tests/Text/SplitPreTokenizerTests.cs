// Tests of SplitPreTokenizer: hand-worked splits of the DeepSeek-V3, Qwen2 and GPT-4 patterns (HF Split(Isolated)).
// Full parity with transformers.js is checked by TokenizerParityTests over the committed corpus.
using CsCheck;
using R1Sharp.Text;

namespace R1Sharp.Tests.Text;

public class SplitPreTokenizerTests
{
    private static string[] Pieces(SplitPreTokenizer p, string text) =>
        [.. p.Split(text).Select(r => text.Substring(r.Offset, r.Length))];

    [Fact]
    public void DeepSeekV3_groups_digits_by_three_and_keeps_words()
    {
        Assert.Equal(["abc", " ", "123", "45"], Pieces(SplitPreTokenizer.DeepSeekV3(), "abc 12345"));
    }

    [Fact]
    public void DeepSeekV3_isolates_cjk_runs_and_keeps_the_gaps()
    {
        Assert.Equal(["中文", "abc", "ひらがな", "!"], Pieces(SplitPreTokenizer.DeepSeekV3(), "中文abcひらがな!"));
    }

    [Fact]
    public void DeepSeekV3_punctuation_then_letters_is_one_piece()
    {
        Assert.Equal(["Hello", ",", " world", ".end"], Pieces(SplitPreTokenizer.DeepSeekV3(), "Hello, world.end"));
    }

    [Fact]
    public void Qwen2_splits_contractions_single_digits_and_space_runs()
    {
        Assert.Equal(["Hello", " world", "'s", " ", "4", "2"], Pieces(SplitPreTokenizer.Qwen2(), "Hello world's 42"));
        Assert.Equal(["a", "  ", " b"], Pieces(SplitPreTokenizer.Qwen2(), "a   b"));
        Assert.Equal(["x", ":\r\n", "y"], Pieces(SplitPreTokenizer.Qwen2(), "x:\r\ny"));
    }

    [Fact]
    public void Gpt4_groups_digits_by_three()
    {
        Assert.Equal(["abc", " ", "123", "4"], Pieces(SplitPreTokenizer.Gpt4(), "abc 1234"));
    }

    [Fact]
    public void Astral_letters_count_as_letters()
    {
        // U+20000 and U+20001 (CJK Ext-B) are Lo: the space joins them as in Rust/JS, not a lone " ".
        Assert.Equal(["x", " \U00020000\U00020001"], Pieces(SplitPreTokenizer.Qwen2(), "x \U00020000\U00020001"));
    }

    [Fact]
    public void Astral_digits_are_counted_per_code_point()
    {
        // Mathematical bold digits 1..4 (U+1D7CF..U+1D7D2): one code point, two UTF-16 units each.
        string text = "\U0001D7CF\U0001D7D0\U0001D7D1\U0001D7D2";
        Assert.Equal([(0, 6), (6, 2)], SplitPreTokenizer.DeepSeekV3().Split(text));
    }

    [Fact]
    public void Emoji_are_symbols_not_letters()
    {
        Assert.Equal(["a", " \U0001F600\U0001F600", " b"], Pieces(SplitPreTokenizer.DeepSeekV3(), "a \U0001F600\U0001F600 b"));
    }

    [Fact]
    public void Lone_surrogates_do_not_throw_and_are_covered()
    {
        string text = "a\uD800b\uDC00 c";
        var pieces = SplitPreTokenizer.Qwen2().Split(text);
        Assert.Equal(text.Length, pieces.Sum(p => p.Length));
    }

    [Fact]
    public void PreTokenize_matches_Split()
    {
        var p = SplitPreTokenizer.DeepSeekV3();
        Assert.Equal(p.Split("Hi 2024 中文"), p.PreTokenize("Hi 2024 中文"));
    }

    [Fact]
    public void Split_appends_to_the_given_list()
    {
        var list = new List<(int Offset, int Length)> { (99, 1) };
        SplitPreTokenizer.Qwen2().Split("a b", list);
        Assert.Equal([(99, 1), (0, 1), (1, 2)], list);
    }

    [Fact]
    public void Empty_pattern_list_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new SplitPreTokenizer(Array.Empty<string>()));
    }

    [Fact]
    public void Pieces_tile_the_text_in_order_for_any_string()
    {
        var p = SplitPreTokenizer.DeepSeekV3();
        Gen.String.Sample(text =>
        {
            int at = 0;
            foreach (var (offset, length) in p.Split(text))
            {
                Assert.Equal(at, offset);
                Assert.True(length > 0);
                at += length;
            }
            Assert.Equal(text.Length, at);
        }, iter: 2000);
    }
}
