// Shared fixtures of the hub tests: a fake hub with one two-revision repo, a temporary cache, fast retry settings.
using System.Security.Cryptography;
using System.Text;
using R1Sharp.Hub;

namespace R1Sharp.Tests.Hub;

public sealed class HubTestKit : IDisposable
{
    public const string RepoId = "acme/tiny";
    public const string Commit1 = "1111111111111111111111111111111111111111";
    public const string Commit2 = "2222222222222222222222222222222222222222";

    public FakeHub Hub { get; } = new();
    public string Cache { get; } = Path.Combine(Path.GetTempPath(), "r1-hub-" + Guid.NewGuid().ToString("N"));
    public Dictionary<string, byte[]> Main { get; }
    public Dictionary<string, byte[]> V2 { get; }

    public HubTestKit()
    {
        Main = new Dictionary<string, byte[]>
        {
            ["config.json"] = Encoding.UTF8.GetBytes("{\"model_type\": \"qwen2\"}\n"),
            ["tokenizer.json"] = Encoding.UTF8.GetBytes("{\"model\": {}}\n"),
            ["README.md"] = Encoding.UTF8.GetBytes("# tiny\n"),
            ["model.safetensors"] = RandomBytes(300_000, 1),
            ["sub/dir/nested.bin"] = RandomBytes(10_000, 2),
            ["sub/notes.txt"] = Encoding.UTF8.GetBytes("notes\n"),
            ["empty.txt"] = [],
        };
        V2 = new Dictionary<string, byte[]>(Main)
        {
            ["config.json"] = Encoding.UTF8.GetBytes("{\"model_type\": \"qwen2\", \"v\": 2}\n"),
        };
        var repo = new FakeRepo();
        repo.Refs["main"] = Commit1;
        repo.Refs["v2"] = Commit2;
        repo.Commits[Commit1] = Main;
        repo.Commits[Commit2] = V2;
        Hub.Repos[RepoId] = repo;
    }

    public static byte[] RandomBytes(int n, int seed)
    {
        var bytes = new byte[n];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    public HubSettings Settings(bool offline = false, string? token = null) => new()
    {
        Endpoint = Hub.Endpoint,
        CacheDir = Cache,
        Offline = offline,
        Token = token,
        RetryBaseDelay = TimeSpan.FromMilliseconds(10),
        MaxRetryDelay = TimeSpan.FromSeconds(3),
        ReadTimeout = TimeSpan.FromSeconds(10),
    };

    public async Task<HubPullResult> PullAsync(string? revision = null, string[]? include = null, string[]? exclude = null,
        HubSettings? settings = null, IProgress<HubProgress>? progress = null, string repoId = RepoId)
    {
        using var client = new HubClient(settings ?? Settings());
        return await client.PullAsync(repoId, revision, include, exclude, progress);
    }

    public string RepoDir => Path.Combine(Cache, "models--acme--tiny");

    public IReadOnlyList<HubRequest> FileRequests(string method) =>
        Hub.Requests.Where(r => r.Method == method && !r.Path.StartsWith("/api/", StringComparison.Ordinal)).ToList();

    public void ClearLog() => Hub.Log.Clear();

    public void Dispose()
    {
        Hub.Dispose();
        if (Directory.Exists(Cache)) Directory.Delete(Cache, recursive: true);
    }
}

/// <summary>A synchronous IProgress that keeps every report (Progress&lt;T&gt; would post them later).</summary>
public sealed class RecordingProgress : IProgress<HubProgress>
{
    readonly List<HubProgress> _reports = [];
    public void Report(HubProgress value) { lock (_reports) _reports.Add(value); }
    public IReadOnlyList<HubProgress> Reports { get { lock (_reports) return _reports.ToList(); } }
}
