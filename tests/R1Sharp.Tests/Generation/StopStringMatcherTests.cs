// Tests of streaming stop-string detection: stops split across every delta boundary, hold-back of only the
// longest possible stop prefix, earliest-match rule, flush at end of stream.
using System.Text;
using R1Sharp.Generation;

namespace R1Sharp.Tests.Generation;

public class StopStringMatcherTests
{
    private static (string Emitted, bool Stopped, string? Stop) Feed(StopStringMatcher m, IEnumerable<string> deltas)
    {
        var sb = new StringBuilder();
        string? stop = null;
        foreach (string d in deltas)
        {
            var step = m.Push(d);
            sb.Append(step.Text);
            if (step.Stopped) { stop ??= step.StopString; return (sb.ToString(), true, stop); }
        }
        sb.Append(m.Flush());
        return (sb.ToString(), false, null);
    }

    private static IEnumerable<string[]> ThreeWaySplits(string text)
    {
        for (int i = 0; i <= text.Length; i++)
            for (int j = i; j <= text.Length; j++)
                yield return [text[..i], text[i..j], text[j..]];
    }

    [Theory]
    [InlineData("abc</s>def", "</s>", "abc")]
    [InlineData("</s>", "</s>", "")]
    [InlineData("x<<</s>", "</s>", "x<<")]
    [InlineData("The answer is 4.\n\nUser:", "\n\nUser:", "The answer is 4.")]
    public void Stop_split_across_every_boundary_is_found_and_excluded(string text, string stop, string before)
    {
        foreach (var deltas in ThreeWaySplits(text))
        {
            var result = Feed(new StopStringMatcher([stop]), deltas);
            Assert.True(result.Stopped, string.Join("|", deltas));
            Assert.Equal(before, result.Emitted);
            Assert.Equal(stop, result.Stop);
        }
    }

    [Theory]
    [InlineData("abc</sdef</")]
    [InlineData("<<<<")]
    [InlineData("no stops here")]
    public void Text_without_a_stop_comes_out_whole_over_every_split(string text)
    {
        foreach (var deltas in ThreeWaySplits(text))
        {
            var result = Feed(new StopStringMatcher(["</s>", "<|end|>"]), deltas);
            Assert.False(result.Stopped);
            Assert.Equal(text, result.Emitted);
        }
    }

    [Fact]
    public void Only_the_longest_possible_stop_prefix_is_held_back()
    {
        var m = new StopStringMatcher(["<x>", "STOP"]);
        Assert.Equal("ab", m.Push("ab<").Text);
        Assert.Equal(1, m.HeldLength);
        Assert.Equal("<y", m.Push("y").Text);
        Assert.Equal("S", m.Push("SST").Text); // "ST" could still become STOP
        Assert.Equal("STOx", m.Push("Ox").Text);
        Assert.Equal(0, m.HeldLength);
    }

    [Fact]
    public void Stop_fed_one_char_at_a_time_over_many_deltas_is_found()
    {
        var m = new StopStringMatcher(["<｜end▁of▁sentence｜>"]);
        var result = Feed(m, "Done.<｜end▁of▁sentence｜>ignored".Select(c => c.ToString()));
        Assert.Equal(("Done.", true, "<｜end▁of▁sentence｜>"), result);
    }

    [Theory]
    [InlineData("aaab", "a")]     // overlapping prefix: "aab" starts at 1
    [InlineData("pq-ab", "pq-")]
    [InlineData("xyzab", "")]     // "xyz" starts before "ab"
    public void Earliest_stop_wins(string text, string before)
    {
        var m = new StopStringMatcher(["aab", "ab", "xyz"]);
        Assert.Equal(before, Feed(m, [text]).Emitted);
    }

    [Fact]
    public void Same_start_prefers_the_longer_stop()
    {
        var m = new StopStringMatcher(["ab", "abc"]);
        var step = m.Push("xxabc");
        Assert.Equal(("xx", true, "abc"), (step.Text, step.Stopped, step.StopString));
    }

    [Fact]
    public void After_a_stop_nothing_more_is_emitted_until_reset()
    {
        var m = new StopStringMatcher(["END"]);
        m.Push("aEND");
        Assert.True(m.Push("more").Stopped);
        Assert.Equal("", m.Push("more").Text);
        Assert.Equal("", m.Flush());
        m.Reset();
        Assert.Equal("more", m.Push("more").Text);
    }

    [Fact]
    public void Without_stops_text_passes_straight_through()
    {
        var m = new StopStringMatcher(["", ""]);
        Assert.Equal("a<b", m.Push("a<b").Text);
        Assert.Empty(m.Stops);
    }
}
