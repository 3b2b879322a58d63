// How `r1 serve` binds: a --host it cannot bind (not an address, a name that does not resolve) is refused with a
// one-line exit-2 error instead of silently listening on every interface; binding beyond loopback without an API key
// prints a warning on stderr; a port in use is one line naming the port, exit 2.
namespace R1Sharp.Tests.Cli.Commands;

public sealed class ServeBindingTests
{
    static readonly string Model = Path.Combine(RepoPaths.Root, "models", "tiny-qwen2");

    [Theory]
    [InlineData("999.1.1.1")]
    [InlineData("1.2.3")]
    [InlineData("no-such-host.invalid")]
    [InlineData("local host")]
    public void An_unbindable_host_is_refused_with_one_line_and_exit_2(string host)
    {
        var result = R1Process.RunFor(TimeSpan.FromSeconds(90), "serve", "--model", Model, "--host", host, "--port", "0");
        Assert.Equal(2, result.ExitCode);
        string error = result.Stderr.Trim();
        Assert.DoesNotContain('\n', error);
        Assert.StartsWith("error: --host", error);
        Assert.Contains(host, error);
        Assert.DoesNotContain("serving", result.Stdout);
    }

    [Fact]
    public void Localhost_binds_loopback_without_a_warning()
    {
        using var serve = R1ServeProcess.Start("--host", "localhost");
        Assert.Equal("127.0.0.1", serve.Address.Host);
        Assert.DoesNotContain("warning", serve.Stderr);
    }

    [Fact]
    public void All_interfaces_without_a_key_warn_on_stderr_and_with_a_key_do_not()
    {
        using (var open = R1ServeProcess.Start("--host", "0.0.0.0"))
        {
            Assert.Equal("0.0.0.0", open.Address.Host);
            for (int i = 0; i < 100 && !open.Stderr.Contains("warning"); i++) Thread.Sleep(20);
            Assert.Contains("warning: ", open.Stderr);
            Assert.Contains("no API key", open.Stderr);
        }
        using var keyed = R1ServeProcess.Start("--host", "0.0.0.0", "--api-key", "k");
        Thread.Sleep(200);
        Assert.DoesNotContain("warning", keyed.Stderr);
    }

    [Fact]
    public void A_port_in_use_is_one_line_naming_the_port_and_exit_2()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        string port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var result = R1Process.RunFor(TimeSpan.FromSeconds(90), "serve", "--model", Model, "--port", port);
        Assert.Equal(2, result.ExitCode);
        string error = result.Stderr.Trim();
        Assert.DoesNotContain('\n', error);
        Assert.StartsWith("error: ", error);
        Assert.Contains($"port {port}", error);
        Assert.DoesNotContain("Exception", error);
    }
}
