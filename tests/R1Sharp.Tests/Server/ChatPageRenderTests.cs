// The chat page's pure text functions (wwwroot/render.js: R1Render) on hand-computed cases, run in the page itself
// (real chromium, KaTeX loaded): final-answer extraction, HTML escaping, the Markdown subset and tokens/s.
using Microsoft.Playwright;

namespace R1Sharp.Tests.Server;

public sealed class ChatPageRenderTests
{
    static Task<T> Eval<T>(IPage page, string js) => page.EvaluateAsync<T>(js);

    [Fact]
    public async Task Render_functions_give_hand_computed_results()
    {
        await using var host = await ServerTestHost.StartAsync();
        await using var s = await ChatPageSession.OpenAsync(host);
        var p = s.Page;

        // Final answer: the last <answer> (trimmed) wins over any \boxed; else the last \boxed with balanced braces.
        Assert.Equal("7", await Eval<string>(p, @"R1Render.finalAnswer('<answer>1</answer> \\boxed{2} <answer> 7 </answer>')"));
        Assert.Equal(@"\frac{1}{2}", await Eval<string>(p, @"R1Render.finalAnswer('a \\boxed{3} b \\boxed{\\frac{1}{2}}')"));
        Assert.Null(await Eval<string?>(p, @"R1Render.finalAnswer('\\boxed{unclosed')"));
        Assert.Null(await Eval<string?>(p, "R1Render.finalAnswer('no answer here')"));
        Assert.Null(await Eval<string?>(p, "R1Render.finalAnswerHtml('<answer>open only')"));
        Assert.Equal("&lt;b&gt;x&lt;/b&gt;", await Eval<string>(p, "R1Render.finalAnswerHtml('<answer><b>x</b></answer>')"));

        // Escaping and the Markdown subset.
        Assert.Equal("&lt;a href=&quot;x&quot;&gt;&amp;&#39;", await Eval<string>(p, "R1Render.escapeHtml('<a href=\"x\">&\\'')"));
        Assert.Equal("<p><strong>b</strong> <em>i</em> <code>&lt;t&gt;</code></p>", await Eval<string>(p, "R1Render.markdown('**b** *i* `<t>`')"));
        Assert.Equal("<h3>T</h3><ol><li>a</li><li>b</li></ol><p>x<br>y</p>", await Eval<string>(p, "R1Render.markdown('### T\\n1. a\\n2. b\\n\\nx\\ny')"));
        Assert.Equal("<p>a</p><pre><code>**x** &lt;y&gt;</code></pre>", await Eval<string>(p, "R1Render.markdown('a\\n```js\\n**x** <y>\\n```')"));
        Assert.Equal("<p>It is 42</p>", await Eval<string>(p, "R1Render.answerHtml('It is <answer>42</answer>')"));
        // $5 and $6: no math (a closing $ must follow a non-space), and a stray NUL cannot forge a placeholder.
        Assert.Equal("<p>$5 and $6</p>", await Eval<string>(p, "R1Render.markdown('$5 and $6')"));
        Assert.Equal("<p>0 x</p>", await Eval<string>(p, "R1Render.markdown('\\u00000\\u0000 x')"));

        // tokens/s: the server's timings first, else tokens over seconds, one decimal; null without data.
        Assert.Equal("12.3", await Eval<string>(p, "R1Render.tokensPerSecond({ predicted_per_second: 12.345 }, 5, 1)"));
        Assert.Equal("2.5", await Eval<string>(p, "R1Render.tokensPerSecond(null, 10, 4)"));
        Assert.Null(await Eval<string?>(p, "R1Render.tokensPerSecond(undefined, 0, 4)"));
    }
}
