// Results and progress records of the hub client (snapshot_download's repo_info, file metadata, outcome).
namespace R1Sharp.Hub;

/// <summary>A repo at one revision: the resolved commit sha and every file path in it (model_info `sha`, `siblings`).</summary>
public sealed record HubRepoInfo(string RepoId, string Commit, IReadOnlyList<string> Files);

/// <summary>
/// A file's metadata from the HEAD of its resolve URL: commit (X-Repo-Commit), normalised etag (X-Linked-Etag else
/// ETag), size (X-Linked-Size else Content-Length), and where to GET it (a CDN redirect target or the resolve URL).
/// </summary>
public sealed record HubFileMetadata(string? Commit, string Etag, long Size, Uri Location);

/// <summary>Download progress: bytes of one file and of the whole pull (cached files count as done from the start).</summary>
public readonly record struct HubProgress(string File, long FileBytes, long FileSize, long TotalBytes, long TotalSize, bool FileDone);

/// <summary>The outcome of a pull: the snapshot directory to load and what it took.</summary>
/// <param name="RepoId">The repo pulled (ORG/NAME).</param>
/// <param name="Commit">The commit sha the revision resolved to.</param>
/// <param name="SnapshotDir">snapshots/&lt;commit&gt;: a model directory of symlinks into blobs/.</param>
/// <param name="Files">Repo paths in the snapshot that the pull covered.</param>
/// <param name="Bytes">Total size of those files.</param>
/// <param name="DownloadedBytes">Bytes fetched over the network by this pull (0 when all were cached).</param>
public sealed record HubPullResult(string RepoId, string Commit, string SnapshotDir, IReadOnlyList<string> Files, long Bytes, long DownloadedBytes);
