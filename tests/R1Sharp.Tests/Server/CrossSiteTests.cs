// Cross-site and DNS-rebinding protection without an API key (Jupyter / Django ALLOWED_HOSTS style): a Host header
// that is not the bound address, a loopback name, an IP literal or an --allowed-hosts entry gets 403; POST bodies must
// be application/json (a cross-site text/plain or form POST needs no CORS preflight), else 415. Both OpenAI-shaped.
using System.Net;
using System.Text;
using System.Text.Json;

namespace R1Sharp.Tests.Server;

public sealed class CrossSiteTests
{
    static async Task<HttpStatusCode> Get(ServerTestHost host, string path, string hostHeader)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = hostHeader;
        using var response = await host.Http.SendAsync(request);
        if (response.StatusCode == HttpStatusCode.Forbidden)
        {
            var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
            Assert.Equal("host_not_allowed", error.GetProperty("code").GetString());
            Assert.Contains("--allowed-hosts", error.GetProperty("message").GetString());
        }
        return response.StatusCode;
    }

    [Fact]
    public async Task A_foreign_host_header_gets_403_on_every_route_and_loopback_names_pass()
    {
        await using var host = await ServerTestHost.StartAsync();
        int port = host.Server.Address.Port;
        foreach (string path in new[] { "/", "/health", "/v1/models", "/metrics" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, await Get(host, path, "evil.example"));
            Assert.Equal(HttpStatusCode.Forbidden, await Get(host, path, $"evil.example:{port}"));
            Assert.Equal(HttpStatusCode.OK, await Get(host, path, $"localhost:{port}"));
            Assert.Equal(HttpStatusCode.OK, await Get(host, path, $"127.0.0.1:{port}"));
            Assert.Equal(HttpStatusCode.OK, await Get(host, path, $"[::1]:{port}"));
        }
        using var post = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(ServerTestHost.Chat("hi", 2), Encoding.UTF8, "application/json") };
        post.Headers.Host = "evil.example";
        Assert.Equal(HttpStatusCode.Forbidden, (await host.Http.SendAsync(post)).StatusCode);
        Assert.Equal(0, host.Server.Scheduler.GeneratedTokens);
    }

    [Theory]
    [InlineData("evil.example")]
    [InlineData("*")]
    public async Task Allowed_hosts_admit_a_name_or_everything(string allowed)
    {
        await using var host = await ServerTestHost.StartAsync(configure: o => o with { AllowedHosts = [allowed] });
        Assert.Equal(HttpStatusCode.OK, await Get(host, "/v1/models", "evil.example"));
        Assert.Equal(allowed == "*" ? HttpStatusCode.OK : HttpStatusCode.Forbidden, await Get(host, "/v1/models", "other.example"));
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData(null)]
    public async Task A_post_that_is_not_application_json_gets_415_and_runs_nothing(string? contentType)
    {
        await using var host = await ServerTestHost.StartAsync();
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(ServerTestHost.Chat("hi", 2)));
        if (contentType is not null) content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var response = await host.Http.PostAsync("/v1/chat/completions", content);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.UnsupportedMediaType, $"{response.StatusCode}: {body}");
        Assert.Equal("unsupported_media_type", JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(0, host.Server.Scheduler.GeneratedTokens);
        // application/json with a charset parameter is fine.
        var json = new StringContent(ServerTestHost.Chat("hi", 2), Encoding.UTF8, "application/json");
        Assert.Equal("application/json; charset=utf-8", json.Headers.ContentType!.ToString());
        Assert.Equal(HttpStatusCode.OK, (await host.Http.PostAsync("/v1/chat/completions", json)).StatusCode);
    }
}
