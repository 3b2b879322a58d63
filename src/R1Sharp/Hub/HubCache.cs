// The huggingface_hub cache as R1Sharp sees it: list cached model repos, remove a repo or one revision
// (deleting blobs no snapshot links to any more), and resolve `--model ORG/NAME[@rev]` to a snapshot directory.
namespace R1Sharp.Hub;

/// <summary>One cached revision: its commit, the refs (branch/tag names) pointing at it, and its snapshot folder.</summary>
public sealed record CachedRevision(string Commit, IReadOnlyList<string> Refs, string SnapshotDir, int Files);

/// <summary>One cached repo: id, folder, revisions, and bytes its blobs take on disk.</summary>
public sealed record CachedRepo(string RepoId, string RepoDir, IReadOnlyList<CachedRevision> Revisions, long SizeOnDisk)
{
    /// <summary>Number of snapshot folders (revisions) cached.</summary>
    public int SnapshotCount => Revisions.Count;
}

/// <summary>What <see cref="HubCache.Remove"/> deleted.</summary>
public sealed record HubRemoval(string RepoId, IReadOnlyList<string> Commits, int BlobsDeleted, long BytesFreed);

/// <summary>Reads and prunes a huggingface_hub cache directory (HF_HUB_CACHE).</summary>
public sealed class HubCache(string cacheDir)
{
    /// <summary>The cache directory.</summary>
    public string CacheDir => cacheDir;

    /// <summary>The cache named by HF_HUB_CACHE / HF_HOME (see <see cref="HubSettings"/>).</summary>
    public static HubCache FromEnvironment() => new(HubSettings.FromEnvironment().CacheDir);

    /// <summary>Every cached model repo, sorted by id.</summary>
    public IReadOnlyList<CachedRepo> List()
    {
        if (!Directory.Exists(cacheDir)) return [];
        return Directory.EnumerateDirectories(cacheDir, "models--*")
            .Select(d => Describe(d))
            .OfType<CachedRepo>()
            .OrderBy(r => r.RepoId, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The cached repo <paramref name="repoId"/>, or null when it is not cached.</summary>
    public CachedRepo? Find(string repoId)
    {
        HubPaths.ValidateRepoId(repoId);
        string dir = Path.Combine(cacheDir, HubPaths.RepoFolderName(repoId));
        return Directory.Exists(dir) ? Describe(dir) : null;
    }

    static CachedRepo? Describe(string repoDir)
    {
        string? id = HubPaths.RepoIdOfFolder(Path.GetFileName(repoDir));
        if (id is null) return null;
        var refs = ReadRefs(repoDir);
        string snapshots = Path.Combine(repoDir, "snapshots");
        var revisions = !Directory.Exists(snapshots) ? [] : Directory.EnumerateDirectories(snapshots)
            .Select(s => new CachedRevision(Path.GetFileName(s),
                refs.Where(r => r.Value == Path.GetFileName(s)).Select(r => r.Key).OrderBy(k => k, StringComparer.Ordinal).ToList(),
                s, SnapshotFiles(s).Count))
            .OrderBy(r => r.Commit, StringComparer.Ordinal)
            .ToList();
        string blobs = Path.Combine(repoDir, "blobs");
        long size = Directory.Exists(blobs) ? new DirectoryInfo(blobs).EnumerateFiles().Sum(f => f.Length) : 0;
        return new CachedRepo(id, repoDir, revisions, size);
    }

    /// <summary>
    /// Removes <paramref name="repoId"/> entirely, or only <paramref name="revision"/> (a ref name or commit) and the
    /// refs pointing at it; blobs no remaining snapshot links to are deleted.
    /// </summary>
    public HubRemoval Remove(string repoId, string? revision = null)
    {
        var repo = Find(repoId) ?? throw new R1SharpException($"{repoId} is not in the cache {cacheDir}: `r1 list` shows what is");
        long before = repo.SizeOnDisk;
        if (revision is null)
        {
            string blobs = Path.Combine(repo.RepoDir, "blobs");
            int blobCount = Directory.Exists(blobs) ? Directory.EnumerateFiles(blobs).Count() : 0;
            Directory.Delete(repo.RepoDir, recursive: true);
            string locks = Path.Combine(cacheDir, ".locks", HubPaths.RepoFolderName(repoId));
            if (Directory.Exists(locks)) Directory.Delete(locks, recursive: true);
            return new HubRemoval(repoId, repo.Revisions.Select(r => r.Commit).ToList(), blobCount, before);
        }
        string commit = ResolveCommit(repo.RepoDir, revision) is { } c && repo.Revisions.Any(r => r.Commit == c) ? c
            : throw new R1SharpException($"revision '{revision}' of {repoId} is not cached: cached are {string.Join(", ", repo.Revisions.Select(r => r.Refs.Count > 0 ? $"{string.Join("/", r.Refs)} ({r.Commit[..7]})" : r.Commit))}");
        Directory.Delete(Path.Combine(repo.RepoDir, "snapshots", commit), recursive: true);
        foreach (var (name, target) in ReadRefs(repo.RepoDir))
            if (target == commit) File.Delete(Path.Combine(repo.RepoDir, "refs", name));
        int deleted = DeleteUnreferencedBlobs(repo.RepoDir, out long freed);
        return new HubRemoval(repoId, [commit], deleted, freed);
    }

    static int DeleteUnreferencedBlobs(string repoDir, out long freed)
    {
        freed = 0;
        string blobs = Path.Combine(repoDir, "blobs");
        if (!Directory.Exists(blobs)) return 0;
        var used = new HashSet<string>(StringComparer.Ordinal);
        string snapshots = Path.Combine(repoDir, "snapshots");
        if (Directory.Exists(snapshots))
            foreach (var entry in new DirectoryInfo(snapshots).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
                if (entry.LinkTarget is { } target) used.Add(Path.GetFileName(target));
        int count = 0;
        foreach (var blob in new DirectoryInfo(blobs).EnumerateFiles())
        {
            if (used.Contains(blob.Name)) continue;
            freed += blob.Length;
            blob.Delete();
            count++;
        }
        return count;
    }

    /// <summary>
    /// Resolves a `--model` argument: an existing directory (or file: a GGUF model) is returned as is; `ORG/NAME` or `ORG/NAME@REV` becomes its
    /// cached snapshot directory (an uncached one is a one-line error saying to pull it). Anything else is returned unchanged for the caller to report.
    /// </summary>
    public string ResolveModel(string dirOrRepoId)
    {
        if (TryResolveModel(dirOrRepoId, out var missing) is { } path) return path;
        string pull = missing.Revision == "main" ? $"r1 pull {missing.RepoId}" : $"r1 pull {missing.RepoId} --revision {missing.Revision}";
        throw new R1SharpException($"'{dirOrRepoId}' is neither a model directory nor cached in {cacheDir}: run `{pull}` first");
    }

    /// <summary>
    /// As <see cref="ResolveModel"/>, but an `ORG/NAME[@REV]` that is not cached gives null, with the repo and revision in
    /// <paramref name="missing"/> (for a caller that pulls it, as Ollama pulls on first use).
    /// </summary>
    public string? TryResolveModel(string dirOrRepoId, out (string RepoId, string Revision) missing)
    {
        missing = default;
        if (Directory.Exists(dirOrRepoId) || File.Exists(dirOrRepoId) || !LooksLikeRepoId(dirOrRepoId, out string repoId, out string revision)) return dirOrRepoId;
        string repoDir = Path.Combine(cacheDir, HubPaths.RepoFolderName(repoId));
        if (ResolveCommit(repoDir, revision) is { } commit && Directory.Exists(Path.Combine(repoDir, "snapshots", commit)))
            return Path.Combine(repoDir, "snapshots", commit);
        missing = (repoId, revision);
        return null;
    }

    // ORG/NAME[@REV] with exactly one "/" and no path syntax; "./x/y" or "/abs/dir" stay paths.
    static bool LooksLikeRepoId(string s, out string repoId, out string revision)
    {
        int at = s.IndexOf('@');
        repoId = at < 0 ? s : s[..at];
        revision = at < 0 ? "main" : s[(at + 1)..];
        if (revision.Length == 0 || repoId.Count(c => c == '/') != 1) return false;
        try { HubPaths.ValidateRepoId(repoId); return true; }
        catch (R1SharpException) { return false; }
    }

    /// <summary>The commit a revision names in a repo folder: itself when it is a cached commit, else refs/&lt;revision&gt;.</summary>
    public static string? ResolveCommit(string repoDir, string revision)
    {
        if (HubPaths.IsCommitHash(revision) && Directory.Exists(Path.Combine(repoDir, "snapshots", revision))) return revision;
        string refPath = Path.Combine(repoDir, "refs", revision);
        return File.Exists(refPath) ? File.ReadAllText(refPath).Trim() : null;
    }

    /// <summary>Repo-relative paths ("a/b.json") of the files in a snapshot folder, sorted.</summary>
    public static IReadOnlyList<string> SnapshotFiles(string snapshotDir) =>
        Directory.EnumerateFiles(snapshotDir, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(snapshotDir, f).Replace(Path.DirectorySeparatorChar, '/'))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToList();

    static Dictionary<string, string> ReadRefs(string repoDir)
    {
        string refs = Path.Combine(repoDir, "refs");
        if (!Directory.Exists(refs)) return [];
        return Directory.EnumerateFiles(refs, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(refs, f).Replace(Path.DirectorySeparatorChar, '/'), f => File.ReadAllText(f).Trim());
    }
}
