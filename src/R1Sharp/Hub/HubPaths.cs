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

    /// <summary>Longest ETag accepted: it names the blob and its lock file (hub ETags are 40 or 64 hex digits).</summary>
    public const int MaxEtagLength = 128;

    /// <summary>Longest folder or file name of a repo path, in UTF-8 bytes: file systems allow 255, and the temporary
    /// names made beside it add up to 38 (".GUID.link").</summary>
    public const int MaxPathComponentBytes = 200;

    /// <summary>Longest repo path accepted (characters).</summary>
    public const int MaxPathLength = 1024;

    /// <summary>
    /// Rejects file names from the hub that would escape the snapshot folder (absolute, "..", backslashes, NUL) or that
    /// no file system can store (a name over <see cref="MaxPathComponentBytes"/> bytes, a path over <see cref="MaxPathLength"/>).
    /// </summary>
    public static void ValidateRepoFilePath(string repoId, string path)
    {
        if (path.Length == 0 || path.StartsWith('/') || path.Contains('\\') || path.Contains('\0')
            || path.Split('/').Any(p => p is "" or "." or ".."))
            throw new R1SharpException($"the hub listed an unsafe file name '{Shorten(path)}' in {repoId}: refusing to write it");
        string? longest = path.Split('/').FirstOrDefault(p => System.Text.Encoding.UTF8.GetByteCount(p) > MaxPathComponentBytes);
        if (longest is not null || path.Length > MaxPathLength)
            throw new R1SharpException($"the hub listed a file name too long to store in {repoId}: '{Shorten(path)}' " +
                $"({(longest is null ? $"{path.Length} characters; at most {MaxPathLength}" : $"a name of {System.Text.Encoding.UTF8.GetByteCount(longest)} bytes; at most {MaxPathComponentBytes}")}); " +
                "exclude it with --exclude");
    }

    /// <summary>
    /// Rejects a listing where one path is a file and also a folder of another (`a` and `a/b`): the snapshot cannot hold both.
    /// </summary>
    public static void ValidateNoFileFolderClash(string repoId, IReadOnlyList<string> paths)
    {
        var files = new HashSet<string>(paths, StringComparer.Ordinal);
        foreach (string path in paths)
            for (int slash = path.IndexOf('/'); slash > 0; slash = path.IndexOf('/', slash + 1))
                if (files.Contains(path[..slash]))
                    throw new R1SharpException($"the hub listed '{path[..slash]}' in {repoId} as both a file and a folder (of '{Shorten(path)}'): " +
                        "the cache cannot hold both; exclude one with --exclude");
    }

    /// <summary>
    /// Rejects an ETag that cannot name a blob: empty, longer than <see cref="MaxEtagLength"/>, starting with '.', or with
    /// a character other than a letter, digit, '-', '_', '.', '+' or '=' (no blanks, control characters or slashes).
    /// </summary>
    public static void ValidateEtag(string etag, string repoId, string path)
    {
        string? problem = etag.Length == 0 ? "is empty"
            : etag.Length > MaxEtagLength ? $"is {etag.Length} characters long (at most {MaxEtagLength})"
            : etag.StartsWith('.') ? "starts with '.'"
            : etag.FirstOrDefault(c => !IsEtagChar(c)) is var bad && bad != default ? $"contains {(char.IsControl(bad) || char.IsWhiteSpace(bad) ? $"U+{(int)bad:X4}" : $"'{bad}'")}"
            : null;
        if (problem is not null)
            throw new R1SharpException($"the hub sent an unusable ETag for {path} of {repoId}: it {problem}; " +
                "an ETag names the cached file, so only letters, digits, '-', '_', '.', '+' and '=' are accepted (check HF_ENDPOINT or a proxy)");
    }

    private static bool IsEtagChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '+' or '=';

    private static string Shorten(string s) => s.Length <= 80 ? s : s[..60] + "…" + s[^10..];

    static bool IsLowerHex(string s)
    {
        foreach (char c in s)
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f'))) return false;
        return true;
    }

    [GeneratedRegex(@"^(?:[A-Za-z0-9][A-Za-z0-9._-]*/)?[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex RepoIdPattern();
}
