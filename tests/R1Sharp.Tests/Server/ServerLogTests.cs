// The request log: one line per request, and request-derived text (the model field, the path, error messages quoting
// them) cannot forge lines or send terminal escapes: control characters are escaped.
using System.Text.Json;
using System.Text.RegularExpressions;

namespace R1Sharp.Tests.Server;

public sealed class ServerLogTests
{
    const string Forged = "2031-01-01T00:00:00.000Z 10.0.0.1 POST /v1/chat/completions 200 1 ms prompt=1";

    [Fact]
    public async Task Control_characters_from_the_request_are_escaped_in_the_log()
    {
        await using var host = await ServerTestHost.StartAsync();
        string model = $"evil\n{Forged}\r\u001b[31mred\u0007\u0085";
        using (var response = await host.PostAsync($$"""{"model":{{JsonSerializer.Serialize(model)}},"messages":[{"role":"user","content":"hi"}]}""")) { }
        using (var response = await host.Http.GetAsync("/v1/nothing%0A" + Uri.EscapeDataString(Forged))) { }

        string log = host.LogText;
        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 2, log);
        Assert.All(lines, l => Assert.Matches(new Regex(@"^\d{4}-\d\d-\d\dT\S+Z 127\.0\.0\.1 "), l));
        Assert.DoesNotContain(log, c => char.IsControl(c) && c != '\n');
        Assert.Contains(@"evil\n2031", lines[0]);
        Assert.Contains(@"\u001b[31mred\u0007\u0085", lines[0]);
        Assert.Contains("/v1/nothing%0A2031", lines[1]); // paths are logged percent-encoded
    }
}
