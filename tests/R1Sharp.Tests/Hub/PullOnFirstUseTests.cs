// `r1 run --model ORG/NAME` pulls a repo missing from the cache (as Ollama pulls on first use) from a fake hub speaking
// the real protocol, then runs it from the cache; --offline and HF_HUB_OFFLINE=1 refuse in one line.
using R1Sharp.Tests.Cli;

namespace R1Sharp.Tests.Hub;

public sealed class PullOnFirstUseTests : IDisposable
{
    const string Commit = "3333333333333333333333333333333333333333";
    readonly FakeHub _hub = new();
    readonly string _cache = Directory.CreateTempSubdirectory("r1-pull-first-").FullName;

    public PullOnFirstUseTests()
    {
        string tiny = Path.Combine(RepoPaths.Root, "models", "tiny-qwen2");
        var files = Directory.EnumerateFiles(tiny).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
        var repo = new FakeRepo();
        repo.Refs["main"] = Commit;
        repo.Commits[Commit] = files;
        _hub.Repos["acme/tiny-qwen2"] = repo;
    }

    public void Dispose()
    {
        _hub.Dispose();
        Directory.Delete(_cache, recursive: true);
    }

    Dictionary<string, string> Env(bool offline = false) => new()
    {
        ["HF_ENDPOINT"] = _hub.Endpoint, ["HF_HUB_CACHE"] = _cache, ["HF_HUB_OFFLINE"] = offline ? "1" : "0",
    };

    static string[] Run(params string[] more) => ["run", "--model", "acme/tiny-qwen2", "--prompt", "hi", "--max-tokens", "4", "--temperature", "0", .. more];

    [Fact]
    public void A_missing_repo_is_pulled_then_run_and_the_second_run_uses_the_cache()
    {
        var refused = R1Process.RunWithEnvironment(Env(), null, Run("--offline"));
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--offline forbids pulling it: run `r1 pull acme/tiny-qwen2` or drop --offline", refused.Stderr);
        Assert.Empty(_hub.Log);
        var envOffline = R1Process.RunWithEnvironment(Env(offline: true), null, Run());
        Assert.Equal(2, envOffline.ExitCode);
        Assert.Contains("HF_HUB_OFFLINE=1 forbids pulling it", envOffline.Stderr);

        var first = R1Process.RunWithEnvironment(Env(), null, Run());
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Contains("acme/tiny-qwen2@main is not in the cache", first.Stderr);
        Assert.True(File.Exists(Path.Combine(_cache, "models--acme--tiny-qwen2", "snapshots", Commit, "model.safetensors")));
        int requests = _hub.Log.Count;

        var second = R1Process.RunWithEnvironment(Env(), null, Run("--offline"));
        Assert.True(second.ExitCode == 0, second.Stderr);
        Assert.DoesNotContain("pulling", second.Stderr);
        Assert.Equal(requests, _hub.Log.Count);
        Assert.Equal(first.Stdout, second.Stdout);
    }
}
