// Tests of final-answer extraction (boxes, answer tags, last number, GSM8K "####") and of whole-completion scoring.
using R1Sharp.Rewards;

namespace R1Sharp.Tests.Rewards;

public class MathAnswerExtractionTests
{
    [Theory]
    [InlineData(@"The answer is \boxed{42}.", "42")]
    [InlineData(@"\boxed{1} then \boxed{2}", "2")]
    [InlineData(@"so \boxed{1} or \boxed{\frac{1}{2}}", @"\frac{1}{2}")]
    [InlineData(@"\boxed{\frac{\sqrt{3}}{2}}", @"\frac{\sqrt{3}}{2}")]
    [InlineData(@"\fbox{7}", "7")]
    [InlineData(@"\boxed{a \{ b \} c}", @"a \{ b \} c")]
    [InlineData(@"\boxed{3} and finally \boxed{4", "3")]
    [InlineData(@"$\boxed 5$", "5")]
    [InlineData(@"\boxed {9}", "9")]
    [InlineData(@"\boxed{\boxed{8}}", "8")]
    public void LastBoxed_takes_the_last_balanced_box(string text, string expected)
    {
        Assert.Equal(expected, MathAnswer.LastBoxed(text));
    }

    [Theory]
    [InlineData("no box here")]
    [InlineData(@"\boxed{unclosed")]
    [InlineData(@"\boxedx")]
    public void LastBoxed_is_null_without_a_complete_box(string text)
    {
        Assert.Null(MathAnswer.LastBoxed(text));
    }

    [Theory]
    [InlineData("<think>x</think><answer> 12 </answer>", "12")]
    [InlineData(@"<answer>The value is \boxed{7}</answer>", "7")]
    [InlineData("<answer>1</answer> later <answer>2</answer>", "2")]
    [InlineData("<answer>\n3\n</answer>", "3")]
    public void LastAnswerTag_takes_the_last_closed_tag(string text, string expected)
    {
        Assert.Equal(expected, MathAnswer.LastAnswerTag(text));
    }

    [Theory]
    [InlineData("<answer>5")]
    [InlineData("5</answer>")]
    public void LastAnswerTag_needs_both_tags(string text)
    {
        Assert.Null(MathAnswer.LastAnswerTag(text));
    }

    [Theory]
    [InlineData("We get 3 apples and 4.5 pears", "4.5")]
    [InlineData("total 1,234 dollars", "1,234")]
    [InlineData("x = -7.", "-7")]
    [InlineData("pages 3-4", "4")]
    [InlineData("it is −5", "−5")]
    [InlineData("ratio 3/4 overall", "3/4")]
    [InlineData("value .25 exactly", ".25")]
    public void LastNumber_takes_the_last_number(string text, string expected)
    {
        Assert.Equal(expected, MathAnswer.LastNumber(text));
    }

    [Fact]
    public void LastNumber_is_null_without_digits()
    {
        Assert.Null(MathAnswer.LastNumber("no digits at all"));
    }

    [Fact]
    public void Extract_prefers_a_box_to_answer_tags_by_default()
    {
        Assert.Equal("6", MathAnswer.Extract(@"<answer>5</answer> \boxed{6}"));
    }

    [Fact]
    public void Extract_follows_a_custom_order()
    {
        Assert.Equal("5", MathAnswer.Extract(@"<answer>5</answer> \boxed{6}", [AnswerSource.AnswerTag, AnswerSource.Boxed]));
        Assert.Equal("6", MathAnswer.Extract(@"7 <answer>5</answer> \boxed{6} 8", [AnswerSource.Boxed]));
        Assert.Null(MathAnswer.Extract(@"\boxed{6} 8", [AnswerSource.AnswerTag]));
    }

    [Fact]
    public void Extract_falls_back_to_the_last_number()
    {
        Assert.Equal("18", MathAnswer.Extract("She has 3 + 15 = 18 apples"));
        Assert.Null(MathAnswer.Extract("I do not know"));
    }

    [Theory]
    [InlineData("Natalia sold 48/2 = <<48/2=24>>24 clips.\n#### 72", "72")]
    [InlineData("... #### 1,000", "1000")]
    [InlineData("#### -3", "-3")]
    public void FromGsm8kSolution_reads_after_the_marker(string solution, string expected)
    {
        Assert.Equal(expected, MathAnswer.FromGsm8kSolution(solution));
    }

    [Theory]
    [InlineData("no marker 5")]
    [InlineData("#### ")]
    public void FromGsm8kSolution_is_null_without_an_answer(string solution)
    {
        Assert.Null(MathAnswer.FromGsm8kSolution(solution));
    }

    [Theory]
    [InlineData("reasoning \\boxed{3}</think>\n\nThe answer is \\boxed{4}", "4", true)]
    [InlineData("reasoning \\boxed{3}</think>\n\nThe answer is \\boxed{4}", "3", false)]
    [InlineData("<think>2+2</think><answer>The answer is 42.</answer>", "42", true)]
    [InlineData("<think>2+2</think><answer>\\frac{1}{2}</answer>", "0.5", true)]
    [InlineData("still thinking about \\boxed{9}", "9", true)] // thinking never closed: search everything
    [InlineData("</think>I give up", "9", false)]
    [InlineData("\\boxed{1,000} dollars", "#### 1000", false)] // gold must be extracted with FromGsm8kSolution first
    public void Score_grades_the_final_answer(string completion, string gold, bool expected)
    {
        Assert.Equal(expected, MathAnswer.Score(completion, gold));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Score_is_null_when_the_gold_cannot_be_parsed(string? gold)
    {
        Assert.Null(MathAnswer.Score(@"\boxed{4}", gold));
    }

    [Fact]
    public void Score_without_last_number_fallback_needs_a_clean_answer()
    {
        var options = new AnswerOptions { LastNumberFallback = false };
        Assert.Equal(false, MathAnswer.Score("<answer>The answer is 42.</answer>", "42", options));
        Assert.Equal(true, MathAnswer.Score("<answer>42</answer>", "42", options));
    }

    [Fact]
    public void Score_can_search_inside_thinking()
    {
        var options = new AnswerOptions { SkipThinking = false, Order = [AnswerSource.Boxed] };
        Assert.Equal(true, MathAnswer.Score("\\boxed{3}</think>no box", "3", options));
        Assert.Equal(false, MathAnswer.Score("\\boxed{3}</think>no box", "3", options with { SkipThinking = true }));
    }

    [Theory]
    [InlineData("0.1", "1/10")]
    [InlineData("-2.50", "-5/2")]
    [InlineData("1E-3", "1/1000")]
    [InlineData("3.", "3")]
    public void Rational_parses_decimals_exactly(string text, string expected)
    {
        Assert.True(Rational.TryParseDecimal(text, out var r));
        Assert.Equal(expected, r.ToString());
    }

    [Fact]
    public void Rational_arithmetic_is_exact()
    {
        Assert.True(Rational.TryParseDecimal("0.1", out var a));
        Assert.True(Rational.TryParseDecimal("0.2", out var b));
        Assert.True(Rational.TryParseDecimal("0.3", out var c));
        Assert.Equal(c, a + b);
        Assert.Equal(Rational.Create(1, 2), Rational.Create(-2, -4));
        Assert.Equal(Rational.Zero, default);
        Assert.Equal(Rational.Create(1, 10), Rational.FromDouble(0.1));
        Assert.Equal(0.75, Rational.Create(3, 4).ToDouble());
        Assert.True(Rational.Create(1, 3) > Rational.Create(333, 1000));
        Assert.False(Rational.TryParseDecimal("1.2.3", out _));
        Assert.False(Rational.TryParseDecimal(".", out _));
    }
}
