// `r1 pull`: snapshot_download of huggingface_hub (_snapshot_download.py, file_download.py) over HTTP —
// repo info, include/exclude globs, per-file HEAD metadata, blobs + relative snapshot symlinks, offline mode.
using System.Net;
using System.Text.Json;

namespace R1Sharp.Hub;

/// <summary>
/// Downloads model repos from a Hugging Face hub into the huggingface_hub cache, so Python tools and R1Sharp share
/// one copy. Thread-safe; one instance can serve many pulls.
/// </summary>
public sealed partial class HubClient : IDisposable
{
    readonly HubHttp _http;
    readonly HttpClient _client;
    readonly bool _ownsClient;

    /// <summary>A client with its own HttpClient (no automatic redirects: the hub's redirect rules are applied by hand).</summary>
    public HubClient(HubSettings settings) : this(settings, HubHttp.CreateClient(), ownsClient: true) { }

    /// <summary>A client over a caller's HttpClient; its handler must not follow redirects itself.</summary>
    public HubClient(HubSettings settings, HttpClient client, bool ownsClient = false)
    {
        _client = client;
        _ownsClient = ownsClient;
        _http = new HubHttp(client, settings);
    }

    /// <summary>The settings this client uses.</summary>
    public HubSettings Settings => _http.Settings;

    /// <summary>The folder `models--ORG--NAME` of <paramref name="repoId"/> in the cache.</summary>
    public string RepoDir(string repoId) => Path.Combine(Settings.CacheDir, HubPaths.RepoFolderName(repoId));

    /// <summary>
    /// Downloads the files of <paramref name="repoId"/> at <paramref name="revision"/> (default "main") that match
    /// <paramref name="include"/> and not <paramref name="exclude"/>, reusing complete blobs, and returns the snapshot
    /// directory. Offline (HF_HUB_OFFLINE=1) it resolves from the cache only.
    /// </summary>
    public async Task<HubPullResult> PullAsync(string repoId, string? revision = null, IReadOnlyList<string>? include = null,
        IReadOnlyList<string>? exclude = null, IProgress<HubProgress>? progress = null, CancellationToken ct = default)
    {
        HubPaths.ValidateRepoId(repoId);
        revision ??= "main";
        if (revision.Length == 0 || revision.StartsWith('/') || revision.Split('/').Any(p => p is "" or "." or ".."))
            throw new R1SharpException($"'{revision}' is not a usable --revision: give a branch, tag or commit sha");
        if (Settings.Offline) return ResolveOffline(repoId, revision, include, exclude);

        var info = await GetRepoInfoAsync(repoId, revision, ct).ConfigureAwait(false);
        var files = HubGlob.Filter(info.Files, include, exclude);
        if (files.Count == 0)
            throw new R1SharpException($"no file of {repoId}@{revision} matches --include/--exclude ({info.Files.Count} files in the repo): widen the patterns");
        foreach (var f in files) HubPaths.ValidateRepoFilePath(repoId, f);
        HubPaths.ValidateNoFileFolderClash(repoId, files);

        var pull = new PullState(this, info, revision, files, progress);
        await pull.RunAsync(ct).ConfigureAwait(false);
        WriteRef(RepoDir(repoId), revision, info.Commit);
        return new HubPullResult(repoId, info.Commit, pull.SnapshotDir, files, pull.TotalSize, pull.Downloaded);
    }

    /// <summary>The commit and file list of a repo revision: GET {endpoint}/api/models/{repo}/revision/{rev}.</summary>
    public async Task<HubRepoInfo> GetRepoInfoAsync(string repoId, string revision, CancellationToken ct = default)
    {
        var uri = new Uri($"{Settings.Endpoint}/api/models/{repoId}/revision/{Uri.EscapeDataString(revision)}");
        using var reply = await _http.SendAsync(() => _http.Request(HttpMethod.Get, uri), HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
        if (!reply.IsSuccessStatusCode) throw _http.Error(reply, repoId, revision, null);
        try
        {
            using var doc = JsonDocument.Parse(await reply.Content.ReadAsStreamAsync(ct).ConfigureAwait(false));
            var root = doc.RootElement;
            string sha = root.GetProperty("sha").GetString() ?? "";
            if (!HubPaths.IsCommitHash(sha)) throw new JsonException($"'sha' is '{sha}', not a commit hash");
            var files = root.GetProperty("siblings").EnumerateArray().Select(s => s.GetProperty("rfilename").GetString()!).ToList();
            return new HubRepoInfo(repoId, sha, files);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new R1SharpException($"the hub at {Settings.Endpoint} sent an unreadable model info for {repoId}@{revision} ({e.Message}): check HF_ENDPOINT", e);
        }
    }

    /// <summary>
    /// HEAD of a resolve URL with Accept-Encoding: identity (so Content-Length is the real size); relative redirects
    /// are followed, an absolute one (a CDN) is kept as the download location.
    /// </summary>
    public async Task<HubFileMetadata> GetFileMetadataAsync(string repoId, string revision, string path, CancellationToken ct = default)
    {
        var uri = ResolveUri(repoId, revision, path);
        for (int hop = 0; hop < 10; hop++)
        {
            var current = uri;
            using var reply = await _http.SendAsync(() =>
            {
                var r = _http.Request(HttpMethod.Head, current);
                r.Headers.AcceptEncoding.ParseAdd("identity");
                return r;
            }, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
            var location = reply.Headers.Location;
            if (IsRedirect(reply.StatusCode) && location is not null && !location.IsAbsoluteUri)
            {
                uri = new Uri(current, location);
                continue;
            }
            if (!reply.IsSuccessStatusCode && !IsRedirect(reply.StatusCode)) throw _http.Error(reply, repoId, revision, path);
            if (location is not null) CheckRedirect(location, repoId, path);
            return ParseMetadata(reply, repoId, path, location ?? current);
        }
        throw new R1SharpException($"too many redirects for {path} of {repoId} from {Settings.Endpoint}");
    }

    static HubFileMetadata ParseMetadata(HttpResponseMessage reply, string repoId, string path, Uri location)
    {
        string? etag = HubHttp.Header(reply, "X-Linked-Etag") ?? HubHttp.Header(reply, "ETag");
        if (etag is null) throw new R1SharpException($"the hub sent no ETag for {path} of {repoId}: cannot cache it reproducibly (check HF_ENDPOINT or a proxy)");
        string? linked = HubHttp.Header(reply, "X-Linked-Size");
        long? size = linked is not null && long.TryParse(linked, out long l) ? l : reply.Content.Headers.ContentLength;
        if (size is null) throw new R1SharpException($"the hub sent no size for {path} of {repoId} (no X-Linked-Size or Content-Length)");
        etag = HubPaths.NormalizeEtag(etag);
        HubPaths.ValidateEtag(etag, repoId, path);
        return new HubFileMetadata(HubHttp.Header(reply, "X-Repo-Commit"), etag, size.Value, location);
    }

    internal Uri ResolveUri(string repoId, string revision, string path) =>
        new($"{Settings.Endpoint}/{repoId}/resolve/{Uri.EscapeDataString(revision)}/{string.Join('/', path.Split('/').Select(Uri.EscapeDataString))}");

    internal static bool IsRedirect(HttpStatusCode code) => (int)code is >= 300 and <= 399;

    /// <summary>Refuses a redirect to anything but http(s) (a file:// or ftp:// Location from a hostile or broken mirror).</summary>
    internal static void CheckRedirect(Uri location, string repoId, string path)
    {
        if (location.IsAbsoluteUri && location.Scheme is not ("http" or "https"))
            throw new R1SharpException($"the hub redirected {path} of {repoId} to '{location.OriginalString}', not an http(s) URL: " +
                "refusing to follow it (check HF_ENDPOINT or a proxy)");
    }

    HubPullResult ResolveOffline(string repoId, string revision, IReadOnlyList<string>? include, IReadOnlyList<string>? exclude)
    {
        string repoDir = RepoDir(repoId);
        string? commit = HubCache.ResolveCommit(repoDir, revision);
        string? snapshot = commit is null ? null : Path.Combine(repoDir, "snapshots", commit);
        if (snapshot is null || !Directory.Exists(snapshot))
            throw new R1SharpException($"{repoId}@{revision} is not in the cache {Settings.CacheDir} and HF_HUB_OFFLINE=1 forbids downloading: unset HF_HUB_OFFLINE and run `r1 pull {repoId}`");
        var cached = HubCache.SnapshotFiles(snapshot);
        var files = HubGlob.Filter(cached, include, exclude);
        if (files.Count == 0)
            throw new R1SharpException($"no cached file of {repoId}@{revision} matches --include/--exclude and HF_HUB_OFFLINE=1 forbids downloading: unset HF_HUB_OFFLINE to fetch them");
        long bytes = files.Sum(f => new FileInfo(Path.Combine(snapshot, f)).Length);
        return new HubPullResult(repoId, commit!, snapshot, files, bytes, 0);
    }

    // refs/<revision> holds the commit sha, written only when the revision is a name (snapshot_download does the same).
    static void WriteRef(string repoDir, string revision, string commit)
    {
        if (revision == commit) return;
        string refPath = Path.Combine(repoDir, "refs", revision);
        if (File.Exists(refPath) && File.ReadAllText(refPath).Trim() == commit) return;
        Directory.CreateDirectory(Path.GetDirectoryName(refPath)!);
        string tmp = refPath + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllText(tmp, commit);
        File.Move(tmp, refPath, overwrite: true);
    }

    public void Dispose()
    {
        if (_ownsClient) _client.Dispose();
    }
}
