// Which I/O failures the user causes or can fix (a full disk, a quota, a read-only mount, a path too long, no
// permission), so the CLI reports them in one line naming the path with exit code 2 instead of as a crash.
namespace R1Sharp.IO;

/// <summary>Classifies I/O exceptions by their cause (errno on Unix, HRESULT on Windows).</summary>
public static class IoErrors
{
    // Linux errno values, which .NET puts in IOException.HResult for errors it has no exception type for.
    private const int Enospc = 28, Erofs = 30, Edquot = 122;
    private const int WinDiskFull = unchecked((int)0x80070070), WinHandleDiskFull = unchecked((int)0x80070027);

    /// <summary>
    /// A short lower-case cause for a failure the user can fix ("no space left on device", "the path is too long",
    /// "permission denied", ...), or null when <paramref name="e"/> is not one.
    /// </summary>
    public static string? UserCause(Exception e) => e switch
    {
        PathTooLongException => "the path or one of its names is too long",
        UnauthorizedAccessException => "permission denied",
        IOException io when IsDiskFull(io) => "no space left on device",
        IOException { HResult: Edquot } => "disk quota exceeded",
        IOException { HResult: Erofs } => "read-only file system",
        _ => null,
    };

    /// <summary>True when <paramref name="e"/> says the disk (or its quota) is full.</summary>
    public static bool IsDiskFull(IOException e) =>
        e.HResult is Enospc or WinDiskFull or WinHandleDiskFull
        || e.Message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A one-line <see cref="R1SharpException"/>: "<paramref name="action"/> '<paramref name="path"/>': cause", with the
    /// user-fixable cause when known, else the exception's message on one line.
    /// </summary>
    public static R1SharpException Describe(Exception e, string action, string path)
    {
        string cause = UserCause(e) is { } c ? c + Hint(e) : e.Message.ReplaceLineEndings(" ");
        return new R1SharpException($"{action} '{path}': {cause}", e);
    }

    private static string Hint(Exception e) => e is IOException io && IsDiskFull(io)
        ? "; free some space or choose another output directory" : "";
}
