// The README-as-test machinery on hand-written snippets: block parsing and marks, output normalisation and matching.
namespace R1Sharp.Tests.Docs;

public sealed class ReadmeParsingTests
{
    [Fact]
    public void Commands_take_the_lines_after_them_as_shown_output()
    {
        var blocks = ReadmeBlocks.Parse("text\n```\n$ echo a\na\n$ r1 serve &\n$ false\nerror: no\n```\n");
        var b = Assert.Single(blocks);
        Assert.Equal(2, b.Line);
        Assert.Equal(ReadmeCheck.Run, b.Check);
        Assert.Equal(["echo a", "r1 serve &", "false"], b.Commands.Select(c => c.Text));
        Assert.Equal(["a"], b.Commands[0].Shown);
        Assert.Empty(b.Commands[1].Shown);
        Assert.True(b.Commands[1].Background);
        Assert.False(b.Commands[0].Background);
        Assert.Equal("error: no", b.Commands[2].ErrorLine);
        Assert.Null(b.Commands[0].ErrorLine);
    }

    [Fact]
    public void Marks_before_the_fence_set_the_check()
    {
        var blocks = ReadmeBlocks.Parse(
            "<!-- readme-test: output -->\n```sh\n$ a\n```\n<!-- readme-test: skip (takes 2 min) -->\n```\n$ b\n```\n```\nonly output\n```\n");
        Assert.Equal(2, blocks.Count);
        Assert.Equal((ReadmeCheck.Output, (string?)null), (blocks[0].Check, blocks[0].SkipReason));
        Assert.Equal((ReadmeCheck.Skip, "takes 2 min"), (blocks[1].Check, blocks[1].SkipReason));
        Assert.Equal(6, blocks[1].Line);
    }

    [Theory]
    [InlineData("<!-- readme-test: skip -->\n```\n$ a\n```\n")]            // a skip without its reason
    [InlineData("<!-- readme-test: compare -->\n```\n$ a\n```\n")]         // not a known mark
    [InlineData("<!-- readme-test: output -->\n```\njust output\n```\n")]  // a mark on a block with no command
    [InlineData("```\n$ a\n")]                                              // a fence never closed
    public void Bad_marks_and_fences_are_errors(string markdown) =>
        Assert.Throws<FormatException>(() => ReadmeBlocks.Parse(markdown));

    [Fact]
    public void Commands_without_the_prompt_are_found()
    {
        Assert.Equal([3, 4], ReadmeBlocks.UnpromptedCommandLines("r1 x outside\n```\nr1 zero\ndotnet test\n$ r1 run\nR1Sharp f32\n```\n"));
    }

    [Theory]
    [InlineData("prompt 14 tokens, generated 40 (40 reasoning) in 0.98 s, 41.0 tokens/s, finish length",
        "prompt 14 tokens, generated 40 (40 reasoning) in # s, # tokens/s, finish length")]
    [InlineData("step 1/3  loss 0.0245  lr 5.00e-5  gnorm 0.132  rollout 0.15s  update 0.17s",
        "step 1/3  loss 0.0245  lr 5.00e-5  gnorm 0.132  rollout #s  update #s")]
    [InlineData("step 4/12 | loss 0.0290 | tokens 2388 | tokens_per_second 42453 | mfu 21.4%",
        "step 4/12 | loss 0.0290 | tokens 2388 | tokens_per_second # | mfu #%")]
    [InlineData("done: 12 steps, 48166 tokens/s, MFU 24.3%, last", "done: 12 steps, # tokens/s, MFU #%, last")]
    [InlineData("sft: 118,464 parameters, 12 steps (14/epoch), matmul 141 GFLOP/s", "sft: 118,464 parameters, 12 steps (14/epoch), matmul # GFLOP/s")]
    [InlineData("{\"usage\":{\"prompt_tokens\":14},\"timings\":{\"prompt_n\":14,\"prompt_ms\":1.5}}  ", "{\"usage\":{\"prompt_tokens\":14}}")]
    [InlineData("{\"a\":1,\"timings\":{…}}", "{\"a\":1}")]
    [InlineData("POST /v1/chat/completions 200 227 ms prompt=14", "POST /v1/chat/completions 200 # ms prompt=14")]
    [InlineData("trained vocab 600 from 950 chunks (524 unique) in 0.1 s -> /tmp/tk", "trained vocab 600 from 950 chunks (524 unique) in # s -> /tmp/tk")]
    public void Normalise_hides_measured_figures_only(string line, string normalised) =>
        Assert.Equal(normalised, ReadmeOutput.Normalise(line));

    [Theory]
    [InlineData("a|b|c", "a|b|c", true)]
    [InlineData("a|b|c", "a|b", false)]
    [InlineData("a|...|c", "a|c", true)]             // "..." may stand for no line
    [InlineData("a|...|c", "a|x|y|c", true)]
    [InlineData("a|...|c", "a|x|y", false)]
    [InlineData("...|c", "x|c|c", true)]
    [InlineData("id …, done", "id 807a, done", true)] // "…" inside a line: any text
    [InlineData("id …, done", "id 807a, undone", false)]
    [InlineData("a.b", "axb", false)]                // other characters are literal
    [InlineData("in 0.1 s", "in 12.75 s||", true)]   // normalised, trailing empty lines ignored
    public void Matches_follows_the_elisions(string shown, string actual, bool expected) =>
        Assert.Equal(expected, ReadmeOutput.Matches(shown.Split('|'), actual.Split('|')));
}
