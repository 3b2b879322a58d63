// What `r1 run` and `r1 chat` print of model text: control characters escaped, so a model cannot move the cursor,
// rewrite the line or start a terminal escape sequence; newlines, tabs and all printable text unchanged.
using R1Sharp.Cli.Commands;

namespace R1Sharp.Tests.Cli.Commands;

public class AnswerPrinterTests
{
    [Theory]
    [InlineData("plain text, 中文, émoji 🙂", "plain text, 中文, émoji 🙂")]
    [InlineData("line 1\n\tline 2", "line 1\n\tline 2")]
    [InlineData("\u001b[2J\u001b[Hgotcha", "\\x1B[2J\\x1B[Hgotcha")]
    [InlineData("done\rfake", "done\\x0Dfake")]
    [InlineData("bell\u0007 nul\0 del\u007f c1\u009b", "bell\\x07 nul\\x00 del\\x7F c1\\x9B")]
    public void Control_characters_are_shown_escaped(string model, string shown) =>
        Assert.Equal(shown, AnswerPrinter.Visible(model));
}
