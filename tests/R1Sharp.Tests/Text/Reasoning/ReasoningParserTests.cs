// Table-driven tests of ReasoningParser: one-shot Parse against expected splits, and streaming at every chunk boundary.
// Behaviour per SERVING.md §2 (R1 prefills "<think>\n", outputs then carry only "</think>").
using R1Sharp.Text.Reasoning;

namespace R1Sharp.Tests.Text.Reasoning;

public class ReasoningParserTests
{
    // (output, startsInThinking, expected reasoning, expected content, expected closed)
    public static readonly TheoryData<string, bool, string, string, bool> Cases = new()
    {
        // Prefilled "<think>\n": the output closes a block it never opened.
        { "Let me add.\n</think>\n\n4", true, "Let me add.\n", "4", true },
        { "reasoning without end", true, "reasoning without end", "", false },
        { "\n</think>\n\nAnswer", true, "\n", "Answer", true },
        { "<think>\nx</think>y", true, "x", "y", true },
        { "  leading kept", true, "  leading kept", "", false },
        { "a</think>b</think>c", true, "a", "b</think>c", true },
        { "", true, "", "", false },
        { "r</think>", true, "r", "", true },
        { "r</think>  \n\t ", true, "r", "", true },
        { "r <thin", true, "r <thin", "", false },
        { "x</thinkx", true, "x</thinkx", "", false },
        { "a</th</think>b", true, "a</th", "b", true },
        { "r</think>\n\nline1\n\nline2\n", true, "r", "line1\n\nline2\n", true },
        { "  <thi", true, "  <thi", "", false },
        // The model opens its own block (leading whitespace allowed).
        { "<think>\nplan\n</think>\n\nanswer", false, "plan\n", "answer", true },
        { "  \n<think>p</think>a", false, "p", "a", true },
        { "<think>\nunterminated", false, "unterminated", "", false },
        { "<think></think>", false, "", "", true },
        { "<think>\n\n</think>\n\nHi", false, "\n", "Hi", true },
        { "<think>a</think></think>b", false, "a", "</think>b", true },
        { "<think>", false, "", "", false },
        // No thinking at all: everything is content.
        { "Direct answer.", false, "", "Direct answer.", false },
        { "  Direct", false, "", "  Direct", false },
        { "<thin", false, "", "<thin", false },
        { "answer </think> more", false, "", "answer </think> more", false },
        { "   ", false, "", "   ", false },
        { "<<think>>", false, "", "<<think>>", false },
        { "", false, "", "", false },
    };

    [Theory, MemberData(nameof(Cases))]
    public void Parse_splits_reasoning_and_content(string output, bool startsInThinking, string reasoning, string content, bool closed)
    {
        var (r, c, done) = ReasoningParser.Parse(output, startsInThinking);
        Assert.Equal(reasoning, r);
        Assert.Equal(content, c);
        Assert.Equal(closed, done);
    }

    [Theory, MemberData(nameof(Cases))]
    public void Streaming_at_every_two_chunk_split_matches_one_shot(string output, bool startsInThinking, string reasoning, string content, bool closed)
    {
        for (int cut = 0; cut <= output.Length; cut++)
        {
            var got = Stream(startsInThinking, output[..cut], output[cut..]);
            Assert.Equal((reasoning, content, closed), got);
        }
    }

    [Theory, MemberData(nameof(Cases))]
    public void Streaming_at_every_three_chunk_split_matches_one_shot(string output, bool startsInThinking, string reasoning, string content, bool closed)
    {
        for (int a = 0; a <= output.Length; a++)
            for (int b = a; b <= output.Length; b++)
                Assert.Equal((reasoning, content, closed), Stream(startsInThinking, output[..a], output[a..b], output[b..]));
    }

    [Theory, MemberData(nameof(Cases))]
    public void Streaming_char_by_char_matches_one_shot(string output, bool startsInThinking, string reasoning, string content, bool closed)
    {
        var chunks = output.Select(ch => ch.ToString()).ToArray();
        Assert.Equal((reasoning, content, closed), Stream(startsInThinking, chunks));
    }

    [Fact]
    public void Streaming_matches_one_shot_on_random_tag_soup()
    {
        const string alphabet = "<>/thinkx \n";
        var rng = new Random(12345);
        for (int n = 0; n < 4000; n++)
        {
            var chars = new char[rng.Next(0, 24)];
            for (int i = 0; i < chars.Length; i++) chars[i] = alphabet[rng.Next(alphabet.Length)];
            // Seed some real tags so both branches are exercised often.
            string text = rng.Next(3) switch
            {
                0 => new string(chars),
                1 => new string(chars) + "</think>" + new string(chars.Reverse().ToArray()),
                _ => " <think>" + new string(chars) + "</think>\n" + new string(chars),
            };
            bool starts = rng.Next(2) == 0;
            var chunks = new List<string>();
            for (int i = 0; i < text.Length;)
            {
                int len = Math.Min(text.Length - i, rng.Next(1, 5));
                chunks.Add(text.Substring(i, len));
                i += len;
            }
            Assert.Equal(ReasoningParser.Parse(text, starts), Stream(starts, chunks.ToArray()));
        }
    }

    [Theory]
    [InlineData("abc<", "abc")]
    [InlineData("abc</thi", "abc")]
    [InlineData("abc</think", "abc")]
    [InlineData("abc</x", "abc</x")]
    [InlineData("abc>", "abc>")]
    [InlineData("abc<<", "abc<")]
    public void Holds_back_only_a_possible_close_tag_prefix(string chunk, string emittedNow)
    {
        var p = new ReasoningParser(startsInThinking: true);
        var d = p.Feed(chunk);
        Assert.Equal(emittedNow, d.Reasoning);
        Assert.Equal("", d.Content);
        Assert.Equal(chunk[emittedNow.Length..], p.Finish().Reasoning);
    }

    [Fact]
    public void Close_tag_split_across_chunks_switches_to_content()
    {
        var p = new ReasoningParser(startsInThinking: true);
        Assert.Equal(new ReasoningDelta("think", ""), p.Feed("think</"));
        Assert.True(p.InThinking);
        Assert.Equal(ReasoningDelta.Empty, p.Feed("thi"));
        Assert.Equal(ReasoningDelta.Empty, p.Feed("nk>\n"));
        Assert.True(p.ThinkingClosed);
        Assert.False(p.InThinking);
        Assert.Equal(new ReasoningDelta("", "Answer"), p.Feed("\nAnswer"));
        Assert.Equal(ReasoningDelta.Empty, p.Finish());
    }

    [Fact]
    public void Direct_answer_is_content_once_first_non_whitespace_char_is_not_a_tag()
    {
        var p = new ReasoningParser(startsInThinking: false);
        Assert.Equal(ReasoningDelta.Empty, p.Feed("\n "));
        Assert.Equal(new ReasoningDelta("", "\n Hi"), p.Feed("Hi"));
        Assert.Equal(new ReasoningDelta("", " there"), p.Feed(" there"));
    }

    [Fact]
    public void Feed_after_finish_throws()
    {
        var p = new ReasoningParser(true);
        p.Finish();
        Assert.Throws<InvalidOperationException>(() => p.Feed("x"));
    }

    private static (string, string, bool) Stream(bool startsInThinking, params string[] chunks)
    {
        var p = new ReasoningParser(startsInThinking);
        var r = new System.Text.StringBuilder();
        var c = new System.Text.StringBuilder();
        foreach (var chunk in chunks)
        {
            var d = p.Feed(chunk);
            r.Append(d.Reasoning);
            c.Append(d.Content);
        }
        var f = p.Finish();
        r.Append(f.Reasoning);
        c.Append(f.Content);
        return (r.ToString(), c.ToString(), p.ThinkingClosed);
    }
}
