// The web chat page in a real browser (Playwright .NET driving Debian's /usr/bin/chromium, installed by .ci/run; no
// browser download): send a prompt, see thinking (with its token count) and the answer stream in, stop a generation.
using Microsoft.Playwright;

namespace R1Sharp.Tests.Server;

public sealed class ChatPageTests
{
    const string Chromium = "/usr/bin/chromium";

    internal static async Task<(IPlaywright, IBrowser)> LaunchAsync()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: apt-get install -y chromium (.ci/run does this)");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
        });
        return (playwright, browser);
    }

    [Fact]
    public async Task Page_streams_thinking_and_answer_then_stops_a_generation_and_starts_a_new_chat()
    {
        // Constant-"x" model, slowed to 40 ms a step so the stop button has something to stop.
        await using var host = await ServerTestHost.StartAsync(configure: o => o with { StepDelay = TimeSpan.FromMilliseconds(40) });
        var (playwright, browser) = await LaunchAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync();
        await page.GotoAsync(host.Server.Address.ToString());
        await Assertions.Expect(page.Locator("#model-name")).ToHaveTextAsync(ServerTestHost.ModelId);

        await page.Locator("#settings").EvaluateAsync("d => d.open = true");
        await page.FillAsync("#thinking-budget", "3");
        await page.FillAsync("#max-tokens", "12");
        await page.FillAsync("#prompt", "hello");
        await page.ClickAsync("#send");
        var first = page.Locator(".message.assistant").Nth(0);
        await Assertions.Expect(first).ToHaveAttributeAsync("data-state", "done", new() { Timeout = 30_000 });
        Assert.Equal("xxx", (await first.Locator(".reasoning").TextContentAsync())!.Trim());
        await Assertions.Expect(first.Locator(".thinking-count")).ToHaveTextAsync("3");
        Assert.StartsWith("xx", await first.Locator(".content").TextContentAsync());

        // A long answer: stop it once text is streaming; the server drops the sequence.
        await page.FillAsync("#max-tokens", "200");
        await page.FillAsync("#prompt", "go on");
        await page.ClickAsync("#send");
        var second = page.Locator(".message.assistant").Nth(1);
        await Assertions.Expect(second.Locator(".content")).ToContainTextAsync("xx", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#stop")).ToBeVisibleAsync();
        await page.ClickAsync("#stop");
        await Assertions.Expect(second).ToHaveAttributeAsync("data-state", "stopped");
        await Assertions.Expect(page.Locator("#stop")).ToBeHiddenAsync();
        Assert.True(SpinWait.SpinUntil(() => host.Server.Scheduler.RunningSequences == 0, 5000), "the stopped sequence still runs");
        Assert.True((await second.Locator(".content").TextContentAsync())!.Length < 150);

        await page.ClickAsync("#new-chat");
        await Assertions.Expect(page.Locator(".message")).ToHaveCountAsync(0);
    }
}
