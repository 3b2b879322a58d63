// The chat page's per-answer features in a real browser, one test each, each saving a screenshot: finish reason and
// tokens/s, copy, regenerate, history in localStorage (restored on reload, cleared by "New chat"), the final answer
// (<answer>…</answer> or \boxed{…}) and escaped Markdown with KaTeX math. A scripted tiny model (ScriptedSampler) writes chosen text.
using Microsoft.Playwright;
using R1Sharp.Tests.Generation;

namespace R1Sharp.Tests.Server;

public sealed class ChatPageFeatureTests
{
    const string Markdown = "## Plan\n**Bold** and *soft* with `a<b`\n\n- one\n- two\n\n```\n<script>window.pwned = 1</script>\n```\n" +
        "<img src=x onerror=\"window.pwned = 1\">";

    const string MathText = "The area is $\\pi r^2$ and\n\n$$\\frac{a}{b}$$\n\nso `$not math$` gives \\(\\boxed{\\sqrt{2}}\\).";

    // What the scripted model says, chosen from the last user prompt; "COUNT" answers with how many times it was asked.
    static Func<string, string> Script()
    {
        int asked = 0;
        return prompt =>
        {
            string user = prompt[(prompt.LastIndexOf("<｜User｜>", StringComparison.Ordinal) + "<｜User｜>".Length)..];
            string answer = user.Contains("TAGS", StringComparison.Ordinal) ? "It is <answer> 42 </answer>"
                : user.Contains("BOXED", StringComparison.Ordinal) ? "So \\boxed{\\frac{1}{2}} first, then \\boxed{x^{2}}."
                : user.Contains("MARKDOWN", StringComparison.Ordinal) ? Markdown
                : user.Contains("MATH", StringComparison.Ordinal) ? MathText
                : user.Contains("COUNT", StringComparison.Ordinal) ? "answer " + Interlocked.Increment(ref asked)
                : "plain answer";
            return "thinking it over\n</think>\n\n" + answer;
        };
    }

    static Task<ServerTestHost> ScriptedHostAsync() =>
        ServerTestHost.StartAsync(GeneratorTestKit.RandomModel(1, context: 1024), setup: g => ScriptedSampler.Install(g, Script()));

    [Fact]
    public async Task Each_answer_shows_its_finish_reason_token_count_and_tokens_per_second()
    {
        await using var host = await ScriptedHostAsync();
        await using var s = await ChatPageSession.OpenAsync(host);
        var done = await s.AskAsync("say something", 0);
        await Assertions.Expect(done.Locator(".finish-reason")).ToHaveTextAsync("finish: stop");
        await Assertions.Expect(done.Locator(".token-count")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+ tokens$"));
        await Assertions.Expect(done.Locator(".tokens-per-second")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d+\.\d tokens/s$"));

        await s.Page.Locator("#settings").EvaluateAsync("d => d.open = true");
        await s.Page.FillAsync("#max-tokens", "3");
        var cut = await s.AskAsync("say more", 1);
        await Assertions.Expect(cut.Locator(".finish-reason")).ToHaveTextAsync("finish: length");
        await Assertions.Expect(cut.Locator(".token-count")).ToHaveTextAsync("3 tokens");
        await s.ScreenshotAsync("finish-reason-and-speed");
    }

    [Fact]
    public async Task Copy_puts_the_answer_on_the_clipboard()
    {
        await using var host = await ScriptedHostAsync();
        await using var s = await ChatPageSession.OpenAsync(host);
        await s.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        var answer = await s.AskAsync("TAGS please", 0);
        await answer.Locator(".copy").ClickAsync();
        await Assertions.Expect(answer.Locator(".copy")).ToHaveTextAsync("Copied");
        await s.ScreenshotAsync("copy");
        Assert.Equal("It is <answer> 42 </answer>", await s.Page.EvaluateAsync<string>("navigator.clipboard.readText()"));
    }

    [Fact]
    public async Task Regenerate_replaces_the_last_answer_with_a_new_one()
    {
        await using var host = await ScriptedHostAsync();
        await using var s = await ChatPageSession.OpenAsync(host);
        var first = await s.AskAsync("COUNT", 0);
        await Assertions.Expect(first.Locator(".content")).ToHaveTextAsync("answer 1");
        await first.Locator(".regenerate").ClickAsync();
        await Assertions.Expect(s.Page.Locator(".message.assistant .content")).ToHaveTextAsync(["answer 2"], new() { Timeout = 30_000 });
        await Assertions.Expect(s.Answer(0)).ToHaveAttributeAsync("data-state", "done");
        await Assertions.Expect(s.Page.Locator(".message.user")).ToHaveCountAsync(1);

        // Only the last answer can be regenerated.
        await s.AskAsync("COUNT again", 1);
        await Assertions.Expect(s.Answer(0).Locator(".regenerate")).ToBeHiddenAsync();
        await Assertions.Expect(s.Answer(1).Locator(".regenerate")).ToBeVisibleAsync();
        await Assertions.Expect(s.Answer(1).Locator(".content")).ToHaveTextAsync("answer 3");
        await s.ScreenshotAsync("regenerate");
    }

    [Fact]
    public async Task History_survives_a_reload_and_new_chat_clears_it()
    {
        await using var host = await ScriptedHostAsync();
        await using var s = await ChatPageSession.OpenAsync(host);
        await s.AskAsync("first question", 0);
        await s.AskAsync("TAGS second", 1);

        await s.GotoAsync(host);
        await Assertions.Expect(s.Page.Locator(".message.user")).ToHaveTextAsync(["first question", "TAGS second"]);
        await Assertions.Expect(s.Page.Locator(".message.assistant .content")).ToHaveTextAsync(["plain answer", "It is 42"]);
        await Assertions.Expect(s.Answer(1).Locator(".final-text")).ToHaveTextAsync("42");
        await Assertions.Expect(s.Answer(1).Locator(".finish-reason")).ToHaveTextAsync("finish: stop");
        await Assertions.Expect(s.Answer(1).Locator(".reasoning")).ToHaveTextAsync("thinking it over");
        await s.ScreenshotAsync("history-restored");

        // The restored turns are the conversation: the next request carries them (the model sees both questions).
        await s.AskAsync("COUNT third", 2);
        await Assertions.Expect(s.Page.Locator(".message")).ToHaveCountAsync(6);

        await s.Page.ClickAsync("#new-chat");
        await Assertions.Expect(s.Page.Locator(".message")).ToHaveCountAsync(0);
        Assert.Null(await s.Page.EvaluateAsync<string?>("localStorage.getItem('r1sharp.chat.v1')"));
        await s.GotoAsync(host);
        await Assertions.Expect(s.Page.Locator(".message")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task The_final_answer_is_shown_marked_from_answer_tags_or_the_last_boxed()
    {
        await using var host = await ScriptedHostAsync();
        await using var s = await ChatPageSession.OpenAsync(host);
        var tags = await s.AskAsync("TAGS", 0);
        await Assertions.Expect(tags.Locator(".final-answer")).ToBeVisibleAsync();
        await Assertions.Expect(tags.Locator(".final-text")).ToHaveTextAsync("42");
        var boxed = await s.AskAsync("BOXED", 1);
        // A \boxed{} answer is typeset by KaTeX (its MathML keeps the TeX source).
        await Assertions.Expect(boxed.Locator(".final-text .katex")).ToHaveCountAsync(1);
        await Assertions.Expect(boxed.Locator(".final-text annotation")).ToHaveTextAsync("x^{2}");
        var plain = await s.AskAsync("nothing to mark", 2);
        await Assertions.Expect(plain.Locator(".final-answer")).ToBeHiddenAsync();
        await s.ScreenshotAsync("final-answer");
    }

    [Fact]
    public async Task Markdown_is_rendered_and_model_html_stays_text()
    {
        await using var host = await ScriptedHostAsync();
        await using var s = await ChatPageSession.OpenAsync(host);
        var answer = await s.AskAsync("MARKDOWN", 0);
        var content = answer.Locator(".content");
        await Assertions.Expect(content.Locator("h2")).ToHaveTextAsync("Plan");
        await Assertions.Expect(content.Locator("strong")).ToHaveTextAsync("Bold");
        await Assertions.Expect(content.Locator("em")).ToHaveTextAsync("soft");
        await Assertions.Expect(content.Locator("p code")).ToHaveTextAsync("a<b");
        await Assertions.Expect(content.Locator("li")).ToHaveTextAsync(["one", "two"]);
        await Assertions.Expect(content.Locator("pre code")).ToHaveTextAsync("<script>window.pwned = 1</script>");
        await Assertions.Expect(content.Locator("img, script")).ToHaveCountAsync(0);
        await Assertions.Expect(content).ToContainTextAsync("<img src=x onerror=\"window.pwned = 1\">");
        Assert.Null(await s.Page.EvaluateAsync<int?>("window.pwned"));
        await s.ScreenshotAsync("markdown");
    }

    [Fact]
    public async Task Math_is_typeset_by_the_vendored_katex_with_its_fonts()
    {
        await using var host = await ScriptedHostAsync();
        await using var s = await ChatPageSession.OpenAsync(host);
        var answer = await s.AskAsync("MATH", 0);
        var content = answer.Locator(".content");
        await Assertions.Expect(content.Locator(".katex")).ToHaveCountAsync(3);
        await Assertions.Expect(content.Locator(".katex-display")).ToHaveCountAsync(1);
        await Assertions.Expect(content.Locator("annotation")).ToHaveTextAsync(["\\pi r^2", "\\frac{a}{b}", "\\boxed{\\sqrt{2}}"]);
        await Assertions.Expect(content.Locator("code")).ToHaveTextAsync("$not math$");
        await Assertions.Expect(answer.Locator(".final-text annotation")).ToHaveTextAsync("\\sqrt{2}");
        bool fonts = await s.Page.EvaluateAsync<bool>(
            "document.fonts.ready.then(() => [...document.fonts].some(f => f.family.includes('KaTeX') && f.status === 'loaded'))");
        Assert.True(fonts, "no KaTeX font loaded from /katex/fonts");
        await s.ScreenshotAsync("math");
    }
}
