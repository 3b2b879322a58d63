// HubClient against the fake hub on a loopback port: layout, cache reuse, resume, checksums, retries, errors,
// globs, offline mode, redirects and tokens.
using System.Diagnostics;
using R1Sharp.Hub;

namespace R1Sharp.Tests.Hub;

public sealed class HubClientTests : IDisposable
{
    readonly HubTestKit _kit = new();
    public void Dispose() => _kit.Dispose();

    void AssertSnapshotHolds(string snapshot, IReadOnlyDictionary<string, byte[]> files)
    {
        foreach (var (path, data) in files)
            Assert.Equal(data, File.ReadAllBytes(Path.Combine(snapshot, path)));
    }

    [Fact]
    public async Task Pull_fills_blobs_refs_and_snapshot_links_and_reports_progress()
    {
        var progress = new RecordingProgress();
        var result = await _kit.PullAsync(progress: progress);

        Assert.Equal(HubTestKit.Commit1, result.Commit);
        Assert.Equal(Path.Combine(_kit.RepoDir, "snapshots", HubTestKit.Commit1), result.SnapshotDir);
        Assert.Equal(_kit.Main.Keys.Order(), result.Files.Order());
        long total = _kit.Main.Values.Sum(v => (long)v.Length);
        Assert.Equal(total, result.Bytes);
        Assert.Equal(total, result.DownloadedBytes);
        AssertSnapshotHolds(result.SnapshotDir, _kit.Main);
        Assert.Equal(HubTestKit.Commit1, File.ReadAllText(Path.Combine(_kit.RepoDir, "refs", "main")));
        Assert.Empty(Directory.EnumerateFiles(_kit.RepoDir, "*.incomplete", SearchOption.AllDirectories));

        var last = progress.Reports[^1];
        Assert.Equal(total, last.TotalSize);
        Assert.Equal(total, progress.Reports.Max(r => r.TotalBytes));
        Assert.All(_kit.Main.Keys.Where(k => _kit.Main[k].Length > 0), f => Assert.Contains(progress.Reports, r => r.File == f && r.FileDone));
    }

    [Fact]
    public async Task Cache_matches_the_huggingface_hub_layout_exactly()
    {
        await _kit.PullAsync();
        string sha = HubTestKit.Sha256(_kit.Main["model.safetensors"]);
        string nestedSha = HubTestKit.Sha256(_kit.Main["sub/dir/nested.bin"]);
        string configSha1 = FakeHub.Etag("config.json", _kit.Main["config.json"]);
        string snap = Path.Combine(_kit.RepoDir, "snapshots", HubTestKit.Commit1);

        // What huggingface_hub writes: a link relative to the link's own folder, to blobs/<etag>, where the etag is
        // X-Linked-Etag (sha256) for LFS files and the normalised ETag (git sha1) for the others.
        Assert.Equal("../../blobs/" + sha, new FileInfo(Path.Combine(snap, "model.safetensors")).LinkTarget);
        Assert.Equal("../../../../blobs/" + nestedSha, new FileInfo(Path.Combine(snap, "sub", "dir", "nested.bin")).LinkTarget);
        Assert.Equal("../../blobs/" + configSha1, new FileInfo(Path.Combine(snap, "config.json")).LinkTarget);
        Assert.Equal(_kit.Main["model.safetensors"], File.ReadAllBytes(Path.Combine(_kit.RepoDir, "blobs", sha)));
        Assert.True(File.Exists(Path.Combine(_kit.Cache, ".locks", "models--acme--tiny", sha + ".lock")));

        var top = Directory.EnumerateFileSystemEntries(_kit.RepoDir).Select(Path.GetFileName).Order();
        Assert.Equal(["blobs", "refs", "snapshots"], top);
        Assert.All(Directory.EnumerateFiles(snap, "*", SearchOption.AllDirectories), f => Assert.NotNull(new FileInfo(f).LinkTarget));
        Assert.DoesNotContain(Directory.EnumerateFiles(Path.Combine(_kit.RepoDir, "blobs")), b => new FileInfo(b).LinkTarget is not null);
    }

    [Fact]
    public async Task Second_pull_sends_no_file_request_and_a_new_revision_fetches_only_changed_blobs()
    {
        await _kit.PullAsync();
        _kit.ClearLog();
        var again = await _kit.PullAsync();
        Assert.Equal(0, again.DownloadedBytes);
        Assert.Empty(_kit.FileRequests("GET"));
        Assert.Empty(_kit.FileRequests("HEAD"));

        _kit.ClearLog();
        var v2 = await _kit.PullAsync("v2");
        Assert.Equal(HubTestKit.Commit2, v2.Commit);
        var gets = _kit.FileRequests("GET");
        Assert.Equal(["/acme/tiny/resolve/" + HubTestKit.Commit2 + "/config.json"], gets.Select(g => g.Path));
        Assert.Equal(_kit.V2["config.json"].Length, v2.DownloadedBytes);
        AssertSnapshotHolds(v2.SnapshotDir, _kit.V2);
        Assert.Equal(HubTestKit.Commit2, File.ReadAllText(Path.Combine(_kit.RepoDir, "refs", "v2")));
    }

    [Fact]
    public async Task Dropped_connection_is_resumed_with_a_range_request()
    {
        _kit.Hub.AddFault("model.safetensors", new Fault(FaultKind.DropAfter, Bytes: 100_000));
        var result = await _kit.PullAsync(include: ["model.safetensors"]);
        AssertSnapshotHolds(result.SnapshotDir, new Dictionary<string, byte[]> { ["model.safetensors"] = _kit.Main["model.safetensors"] });
        var cdn = _kit.FileRequests("GET").Where(r => r.Path.StartsWith("/cdn/", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, cdn.Count);
        Assert.Null(cdn[0].Range);
        Assert.StartsWith("bytes=", cdn[1].Range);
        Assert.NotEqual("bytes=0-", cdn[1].Range);
        Assert.Equal(_kit.Main["model.safetensors"].Length, result.DownloadedBytes);
    }

    [Fact]
    public async Task A_200_reply_to_a_range_request_restarts_the_file()
    {
        _kit.Hub.AddFault("model.safetensors", new Fault(FaultKind.DropAfter, Bytes: 100_000));
        _kit.Hub.AddFault("model.safetensors", new Fault(FaultKind.IgnoreRange));
        var result = await _kit.PullAsync(include: ["model.safetensors"]);
        Assert.Equal(_kit.Main["model.safetensors"], File.ReadAllBytes(Path.Combine(result.SnapshotDir, "model.safetensors")));
    }

    [Fact]
    public async Task A_corrupted_download_is_fetched_again_once()
    {
        _kit.Hub.AddFault("model.safetensors", new Fault(FaultKind.Corrupt));
        var result = await _kit.PullAsync(include: ["*.safetensors"]);
        Assert.Equal(_kit.Main["model.safetensors"], File.ReadAllBytes(Path.Combine(result.SnapshotDir, "model.safetensors")));
        Assert.Equal(2, _kit.FileRequests("GET").Count(r => r.Path.StartsWith("/cdn/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Corrupted_twice_fails_clearly_and_leaves_no_link_blob_or_partial_file()
    {
        _kit.Hub.AddFault("model.safetensors", new Fault(FaultKind.Corrupt));
        _kit.Hub.AddFault("model.safetensors", new Fault(FaultKind.Corrupt));
        var e = await Assert.ThrowsAsync<R1SharpException>(() => _kit.PullAsync());
        Assert.Contains("model.safetensors", e.Message);
        Assert.Contains("corrupted twice", e.Message);
        string sha = HubTestKit.Sha256(_kit.Main["model.safetensors"]);
        Assert.False(File.Exists(Path.Combine(_kit.RepoDir, "snapshots", HubTestKit.Commit1, "model.safetensors")));
        Assert.False(File.Exists(Path.Combine(_kit.RepoDir, "blobs", sha)));
        // The corrupted blob leaves no partial file; other files cancelled mid-download may keep theirs (resumable).
        Assert.False(File.Exists(Path.Combine(_kit.RepoDir, "blobs", sha + ".incomplete")));

        var retry = await _kit.PullAsync(); // the fault script is spent: a plain retry completes the snapshot
        AssertSnapshotHolds(retry.SnapshotDir, _kit.Main);
    }

    [Fact]
    public async Task Too_many_requests_waits_for_retry_after_then_succeeds()
    {
        _kit.Hub.AddFault("model.safetensors", new Fault(FaultKind.TooManyRequests, RetryAfterSeconds: 1));
        var clock = Stopwatch.StartNew();
        var result = await _kit.PullAsync(include: ["model.safetensors"]);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(900), $"retried after {clock.Elapsed}");
        Assert.Equal(_kit.Main["model.safetensors"], File.ReadAllBytes(Path.Combine(result.SnapshotDir, "model.safetensors")));
        Assert.Equal(2, _kit.FileRequests("GET").Count(r => r.Path.StartsWith("/cdn/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Missing_repo_fails_in_one_line_naming_what_to_check_and_writes_nothing()
    {
        var e = await Assert.ThrowsAsync<R1SharpException>(() => _kit.PullAsync(repoId: "acme/nope"));
        Assert.Contains("acme/nope not found", e.Message);
        Assert.Contains("HF_TOKEN", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.False(Directory.Exists(_kit.Cache));

        var r = await Assert.ThrowsAsync<R1SharpException>(() => _kit.PullAsync(revision: "nobranch"));
        Assert.Contains("revision 'nobranch'", r.Message);
        Assert.Contains("--revision", r.Message);
        Assert.False(Directory.Exists(_kit.Cache));
    }

    [Fact]
    public async Task A_lock_held_by_another_download_is_waited_for_at_most_the_lock_timeout()
    {
        string etag = FakeHub.Etag("config.json", _kit.Main["config.json"]);
        string locks = Path.Combine(_kit.Cache, ".locks", "models--acme--tiny");
        Directory.CreateDirectory(locks);
        string lockPath = Path.Combine(locks, etag + ".lock");
        var settings = _kit.Settings() with { LockTimeout = TimeSpan.FromMilliseconds(500) };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        R1SharpException e;
        using (new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None)) // another process's download
            e = await Assert.ThrowsAsync<R1SharpException>(() => _kit.PullAsync(include: ["config.json"], settings: settings));
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(450), TimeSpan.FromSeconds(20));
        Assert.Contains($"for the lock file {lockPath}", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        var done = await _kit.PullAsync(include: ["config.json"], settings: settings); // released: the pull goes through
        Assert.Equal(_kit.Main["config.json"], File.ReadAllBytes(Path.Combine(done.SnapshotDir, "config.json")));
    }

    [Fact]
    public async Task Include_and_exclude_globs_pick_the_files()
    {
        var json = await _kit.PullAsync(include: ["*.json"], exclude: ["tokenizer*"]);
        Assert.Equal(["config.json"], json.Files);
        var sub = await _kit.PullAsync(include: ["sub/"]);
        Assert.Equal(["sub/dir/nested.bin", "sub/notes.txt"], sub.Files.Order());
        Assert.Equal(3, HubCache.SnapshotFiles(sub.SnapshotDir).Count);
        await Assert.ThrowsAsync<R1SharpException>(() => _kit.PullAsync(include: ["*.JSON"])); // case-sensitive
    }

    [Fact]
    public async Task Offline_mode_resolves_from_the_cache_without_any_request()
    {
        await _kit.PullAsync();
        _kit.ClearLog();
        var offline = await _kit.PullAsync(settings: _kit.Settings(offline: true));
        Assert.Equal(HubTestKit.Commit1, offline.Commit);
        Assert.Equal(_kit.Main.Count, offline.Files.Count);
        Assert.Empty(_kit.Hub.Requests);

        var e = await Assert.ThrowsAsync<R1SharpException>(() => _kit.PullAsync("v2", settings: _kit.Settings(offline: true)));
        Assert.Contains("HF_HUB_OFFLINE=1", e.Message);
        Assert.Contains("r1 pull acme/tiny", e.Message);
        Assert.Empty(_kit.Hub.Requests);
    }

    [Fact]
    public async Task Renamed_repo_follows_relative_redirects_and_the_token_never_reaches_the_cdn()
    {
        _kit.Hub.Renamed["acme/old-name"] = HubTestKit.RepoId;
        var result = await _kit.PullAsync(repoId: "acme/old-name", settings: _kit.Settings(token: "hf_secret"));
        AssertSnapshotHolds(result.SnapshotDir, _kit.Main);
        Assert.StartsWith(Path.Combine(_kit.Cache, "models--acme--old-name"), result.SnapshotDir);

        var requests = _kit.Hub.Requests;
        Assert.Contains(requests, r => r.Method == "HEAD" && r.Path == $"/acme/old-name/resolve/{HubTestKit.Commit1}/config.json");
        Assert.Contains(requests, r => r.Method == "HEAD" && r.Path == $"/acme/tiny/resolve/{HubTestKit.Commit1}/config.json");
        Assert.Contains(requests, r => r.Method == "GET" && r.Path == $"/acme/tiny/resolve/{HubTestKit.Commit1}/config.json");
        Assert.All(requests.Where(r => r.Host == "127.0.0.1"), r => Assert.Equal("Bearer hf_secret", r.Authorization));
        var cdn = requests.Where(r => r.Path.StartsWith("/cdn/", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, cdn.Count);
        Assert.All(cdn, r => { Assert.Equal("localhost", r.Host); Assert.Null(r.Authorization); });
    }
}
