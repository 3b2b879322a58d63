// Problem datasets: GSM8K / MATH-500 / AIME conventions, auto-detection, custom columns, JSONL quirks, Parquet parity.
// Fixtures: tests/fixtures/datasets, written by tools/datasets/make_fixtures.mjs.
using R1Sharp.Data;

namespace R1Sharp.Tests.Data;

public class ProblemLoadingTests
{
    internal static string F(string name) => RepoPaths.Fixture("datasets", name);

    [Fact]
    public void Gsm8k_gold_is_the_text_after_hashes_and_solution_keeps_the_whole_answer()
    {
        var ds = DatasetLoader.LoadProblems(F("gsm8k.jsonl"), ProblemColumns.Gsm8k);
        Assert.Equal(["72", "10", "3"], ds.Select(p => p.Answer));
        Assert.StartsWith("Natalia sold 48/2", ds[0].Solution);
        Assert.EndsWith("#### 72", ds[0].Solution);
        Assert.StartsWith("Natalia sold clips", ds[0].Question);
        Assert.Equal(("gsm8k-0", "gsm8k"), (ds[0].Id, ds[0].Source));
        Assert.Equal(new LoadReport(F("gsm8k.jsonl"), 3, 0, []).ToString(), ds.Report.ToString());
    }

    [Fact]
    public void Math500_reads_problem_answer_solution_and_unique_id()
    {
        var ds = DatasetLoader.LoadProblems(F("math500.jsonl"), ProblemColumns.Math500);
        Assert.Equal(2, ds.Count);
        Assert.Equal("\\left( 3, \\frac{\\pi}{2} \\right)", ds[0].Answer);
        Assert.Equal("test/algebra/2592.json", ds[1].Id);
        Assert.Equal("26000", ds[1].Answer);
        Assert.Contains("\\boxed{26000}", ds[1].Solution);
    }

    [Fact]
    public void Aime_integer_answers_become_strings_and_ids_come_from_the_id_column()
    {
        var ds = DatasetLoader.LoadProblems(F("aime.jsonl"), ProblemColumns.Aime);
        Assert.Equal(["117", "25"], ds.Select(p => p.Answer));
        Assert.Equal(["60", "61"], ds.Select(p => p.Id));
        Assert.Equal("Counting gives 117.", ds[0].Solution);
    }

    [Fact]
    public void Aime_capitalised_columns_are_read()
    {
        var ds = DatasetLoader.LoadProblems(F("aime_caps.jsonl"), ProblemColumns.AimeCapitalised);
        Assert.Equal(["117", "25"], ds.Select(p => p.Answer));
        Assert.Equal("2024-I-1", ds[0].Id);
        Assert.StartsWith("Find the number", ds[0].Question);
    }

    [Theory]
    [InlineData("gsm8k.jsonl", "gsm8k")]
    [InlineData("math500.jsonl", "math500")]
    [InlineData("aime.jsonl", "aime")]
    [InlineData("aime_caps.jsonl", "aime")]
    public void Convention_is_detected_from_the_columns_and_matches_the_explicit_one(string file, string convention)
    {
        var explicitColumns = convention switch
        {
            "gsm8k" => ProblemColumns.Gsm8k,
            "math500" => ProblemColumns.Math500,
            _ => file.Contains("caps") ? ProblemColumns.AimeCapitalised : ProblemColumns.Aime,
        };
        Assert.Equal(DatasetLoader.LoadProblems(F(file), explicitColumns), DatasetLoader.LoadProblems(F(file)));
    }

    [Fact]
    public void Detect_prefers_math500_only_with_its_metadata_columns()
    {
        Assert.Same(ProblemColumns.Math500, ProblemColumns.Detect(["problem", "answer", "solution", "unique_id"]));
        Assert.Same(ProblemColumns.Aime, ProblemColumns.Detect(["id", "problem", "answer", "solution", "url"]));
        Assert.Same(ProblemColumns.AimeCapitalised, ProblemColumns.Detect(["ID", "Problem", "Answer"]));
        Assert.Same(ProblemColumns.Gsm8k, ProblemColumns.Detect(["question", "answer"]));
        Assert.Null(ProblemColumns.Detect(["text", "label"]));
    }

    [Fact]
    public void Undetectable_columns_name_the_columns_found()
    {
        var e = Assert.Throws<R1SharpException>(() => DatasetLoader.LoadProblems(F("unknown_columns.jsonl")));
        Assert.StartsWith(F("unknown_columns.jsonl") + ": cannot tell the problem columns from [text, label]; expected question/answer", e.Message);
    }

    [Fact]
    public void Custom_columns_and_source_name_are_used()
    {
        var ds = DatasetLoader.LoadProblems(F("custom_columns.jsonl"), new ProblemColumns("mine", "prompt_text", "gold", Id: "uid"),
            new DatasetLoadOptions(Source: "arith"));
        Assert.Equal([new Problem("q1", "What is 2+3?", "5", null, "arith"), new Problem("q2", "What is 7*6?", "42", null, "arith")], ds);
    }

    [Fact]
    public void Bom_crlf_blank_lines_and_missing_final_newline_read_like_the_plain_file()
    {
        var plain = DatasetLoader.LoadProblems(F("gsm8k.jsonl"), options: new DatasetLoadOptions(Source: "s"));
        var quirky = DatasetLoader.LoadProblems(F("gsm8k_bom_crlf.jsonl"), options: new DatasetLoadOptions(Source: "s"));
        Assert.Equal(plain.Select(p => p with { Id = "" }), quirky.Select(p => p with { Id = "" }));
        Assert.Equal("gsm8k_bom_crlf-2", quirky[2].Id); // ordinals count data rows, not blank lines
        Assert.DoesNotContain(quirky, p => p.Solution!.Contains('\r'));
    }

    [Fact]
    public void Empty_file_gives_an_empty_dataset()
    {
        var ds = DatasetLoader.LoadProblems(F("empty.jsonl"));
        Assert.Empty(ds);
        Assert.Equal(0, ds.Report.RowsRead);
    }

    [Theory]
    [InlineData("gsm8k")]
    [InlineData("aime")]
    [InlineData("aime_caps")]
    [InlineData("math500")]
    public void Parquet_flat_file_matches_its_jsonl_twin(string stem)
    {
        var opts = new DatasetLoadOptions(Source: "s");
        var fromJsonl = DatasetLoader.LoadProblems(F(stem + ".jsonl"), options: opts);
        var fromParquet = DatasetLoader.LoadProblems(F(stem + ".parquet"), options: opts);
        Assert.Equal(fromJsonl.Select(p => p with { Id = p.Id.Replace(".jsonl", "") }), fromParquet);
    }

    [Fact]
    public void Parquet_rows_stream_across_row_groups_in_order()
    {
        var ds = DatasetLoader.LoadProblems(F("gsm8k_rowgroups.parquet"));
        Assert.Equal(["72", "10", "3", "72", "10"], ds.Select(p => p.Answer));
        Assert.Equal("gsm8k_rowgroups-4", ds[4].Id);
    }
}
