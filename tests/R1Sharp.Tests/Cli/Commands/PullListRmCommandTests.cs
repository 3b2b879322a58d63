// `r1 pull`, `r1 list`, `r1 rm` and `--model ORG/NAME` end to end: the real r1 program as a child process with the
// HF_* variables pointing at the fake hub and a temporary cache.
using System.Diagnostics;
using System.Text;
using R1Sharp.Tests.Hub;

namespace R1Sharp.Tests.Cli.Commands;

public sealed class PullListRmCommandTests : IDisposable
{
    readonly HubTestKit _kit = new();
    public void Dispose() => _kit.Dispose();

    R1Result R1(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8, StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "r1.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["HF_ENDPOINT"] = _kit.Hub.Endpoint;
        info.Environment["HF_HUB_CACHE"] = _kit.Cache;
        info.Environment.Remove("HF_TOKEN");
        info.Environment.Remove("HF_HUB_OFFLINE");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2))) { process.Kill(true); throw new TimeoutException("r1 " + string.Join(' ', args)); }
        return new R1Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void Pull_list_and_rm_work_from_the_command_line()
    {
        var pull = R1("pull", "acme/tiny", "--exclude", "*.md", "sub/");
        Assert.True(pull.ExitCode == 0, pull.Stderr);
        string snapshot = Path.Combine(_kit.RepoDir, "snapshots", HubTestKit.Commit1);
        Assert.EndsWith($"downloaded): {snapshot}\n", pull.Stdout.Replace("\r", ""));
        Assert.StartsWith("4 files, ", pull.Stdout);
        Assert.Contains("model.safetensors: ", pull.Stderr); // plain progress lines off a terminal
        Assert.False(File.Exists(Path.Combine(snapshot, "README.md")));

        Assert.Equal(0, R1("pull", "acme/tiny", "--revision", "v2", "--include", "config.json").ExitCode);
        var list = R1("list");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("acme/tiny", list.Stdout);
        Assert.Contains("main (1111111), v2 (2222222)", list.Stdout);

        var rm = R1("rm", "acme/tiny", "--revision", "v2");
        Assert.True(rm.ExitCode == 0, rm.Stderr);
        Assert.Contains("removed acme/tiny: 1 revision(s), 1 blob(s)", rm.Stdout);
        Assert.Equal(0, R1("rm", "acme/tiny").ExitCode);
        Assert.Contains("no models cached", R1("list").Stdout);
    }

    [Fact]
    public void Errors_are_one_line_with_exit_code_2()
    {
        var missing = R1("pull", "acme/nope");
        Assert.Equal(2, missing.ExitCode);
        Assert.Single(missing.Stderr.Trim().Split('\n'));
        Assert.Contains("acme/nope not found", missing.Stderr);

        var offline = R1("inspect", "--model", "acme/never-pulled", "--offline");
        Assert.Equal(2, offline.ExitCode);
        Assert.Contains("--offline forbids pulling it: run `r1 pull acme/never-pulled` or drop --offline", offline.Stderr);
        var pulled = R1("inspect", "--model", "acme/never-pulled"); // pulled on first use: the hub has no such repo
        Assert.Equal(2, pulled.ExitCode);
        Assert.Contains("acme/never-pulled not found", pulled.Stderr);
    }

    [Fact]
    public void Model_option_accepts_a_cached_repo_id()
    {
        // The shipped tiny model served by the fake hub, pulled, then inspected by repo id.
        string tiny = Path.Combine(RepoPaths.Root, "models", "tiny-qwen2");
        var repo = new FakeRepo();
        repo.Refs["main"] = HubTestKit.Commit1;
        repo.Commits[HubTestKit.Commit1] = Directory.EnumerateFiles(tiny).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
        _kit.Hub.Repos["acme/tiny-qwen2"] = repo;
        Assert.Equal(0, R1("pull", "acme/tiny-qwen2").ExitCode);
        var inspect = R1("inspect", "--model", "acme/tiny-qwen2");
        Assert.True(inspect.ExitCode == 0, inspect.Stderr);
        Assert.Contains("parameters   131,136", inspect.Stdout);
    }

    // A repo whose listing or answers are hostile or broken; each case must end `r1 pull` in one line with exit code 2.
    [Theory]
    [InlineData("etag too long", "ETag")]
    [InlineData("etag with a blank", "ETag")]
    [InlineData("file redirect", "file:///etc/passwd")]
    [InlineData("file name too long", "too long")]
    [InlineData("file and folder", "both a file and a folder")]
    [InlineData("parent folder", "unsafe file name '../evil.txt'")]
    [InlineData("absolute path", "unsafe file name '/abs.txt'")]
    public void Bad_answers_from_the_hub_are_one_line_errors_with_exit_code_2(string why, string expected)
    {
        var files = new Dictionary<string, byte[]> { ["config.json"] = "{}"u8.ToArray() };
        var hub = _kit.Hub;
        switch (why)
        {
            case "etag too long": hub.EtagFor["config.json"] = new string('e', 400); break;
            case "etag with a blank": hub.EtagFor["config.json"] = "abc def"; break;
            case "file redirect": hub.RedirectFor["config.json"] = "file:///etc/passwd"; break;
            case "file name too long": files[new string('n', 300) + ".json"] = "{}"u8.ToArray(); break;
            case "file and folder": files["sub"] = "x"u8.ToArray(); files["sub/inner.txt"] = "y"u8.ToArray(); break;
            case "parent folder": files["../evil.txt"] = "x"u8.ToArray(); break;
            case "absolute path": files["/abs.txt"] = "x"u8.ToArray(); break;
        }
        var repo = new FakeRepo();
        repo.Refs["main"] = HubTestKit.Commit1;
        repo.Commits[HubTestKit.Commit1] = files;
        hub.Repos["acme/bad"] = repo;

        var clock = Stopwatch.StartNew();
        var pull = R1("pull", "acme/bad");
        Assert.True(pull.ExitCode == 2, $"{why}: exit {pull.ExitCode}: {pull.Stderr}");
        var line = Assert.Single(pull.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error", StringComparison.Ordinal));
        Assert.Contains(expected, line);
        Assert.DoesNotContain("Exception", line);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"{why}: took {clock.Elapsed}");
        Assert.False(File.Exists("/etc/passwd.incomplete"));
    }
}
