// The huggingface_hub cache layout (file_download.py, constants.py): models--ORG--NAME/{blobs,refs,snapshots},
// .locks/, relative snapshot symlinks, etag normalisation and repo-id checks.
using System.Text.RegularExpressions;

namespace R1Sharp.Hub;

/// <summary>Pure path and name rules of the huggingface_hub cache.</summary>
public static partial class HubPaths
{
    /// <summary>`models--ORG--NAME` for `ORG/NAME` (repo_folder_name with repo_type "model").</summary>
    public static string RepoFolderName(string repoId) => "models--" + repoId.Replace("/", "--", StringComparison.Ordinal);

    /// <summary>The repo id of a cache folder name, or null when it is not a model folder.</summary>
    public static string? RepoIdOfFolder(string folderName) =>
        folderName.StartsWith("models--", StringComparison.Ordinal) && folderName.Length > 8
            ? folderName[8..].Replace("--", "/", StringComparison.Ordinal)
            : null;

    /// <summary>Throws unless <paramref name="repoId"/> is `NAME` or `ORG/NAME` with the hub's allowed characters.</summary>
    public static void ValidateRepoId(string repoId)
    {
        if (!RepoIdPattern().IsMatch(repoId) || repoId.Contains("--", StringComparison.Ordinal) || repoId.Contains("..", StringComparison.Ordinal))
            throw new R1SharpException($"'{repoId}' is not a Hugging Face repo id: expected ORG/NAME (letters, digits, '-', '_', '.')");
    }

    /// <summary>True for a full 40-hex git commit sha (REGEX_COMMIT_HASH).</summary>
    public static bool IsCommitHash(string s) => s.Length == 40 && IsLowerHex(s);

    /// <summary>True when the etag is a sha256 (64 hex), i.e. the file is stored in LFS and its content hash is known.</summary>
    public static bool IsSha256Etag(string etag) => etag.Length == 64 && IsLowerHex(etag);

    /// <summary>Strips a weak-validator prefix and the quotes: <c>W/"abc"</c> → <c>abc</c> (_normalize_etag).</summary>
    public static string NormalizeEtag(string etag)
    {
        var s = etag.AsSpan().Trim();
        if (s.StartsWith("W/")) s = s[2..];
        return s.Trim('"').ToString();
    }

    /// <summary>
    /// The symlink target from snapshots/COMMIT/PATH to blobs/ETAG, relative to the link's folder:
    /// `config.json` → `../../blobs/E`, `a/b/c.bin` → `../../../../blobs/E`.
    /// </summary>
    public static string SnapshotLinkTarget(string relativePath, string etag)
    {
        int depth = relativePath.Count(c => c == '/');
        return string.Concat(Enumerable.Repeat("../", depth + 2)) + "blobs/" + etag;
    }

    /// <summary>Rejects file names from the hub that would escape the snapshot folder.</summary>
    public static void ValidateRepoFilePath(string repoId, string path)
    {
        if (path.Length == 0 || path.StartsWith('/') || path.Contains('\\') || path.Contains('\0')
            || path.Split('/').Any(p => p is "" or "." or ".."))
            throw new R1SharpException($"the hub listed an unsafe file name '{path}' in {repoId}: refusing to write it");
    }

    static bool IsLowerHex(string s)
    {
        foreach (char c in s)
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f'))) return false;
        return true;
    }

    [GeneratedRegex(@"^(?:[A-Za-z0-9][A-Za-z0-9._-]*/)?[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex RepoIdPattern();
}
