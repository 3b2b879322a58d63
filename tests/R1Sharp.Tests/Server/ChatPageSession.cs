// One chat page in a real browser (ChatPageTests.LaunchAsync's chromium) over a test server, for the page feature
// tests: opens the page, sends prompts, waits for answers and saves screenshots next to the test assembly
// (bin/.../chat-page-screenshots/<name>.png), where they outlive the run's temp directory.
using Microsoft.Playwright;

namespace R1Sharp.Tests.Server;

internal sealed class ChatPageSession : IAsyncDisposable
{
    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private ChatPageSession(IPlaywright playwright, IBrowser browser, IBrowserContext context, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        Context = context;
        Page = page;
    }

    public IBrowserContext Context { get; }
    public IPage Page { get; }

    public static string ScreenshotDir => Path.Combine(AppContext.BaseDirectory, "chat-page-screenshots");

    public static async Task<ChatPageSession> OpenAsync(ServerTestHost host)
    {
        var (playwright, browser) = await ChatPageTests.LaunchAsync();
        var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var session = new ChatPageSession(playwright, browser, context, page);
        await session.GotoAsync(host);
        return session;
    }

    public async Task GotoAsync(ServerTestHost host)
    {
        await Page.GotoAsync(host.Server.Address.ToString());
        await Assertions.Expect(Page.Locator("#model-name")).ToHaveTextAsync(ServerTestHost.ModelId);
    }

    public ILocator Answer(int index) => Page.Locator(".message.assistant").Nth(index);

    /// <summary>Sends <paramref name="prompt"/> and waits until answer number <paramref name="index"/> is done.</summary>
    public async Task<ILocator> AskAsync(string prompt, int index)
    {
        await Page.FillAsync("#prompt", prompt);
        await Page.ClickAsync("#send");
        var answer = Answer(index);
        await Assertions.Expect(answer).ToHaveAttributeAsync("data-state", "done", new() { Timeout = 30_000 });
        return answer;
    }

    public async Task<string> ScreenshotAsync(string name)
    {
        Directory.CreateDirectory(ScreenshotDir);
        string path = Path.Combine(ScreenshotDir, name + ".png");
        await Page.ScreenshotAsync(new() { Path = path, FullPage = true });
        Assert.True(new FileInfo(path).Length > 1000, $"{path} is (nearly) empty");
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await Context.DisposeAsync();
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
