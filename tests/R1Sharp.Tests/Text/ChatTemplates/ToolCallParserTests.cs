// The tool-call parsers (hermes / Qwen2.5, deepseek_r1, llama3_json) on hand-written answers: whole, and streamed one
// character at a time (every split point), with the expected content and calls written out by hand.
using R1Sharp.Text.ChatTemplates;

namespace R1Sharp.Tests.Text.ChatTemplates;

public class ToolCallParserTests
{
    private const string HermesTwo = "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>\n" +
        "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>";

    private const string R1Two = "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n{\"city\": \"Paris\"}\n```<｜tool▁call▁end｜>\n" +
        "<｜tool▁call▁begin｜>function<｜tool▁sep｜>get_time\n```json\n{}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>";

    private static readonly ParsedToolCall[] Two = [new(0, "get_weather", "{\"city\": \"Paris\"}"), new(1, "get_time", "{}")];

    // Feeds one character at a time; returns the joined content, the calls, and the content seen before each call.
    private static (string Content, IReadOnlyList<ParsedToolCall> Calls) Stream(ToolCallFormat format, string answer, int maxCalls = int.MaxValue)
    {
        var parser = new ToolCallParser(format, maxCalls);
        string content = "";
        var calls = new List<ParsedToolCall>();
        foreach (char c in answer) Add(parser.Feed(c.ToString()));
        Add(parser.Finish());
        return (content, calls);

        void Add(ToolCallDelta d)
        {
            content += d.Content;
            calls.AddRange(d.Calls);
        }
    }

    [Theory]
    [InlineData(ToolCallFormat.Hermes, HermesTwo, "Let me check.\n")]
    [InlineData(ToolCallFormat.DeepSeekR1, R1Two, "")]
    public void Two_calls_whole_and_streamed_char_by_char(ToolCallFormat format, string answer, string content)
    {
        var whole = ToolCallParser.Parse(format, answer);
        Assert.Equal(content, whole.Content);
        Assert.Equal(Two, whole.Calls);
        var streamed = Stream(format, answer);
        Assert.Equal(content, streamed.Content);
        Assert.Equal(Two, streamed.Calls);
    }

    [Fact]
    public void A_call_is_emitted_when_its_closing_marker_arrives_and_marker_prefixes_are_held()
    {
        var p = new ToolCallParser(ToolCallFormat.Hermes);
        var first = p.Feed("Hi <tool");
        Assert.Equal("Hi ", first.Content);
        Assert.Empty(first.Calls);
        Assert.True(p.Feed("_call>\n{\"name\": \"f\", \"arguments\": {\"x\": 1}}\n</tool_").IsEmpty);
        var d = p.Feed("call>");
        Assert.Equal("", d.Content);
        Assert.Equal([new ParsedToolCall(0, "f", "{\"x\": 1}")], d.Calls);
        Assert.True(p.Finish().IsEmpty);
    }

    [Fact]
    public void Text_that_only_starts_like_a_marker_is_content()
    {
        Is("a <tools> b", [], Stream(ToolCallFormat.Hermes, "a <tools> b"));
        Assert.Equal("x <tool", ToolCallParser.Parse(ToolCallFormat.Hermes, "x <tool").Content);
    }

    [Theory]
    [InlineData("<tool_call>\n{\"name\": \"f\", \"arguments\": {oops}}\n</tool_call>")] // not JSON
    [InlineData("<tool_call>\n{\"name\": \"f\"}\n</tool_call>")] // no arguments
    [InlineData("<tool_call>\n{\"name\": \"f\", \"arguments\": {\"x\": 1")] // cut by max_tokens
    public void A_call_that_does_not_parse_stays_content(string answer)
    {
        Is(answer, [], ToolCallParser.Parse(ToolCallFormat.Hermes, answer));
        Is(answer, [], Stream(ToolCallFormat.Hermes, answer));
    }

    [Theory]
    [InlineData("<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\nwn")] // cut by max_tokens
    [InlineData("<｜tool▁calls▁begin｜>\n<｜tool▁call▁begin｜>function<｜tool▁sep｜>f\n```json\n{oops}\n```<｜tool▁call▁end｜><｜tool▁calls▁end｜>")]
    [InlineData("<｜tool▁calls▁begin｜> and then prose")]
    public void A_broken_r1_section_reads_as_written(string answer)
    {
        Is(answer, [], ToolCallParser.Parse(ToolCallFormat.DeepSeekR1, answer));
        Is(answer, [], Stream(ToolCallFormat.DeepSeekR1, answer));
    }

    [Fact]
    public void Arguments_given_as_a_json_string_are_unwrapped()
    {
        var (_, calls) = ToolCallParser.Parse(ToolCallFormat.Hermes, "<tool_call>\n{\"name\": \"f\", \"arguments\": \"{\\\"x\\\": 1}\"}\n</tool_call>");
        Assert.Equal([new ParsedToolCall(0, "f", "{\"x\": 1}")], calls);
    }

    [Fact]
    public void Max_calls_keeps_the_first_and_counts_all()
    {
        var p = new ToolCallParser(ToolCallFormat.DeepSeekR1, maxCalls: 1);
        var d = p.Feed(R1Two);
        Assert.Equal([Two[0]], d.Calls);
        Assert.Equal(2, p.CallCount);
    }

    [Fact]
    public void R1_text_after_the_calls_is_content_and_fence_is_optional()
    {
        string answer = "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>f\n{\"a\": [1, 2]}<｜tool▁call▁end｜><｜tool▁calls▁end｜>Done.";
        Is("Done.", [new ParsedToolCall(0, "f", "{\"a\": [1, 2]}")], Stream(ToolCallFormat.DeepSeekR1, answer));
    }

    [Theory]
    [InlineData("{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}", "get_weather", "{\"city\": \"Paris\"}")]
    [InlineData("  <|python_tag|>{\"name\": \"get_time\", \"arguments\": {}}", "get_time", "{}")]
    public void Llama3_json_answer_is_a_call(string answer, string name, string args)
    {
        Is("", [new ParsedToolCall(0, name, args)], ToolCallParser.Parse(ToolCallFormat.Llama3Json, answer));
        Is("", [new ParsedToolCall(0, name, args)], Stream(ToolCallFormat.Llama3Json, answer));
    }

    [Fact]
    public void Llama3_several_calls_joined_by_semicolons()
    {
        var (content, calls) = ToolCallParser.Parse(ToolCallFormat.Llama3Json, "{\"name\": \"a\", \"parameters\": {}}; {\"name\": \"b\", \"parameters\": {\"x\": 1}}");
        Assert.Equal("", content);
        Assert.Equal([new ParsedToolCall(0, "a", "{}"), new ParsedToolCall(1, "b", "{\"x\": 1}")], calls);
    }

    [Theory]
    [InlineData("The answer is 4.")]
    [InlineData("{\"answer\": 4}")] // JSON, but not a call
    [InlineData("{\"name\": \"a\", \"parameters\": {}} and more")]
    public void Llama3_other_answers_are_content(string answer)
    {
        Is(answer, [], ToolCallParser.Parse(ToolCallFormat.Llama3Json, answer));
        Is(answer, [], Stream(ToolCallFormat.Llama3Json, answer));
    }

    [Fact]
    public void Llama3_plain_text_streams_at_once()
    {
        var p = new ToolCallParser(ToolCallFormat.Llama3Json);
        Assert.True(p.Feed(" ").IsEmpty);
        Assert.Equal(" The", p.Feed("The").Content);
        Assert.Equal(" answer", p.Feed(" answer").Content);
    }

    [Theory]
    [InlineData(ToolCallFormat.DeepSeekR1, "f", "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>f\n```json\n")]
    [InlineData(ToolCallFormat.DeepSeekR1, null, "<｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>")]
    [InlineData(ToolCallFormat.Hermes, "f", "<tool_call>\n{\"name\": \"f\", \"arguments\": ")]
    [InlineData(ToolCallFormat.Llama3Json, null, "{\"name\": \"")]
    public void Forced_openings(ToolCallFormat format, string? name, string expected) =>
        Assert.Equal(expected, format.ForcedOpening(name));

    [Theory]
    [InlineData("get_weather", true)]
    [InlineData("a-b_9", true)]
    [InlineData("", false)]
    [InlineData("has space", false)]
    [InlineData("<｜tool▁sep｜>", false)]
    public void Function_names_follow_the_openai_rule(string name, bool valid) =>
        Assert.Equal(valid, ToolCallFormats.IsValidFunctionName(name));

    private static void Is(string content, ParsedToolCall[] calls, (string Content, IReadOnlyList<ParsedToolCall> Calls) result)
    {
        Assert.Equal(content, result.Content);
        Assert.Equal(calls, result.Calls);
    }
}
