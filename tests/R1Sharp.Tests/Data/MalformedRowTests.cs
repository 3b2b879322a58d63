// Malformed rows: exact one-line messages naming file, line (JSONL, 1-based) or row group + row (Parquet) and field;
// skip-and-count; missing files and unsupported extensions.
using R1Sharp.Data;

namespace R1Sharp.Tests.Data;

public class MalformedRowTests
{
    private static string F(string name) => ProblemLoadingTests.F(name);

    [Theory]
    [InlineData("bad_missing_answer.jsonl", "line 4: field 'answer' missing")]
    [InlineData("bad_null_question.jsonl", "line 1: field 'question' is null")]
    [InlineData("bad_question_number.jsonl", "line 2: field 'question': expected a string, got number")]
    [InlineData("bad_answer_bool.jsonl", "line 1: field 'answer': expected a string or number, got boolean")]
    [InlineData("bad_no_marker.jsonl", "line 1: field 'answer': no '#### ' marker before the final answer")]
    [InlineData("bad_not_object.jsonl", "line 2: expected a JSON object, got array")]
    [InlineData("bad_truncated_last.jsonl", "line 2: invalid JSON (truncated last line?)")]
    public void Bad_problem_row_names_file_line_and_field(string file, string expected)
    {
        var e = Assert.Throws<R1SharpException>(() => DatasetLoader.LoadProblems(F(file)));
        Assert.Equal($"{F(file)} {expected}", e.Message);
    }

    [Theory]
    [InlineData("bad_role.jsonl", "line 2: field 'messages'[2].role: expected one of system, user, assistant, tool, got 'bot'")]
    [InlineData("bad_role.parquet", "row group 0 row 1: field 'messages'[2].role: expected one of system, user, assistant, tool, got 'bot'")]
    [InlineData("bad_messages_type.jsonl", "line 1: field 'messages': expected a list of messages, got string")]
    [InlineData("bad_content_missing.jsonl", "line 1: field 'messages'[0].content missing")]
    [InlineData("bad_messages_empty.jsonl", "line 1: field 'messages': empty list")]
    public void Bad_conversation_row_names_the_message_field(string file, string expected)
    {
        var e = Assert.Throws<R1SharpException>(() => DatasetLoader.LoadConversations(F(file)));
        Assert.Equal($"{F(file)} {expected}", e.Message);
    }

    [Fact]
    public void Bad_completion_type_is_reported()
    {
        var e = Assert.Throws<R1SharpException>(() => DatasetLoader.LoadPromptCompletions(F("bad_completion_number.jsonl")));
        Assert.Equal($"{F("bad_completion_number.jsonl")} line 1: field 'completion': expected a string or a list of messages, got number", e.Message);
    }

    [Fact]
    public void Parquet_null_answer_names_row_group_and_row()
    {
        var e = Assert.Throws<R1SharpException>(() => DatasetLoader.LoadProblems(F("bad_null_answer.parquet")));
        Assert.Equal($"{F("bad_null_answer.parquet")} row group 1 row 0: field 'answer' is null", e.Message);
    }

    [Fact]
    public void Skip_bad_rows_counts_them_and_keeps_the_first_reasons()
    {
        var ds = DatasetLoader.LoadProblems(F("mixed_bad.jsonl"), options: new DatasetLoadOptions(SkipBadRows: true, MaxReasons: 2));
        Assert.Equal(["72", "10", "3"], ds.Select(p => p.Answer));
        Assert.Equal(3, ds.Report.RowsRead);
        Assert.Equal(3, ds.Report.RowsSkipped);
        Assert.Equal([$"{F("mixed_bad.jsonl")} line 2: field 'answer' missing", $"{F("mixed_bad.jsonl")} line 4: invalid JSON at byte 13"],
            ds.Report.SkipReasons);
        Assert.Equal($"{F("mixed_bad.jsonl")}: 3 rows, 3 skipped (first: {F("mixed_bad.jsonl")} line 2: field 'answer' missing)", ds.Report.ToString());
    }

    [Fact]
    public void Without_skip_the_first_bad_row_throws()
    {
        var e = Assert.Throws<R1SharpException>(() => DatasetLoader.LoadProblems(F("mixed_bad.jsonl")));
        Assert.Equal($"{F("mixed_bad.jsonl")} line 2: field 'answer' missing", e.Message);
    }

    [Fact]
    public void Streaming_with_a_tally_yields_good_rows_lazily()
    {
        var tally = new LoadTally("x");
        var first = DatasetLoader.StreamProblems(F("mixed_bad.jsonl"), options: new DatasetLoadOptions(SkipBadRows: true), tally: tally).First();
        Assert.Equal("72", first.Answer);
        Assert.Equal((1, 0), (tally.RowsRead, tally.RowsSkipped)); // stopped after line 1: nothing more was read
    }

    [Fact]
    public void Missing_file_and_unsupported_extension_are_one_line_errors()
    {
        var missing = Assert.Throws<R1SharpException>(() => DatasetLoader.LoadProblems("data/nope.jsonl"));
        Assert.Equal("data/nope.jsonl: file not found", missing.Message);
        var csv = Assert.Throws<R1SharpException>(() => DatasetLoader.LoadConversations("data/train.csv"));
        Assert.Equal("data/train.csv: unsupported dataset extension '.csv'; use .jsonl (JSON Lines) or .parquet", csv.Message);
    }

    [Fact]
    public void Not_a_parquet_file_is_a_one_line_error()
    {
        string path = Path.Combine(Path.GetTempPath(), $"r1-not-parquet-{Guid.NewGuid():N}.parquet");
        File.WriteAllText(path, "{\"question\": \"q\"}\n");
        try
        {
            var e = Assert.Throws<R1SharpException>(() => DatasetLoader.LoadProblems(path));
            Assert.StartsWith($"{path}: not a readable Parquet file (", e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Nested_parquet_in_data_page_v2_says_what_to_do()
    {
        var e = Assert.Throws<R1SharpException>(() => DatasetLoader.LoadConversations(F("conversations_pagev2.parquet")));
        Assert.StartsWith($"{F("conversations_pagev2.parquet")} row group 0: cannot read Parquet (", e.Message);
        Assert.EndsWith("rewrite the file with data page v1 (pyarrow's default)", e.Message);
    }
}
