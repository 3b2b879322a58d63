// HubCache over a cache filled by HubClient from the fake hub: list, remove a revision or a repo
// (unreferenced blobs go, shared ones stay), and resolving `--model` arguments.
using R1Sharp.Hub;

namespace R1Sharp.Tests.Hub;

public sealed class HubCacheTests : IDisposable
{
    readonly HubTestKit _kit = new();
    public void Dispose() => _kit.Dispose();

    async Task<HubCache> PullBothRevisions()
    {
        await _kit.PullAsync();
        await _kit.PullAsync("v2");
        return new HubCache(_kit.Cache);
    }

    [Fact]
    public async Task List_shows_repo_revisions_refs_and_size_on_disk()
    {
        var cache = await PullBothRevisions();
        var repo = Assert.Single(cache.List());
        Assert.Equal(HubTestKit.RepoId, repo.RepoId);
        Assert.Equal(2, repo.SnapshotCount);
        Assert.Equal(["main"], repo.Revisions.Single(r => r.Commit == HubTestKit.Commit1).Refs);
        Assert.Equal(["v2"], repo.Revisions.Single(r => r.Commit == HubTestKit.Commit2).Refs);
        Assert.All(repo.Revisions, r => Assert.Equal(_kit.Main.Count, r.Files));
        // Blobs are shared: only config.json differs between the revisions.
        long unique = _kit.Main.Values.Sum(v => (long)v.Length) + _kit.V2["config.json"].Length;
        Assert.Equal(unique, repo.SizeOnDisk);
        Assert.Empty(new HubCache(Path.Combine(_kit.Cache, "nothing-here")).List());
    }

    [Fact]
    public async Task Removing_a_revision_deletes_only_blobs_no_other_snapshot_uses()
    {
        var cache = await PullBothRevisions();
        var removal = cache.Remove(HubTestKit.RepoId, "v2");
        Assert.Equal([HubTestKit.Commit2], removal.Commits);
        Assert.Equal(1, removal.BlobsDeleted);
        Assert.Equal(_kit.V2["config.json"].Length, removal.BytesFreed);
        Assert.False(File.Exists(Path.Combine(_kit.RepoDir, "refs", "v2")));
        Assert.False(Directory.Exists(Path.Combine(_kit.RepoDir, "snapshots", HubTestKit.Commit2)));
        var main = Path.Combine(_kit.RepoDir, "snapshots", HubTestKit.Commit1);
        foreach (var (path, data) in _kit.Main) Assert.Equal(data, File.ReadAllBytes(Path.Combine(main, path)));

        Assert.Throws<R1SharpException>(() => cache.Remove(HubTestKit.RepoId, "v2"));
        var all = cache.Remove(HubTestKit.RepoId);
        Assert.Equal([HubTestKit.Commit1], all.Commits);
        Assert.False(Directory.Exists(_kit.RepoDir));
        Assert.Empty(cache.List());
        Assert.Throws<R1SharpException>(() => cache.Remove(HubTestKit.RepoId));
    }

    [Fact]
    public async Task Resolve_model_accepts_directories_and_cached_repo_ids()
    {
        var cache = await PullBothRevisions();
        Assert.Equal(_kit.Cache, cache.ResolveModel(_kit.Cache));
        Assert.Equal(Path.Combine(_kit.RepoDir, "snapshots", HubTestKit.Commit1), cache.ResolveModel("acme/tiny"));
        Assert.Equal(Path.Combine(_kit.RepoDir, "snapshots", HubTestKit.Commit2), cache.ResolveModel("acme/tiny@v2"));
        Assert.Equal(Path.Combine(_kit.RepoDir, "snapshots", HubTestKit.Commit2), cache.ResolveModel("acme/tiny@" + HubTestKit.Commit2));
        var e = Assert.Throws<R1SharpException>(() => cache.ResolveModel("acme/missing"));
        Assert.Contains("`r1 pull acme/missing`", e.Message);
        Assert.Contains("--revision v9", Assert.Throws<R1SharpException>(() => cache.ResolveModel("acme/tiny@v9")).Message);
        Assert.Equal("./no/such/dir", cache.ResolveModel("./no/such/dir")); // a path is left for the verb to report
    }
}
